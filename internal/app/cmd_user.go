package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/term"

	"andon/internal/auth"
	"andon/internal/config"
	"andon/internal/domain"
	"andon/internal/store"
)

// openForCommand parses the shared database flags plus the command's own,
// then opens and migrates the store.
func openForCommand(ctx context.Context, name string, args []string, env *Env, bind func(fs *flag.FlagSet)) (*store.DB, *config.Config, error) {
	fs := newFlags(name, env)
	cfg := config.Bind(fs, env.Getenv)
	if bind != nil {
		bind(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	if err := cfg.Finish(); err != nil {
		return nil, nil, err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return db, cfg, nil
}

// flagErr turns a validation error into one naming the command-line flags.
func flagErr(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return err
	}
	keys := make([]string, 0, len(de.Fields))
	for k := range de.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = "--" + k + ": " + de.Fields[k]
	}
	return errors.New(strings.Join(parts, "; "))
}

func cmdUser(ctx context.Context, args []string, env *Env) error {
	if len(args) == 0 || args[0] != "create" {
		const help = `usage: andon user create --email E --name N --role admin|agent|collaborator (password on stdin)
roles: admin (everything, including settings and users), agent (tickets, chat, problems),
       collaborator (an upstream team: only the problems assigned to them and their tickets)`
		if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(env.Stdout, help)
			return nil
		}
		return errors.New(help)
	}
	var email, name, role string
	db, _, err := openForCommand(ctx, "user create", args[1:], env, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "login email of the new user (required)")
		fs.StringVar(&name, "name", "", "display name (required)")
		fs.StringVar(&role, "role", "agent", "admin, agent or collaborator")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	switch {
	case strings.TrimSpace(email) == "":
		return errors.New("--email is required")
	case strings.TrimSpace(name) == "":
		return errors.New("--name is required")
	case !domain.Role(role).Valid():
		return fmt.Errorf("--role must be admin, agent or collaborator, not %q", role)
	}
	password, err := readPassword(env)
	if err != nil {
		return err
	}
	if err := auth.ValidatePassword(password, email, name); err != nil {
		return fmt.Errorf("password: use %w", err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	u, err := db.CreateUser(ctx, store.NewUser{Email: email, Name: name, Role: domain.Role(role), PasswordHash: hash})
	if err != nil {
		return flagErr(err)
	}
	fmt.Fprintf(env.Stdout, "created %s %s <%s> (id %d)\n", u.Role, u.Name, u.Email, u.ID)
	return nil
}

// readPassword reads one line from stdin; on a terminal it prompts without
// echo and asks twice.
func readPassword(env *Env) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.Stderr, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(env.Stderr, "Repeat password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("password: the two entries differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("password: expected one line on stdin")
	}
	return line, nil
}

func cmdToken(ctx context.Context, args []string, env *Env) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New(`usage: andon token create --email E [--name N]`)
	}
	var email, name string
	db, _, err := openForCommand(ctx, "token create", args[1:], env, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email of the user the token acts as (required)")
		fs.StringVar(&name, "name", "API token", "a name to recognise the token by")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if strings.TrimSpace(email) == "" {
		return errors.New("--email is required")
	}
	u, _, err := db.UserByEmail(ctx, email)
	if domain.ErrorCode(err) == domain.ENotFound {
		return fmt.Errorf("--email: no user with email %q", email)
	}
	if err != nil {
		return err
	}
	if !u.Active {
		return fmt.Errorf("--email: %s is deactivated", u.Email)
	}
	token, err := auth.NewToken(auth.TokenPrefix)
	if err != nil {
		return err
	}
	if _, err := db.CreateAPIToken(ctx, u.ID, name, auth.HashToken(token)); err != nil {
		return flagErr(err)
	}
	fmt.Fprintln(env.Stdout, token)
	fmt.Fprintf(env.Stderr, "API token %q for %s: shown once, store it now.\n", name, u.Email)
	return nil
}
