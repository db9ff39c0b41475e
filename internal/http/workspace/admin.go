package workspace

import (
	"andon/internal/http/httpx"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/web"
)

// Admin settings: agents and invitations, teams, API tokens. Branding lives
// in web_branding.go. Every handler here is wrapped in pageAdmin.

// agentsData is what admin_agents.html shows.
type agentsData struct {
	Section    string
	Agents     []*domain.User
	Invites    []*domain.Invite
	InviteLink string // shown once, right after an invitation is made
	Roles      []domain.Role
	Now        int64
}

func (s *Handler) agentsPage(w http.ResponseWriter, r *http.Request, status int, p *web.Page) error {
	ctx := r.Context()
	users, err := s.db.Users(ctx)
	if err != nil {
		return err
	}
	invites, err := s.db.PendingInvites(ctx)
	if err != nil {
		return err
	}
	d := agentsData{Section: "agents", Agents: users, Invites: invites, Roles: []domain.Role{domain.RoleAgent, domain.RoleAdmin, domain.RoleCollaborator},
		Now: s.db.Now().UnixMilli()}
	if tok := takeOnce(w, r, "invite"); tok != "" {
		d.InviteLink = s.cfg.BaseURL + "/invite/" + tok
	}
	p.Title, p.Nav, p.Data = "Agents", "settings", d
	return s.render(w, r, status, "admin_agents", p)
}

func (s *Handler) settingsAgents(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	return s.agentsPage(w, r, http.StatusOK, &web.Page{})
}

// inviteAgent makes a single-use invitation link and shows it once.
func (s *Handler) inviteAgent(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	token, err := auth.NewToken("inv_")
	if err != nil {
		return err
	}
	_, err = s.db.CreateInvite(r.Context(), store.NewInvite{
		Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: domain.Role(r.PostFormValue("role")),
		InvitedBy: u.ID, TokenHash: auth.HashToken(token),
	})
	if err != nil {
		return s.formError(w, r, err, func(p *web.Page, status int) error { return s.agentsPage(w, r, status, p) })
	}
	s.log.Info("agent invited", "by", u.ID)
	showOnce(w, r, "invite", token, s.cfg.SecureCookies())
	httpx.Redirect(w, r, "/settings/agents#invite-link", "Invitation created. Copy the link below and send it to "+strings.TrimSpace(r.PostFormValue("name"))+".")
	return nil
}

func (s *Handler) revokeInvite(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "invitation")
	if err != nil {
		return err
	}
	if err := s.db.DeleteInvite(r.Context(), id); err != nil {
		return err
	}
	httpx.Redirect(w, r, "/settings/agents", "Invitation revoked; its link no longer works.")
	return nil
}

// setAgentActive deactivates or reactivates an account. Deactivating ends the
// agent's sessions at once (store.SetUserActive). Admins cannot lock
// themselves out.
func (s *Handler) setAgentActive(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "agent")
	if err != nil {
		return err
	}
	active := r.PostFormValue("active") == "true"
	if id == u.ID && !active {
		return domain.Errorf(domain.EUnprocessabl, "You cannot deactivate your own account.")
	}
	target, err := s.db.User(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.db.SetUserActive(r.Context(), id, active); err != nil {
		return err
	}
	msg := target.Name + " is deactivated and signed out everywhere."
	if active {
		msg = target.Name + " is active again and can sign in."
	}
	s.log.Info("agent active changed", "by", u.ID, "user", id, "active", active)
	httpx.Redirect(w, r, "/settings/agents", msg)
	return nil
}

func (s *Handler) setAgentRole(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "agent")
	if err != nil {
		return err
	}
	role := domain.Role(r.PostFormValue("role"))
	if id == u.ID && role != u.Role {
		return domain.Errorf(domain.EUnprocessabl, "You cannot change your own role; ask another admin.")
	}
	target, err := s.db.User(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.db.UpdateUser(r.Context(), id, target.Name, role); err != nil {
		return err
	}
	httpx.Redirect(w, r, "/settings/agents", target.Name+" is now "+roleLabel(role)+".")
	return nil
}

func roleLabel(r domain.Role) string {
	switch r {
	case domain.RoleAdmin:
		return "an admin"
	case domain.RoleCollaborator:
		return "a collaborator"
	}
	return "an agent"
}

// teamsData is what admin_teams.html shows.
type teamsData struct {
	Section string
	Teams   []teamRow
	Agents  []*domain.User
}

type teamRow struct {
	Team    *domain.Team
	Members map[int64]bool
	Names   []string
}

func (s *Handler) teamsPage(w http.ResponseWriter, r *http.Request, status int, p *web.Page) error {
	ctx := r.Context()
	teams, err := s.db.Teams(ctx)
	if err != nil {
		return err
	}
	members, err := s.db.TeamMembers(ctx)
	if err != nil {
		return err
	}
	users, err := s.db.Users(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, a := range users {
		names[a.ID] = a.Name
	}
	d := teamsData{Section: "teams", Agents: users}
	for _, t := range teams {
		row := teamRow{Team: t, Members: map[int64]bool{}}
		for _, id := range members[t.ID] {
			row.Members[id] = true
			row.Names = append(row.Names, names[id])
		}
		d.Teams = append(d.Teams, row)
	}
	p.Title, p.Nav, p.Data = "Teams", "settings", d
	return s.render(w, r, status, "admin_teams", p)
}

func (s *Handler) settingsTeams(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	return s.teamsPage(w, r, http.StatusOK, &web.Page{})
}

func (s *Handler) createTeam(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	t, err := s.db.CreateTeam(r.Context(), r.PostFormValue("name"))
	if err != nil {
		return s.formError(w, r, err, func(p *web.Page, status int) error { return s.teamsPage(w, r, status, p) })
	}
	httpx.Redirect(w, r, "/settings/teams#team-"+strconv.FormatInt(t.ID, 10), "Team "+t.Name+" created. Now choose its members.")
	return nil
}

func (s *Handler) setTeamMembers(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "team")
	if err != nil {
		return err
	}
	var ids []int64
	for _, v := range r.PostForm["member"] {
		uid, err := strconv.ParseInt(v, 10, 64)
		if err != nil || uid <= 0 {
			return domain.Errorf(domain.EBadRequest, "invalid member")
		}
		ids = append(ids, uid)
	}
	if err := s.db.SetTeamMembers(r.Context(), id, ids); err != nil {
		return err
	}
	httpx.Redirect(w, r, "/settings/teams#team-"+strconv.FormatInt(id, 10), "Team members saved.")
	return nil
}

