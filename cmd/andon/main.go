// Command andon is the whole Andon helpdesk in one binary.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"andon/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A version given with -ldflags wins; otherwise say what was built.
	app.Version = app.BuildVersion(app.Version)
	if err := app.Run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "andon:", err)
		os.Exit(1)
	}
}
