package workspace

import (
	"andon/internal/http/httpx"
	"net/http"
	"net/url"
	"strings"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/web"
)

// An invited agent opens /invite/{token}, chooses a name and password and is
// signed in. The token in the link is the credential; only its hash is
// stored, and store.AcceptInvite makes it work once.

type inviteData struct {
	Invite *domain.Invite
	Action string
}

func (s *Handler) inviteForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	in, err := s.db.InviteByTokenHash(r.Context(), auth.HashToken(token))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := &web.Page{Title: "Join " + s.Brand(r.Context()).Name, Data: inviteData{Invite: in, Action: "/invite/" + url.PathEscape(token)},
		Form: url.Values{"name": {in.Name}}}
	// The link is a secret; the site-wide Referrer-Policy "same-origin"
	// keeps it out of requests to other sites. ("no-referrer" would make the
	// browser send "Origin: null" and fail the same-origin check.)
	if err := s.render(w, r, http.StatusOK, "admin_invite", p); err != nil {
		s.pageError(w, r, err)
	}
}

func (s *Handler) acceptInvite(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, domain.Errorf(domain.EBadRequest, "could not read the form"))
		return
	}
	if !httpx.SameOrigin(r) {
		s.pageError(w, r, domain.Errorf(domain.EForbidden, "Accept the invitation from this site's own page."))
		return
	}
	token := r.PathValue("token")
	hash := auth.HashToken(token)
	in, err := s.db.InviteByTokenHash(r.Context(), hash)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	password := r.PostFormValue("password")
	v := domain.Validation{}
	name := r.PostFormValue("name")
	if strings.TrimSpace(name) == "" {
		name = in.Name
	}
	if err := auth.ValidatePassword(password, in.Email, name); err != nil {
		v.Add("password", "Use "+err.Error()+".")
	}
	v.Check(password == r.PostFormValue("password2"), "password2", "The passwords do not match.")
	var u *domain.User
	if len(v) == 0 {
		var pwHash string
		if pwHash, err = auth.HashPassword(password); err != nil {
			s.pageError(w, r, err)
			return
		}
		u, err = s.db.AcceptInvite(r.Context(), hash, r.PostFormValue("name"), pwHash)
	} else {
		err = v.Err()
	}
	if err != nil {
		if c := domain.ErrorCode(err); c != domain.EInvalid && c != domain.EConflict {
			s.pageError(w, r, err)
			return
		}
		p := &web.Page{Title: "Join " + s.Brand(r.Context()).Name, Data: inviteData{Invite: in, Action: "/invite/" + url.PathEscape(token)},
			Errors: domain.ErrorFields(err), Form: url.Values{"name": {r.PostFormValue("name")}}}
		if len(p.Errors) == 0 {
			p.Errors = map[string]string{"_": domain.ErrorMessage(err)}
		}
		if rerr := s.render(w, r, httpx.StatusOf(domain.ErrorCode(err)), "admin_invite", p); rerr != nil {
			s.pageError(w, r, rerr)
		}
		return
	}
	s.log.Info("invitation accepted", "user", u.ID)
	if s.mustEnrol(w, r, u, "/") { // the role requires a second factor: enrol first
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	if u.IsCollaborator() {
		httpx.Redirect(w, r, "/problems", "Welcome, "+u.Name+". These are the problems you work on.")
		return
	}
	httpx.Redirect(w, r, "/", "Welcome, "+u.Name+". This is your inbox.")
}