// tokensData is what admin_tokens.html shows.
type tokensData struct {
	Section string
	Tokens  []*domain.APIToken
	Owners  map[int64]*domain.User
	Agents  []*domain.User
	Token   string // the new secret, shown once
}

func (s *Handler) tokensPage(w http.ResponseWriter, r *http.Request, status int, p *web.Page) error {
	ctx := r.Context()
	tokens, err := s.db.APITokens(ctx, 0)
	if err != nil {
		return err
	}
	users, err := s.db.Users(ctx)
	if err != nil {
		return err
	}
	d := tokensData{Section: "tokens", Tokens: tokens, Owners: map[int64]*domain.User{}, Token: takeOnce(w, r, "token")}
	for _, a := range users {
		d.Owners[a.ID] = a
		if a.Active {
			d.Agents = append(d.Agents, a)
		}
	}
	if p.Form == nil {
		p.Form = url.Values{"user_id": {strconv.FormatInt(httpx.UserFrom(ctx).ID, 10)}}
	}
	p.Title, p.Nav, p.Data = "API tokens", "settings", d
	return s.render(w, r, status, "admin_tokens", p)
}

func (s *Handler) settingsTokens(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	return s.tokensPage(w, r, http.StatusOK, &web.Page{})
}

// createToken makes an API token acting as the chosen agent; the secret is
// shown once and only its hash is kept.
func (s *Handler) createToken(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	retry := func(p *web.Page, status int) error { return s.tokensPage(w, r, status, p) }
	owner, err := strconv.ParseInt(r.PostFormValue("user_id"), 10, 64)
	if err != nil || owner <= 0 {
		return s.formError(w, r, &domain.Error{Code: domain.EInvalid, Message: "choose an agent", Fields: map[string]string{"user_id": "Choose who the token acts as."}}, retry)
	}
	if a, err := s.db.User(r.Context(), owner); err != nil || !a.Active {
		return s.formError(w, r, &domain.Error{Code: domain.EInvalid, Message: "choose an active agent", Fields: map[string]string{"user_id": "Choose an active agent."}}, retry)
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" {
		return s.formError(w, r, &domain.Error{Code: domain.EInvalid, Message: "name required", Fields: map[string]string{"name": "Name the token after what uses it, e.g. \"CRM sync\"."}}, retry)
	}
	token, err := auth.NewToken(auth.TokenPrefix)
	if err != nil {
		return err
	}
	if _, err := s.db.CreateAPIToken(r.Context(), owner, name, auth.HashToken(token)); err != nil {
		return s.formError(w, r, err, retry)
	}
	s.log.Info("api token created", "by", u.ID, "owner", owner)
	showOnce(w, r, "token", token, s.cfg.SecureCookies())
	httpx.Redirect(w, r, "/settings/tokens#new-token", "Token created. Copy it now: it will not be shown again.")
	return nil
}

func (s *Handler) revokeToken(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "token")
	if err != nil {
		return err
	}
	if err := s.db.DeleteAPIToken(r.Context(), id); err != nil {
		return err
	}
	s.log.Info("api token revoked", "by", u.ID, "token", id)
	httpx.Redirect(w, r, "/settings/tokens", "Token revoked. Requests using it are refused from now on.")
	return nil
}

// formError re-renders a form with its field errors via page (status 422 or
// 409), or returns err unchanged when it is not about the input.
func (s *Handler) formError(w http.ResponseWriter, r *http.Request, err error, page func(p *web.Page, status int) error) error {
	code := domain.ErrorCode(err)
	if code != domain.EInvalid && code != domain.EConflict {
		return err
	}
	p := &web.Page{Errors: domain.ErrorFields(err), Form: r.PostForm}
	if len(p.Errors) == 0 {
		p.Errors = map[string]string{"_": domain.ErrorMessage(err)}
	}
	return page(p, httpx.StatusOf(code))
}

// onceCookie carries a new secret (invite link, API token) across the
// redirect after the form post, so it is shown exactly once and a reload
// does not repeat the action. It lives two minutes and only under /settings.
const onceCookie = "andon_once"

func showOnce(w http.ResponseWriter, r *http.Request, kind, secret string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: onceCookie, Value: kind + ":" + secret, Path: "/settings", MaxAge: 120,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
}

// takeOnce returns the secret of the given kind and deletes the cookie.
func takeOnce(w http.ResponseWriter, r *http.Request, kind string) string {
	c, err := r.Cookie(onceCookie)
	if err != nil {
		return ""
	}
	k, secret, ok := strings.Cut(c.Value, ":")
	if !ok || k != kind {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: onceCookie, Value: "", Path: "/settings", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return secret
}
