package httpx

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/store"
)

// ctxKey keys request-scoped values.
type ctxKey int

const (
	ctxUser ctxKey = iota
	ctxSession
	ctxStart
)

// WithStart returns ctx carrying the time the request arrived.
func WithStart(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, ctxStart, t)
}

// StartFrom returns the time the request arrived (zero if not recorded).
// A page rendered from data read after it is at least that fresh.
func StartFrom(ctx context.Context) time.Time {
	t, _ := ctx.Value(ctxStart).(time.Time)
	return t
}

// WithUser returns ctx carrying the signed-in user and, for browser
// requests, their session.
func WithUser(ctx context.Context, u *domain.User, sess *domain.Session) context.Context {
	ctx = context.WithValue(ctx, ctxUser, u)
	if sess != nil {
		ctx = context.WithValue(ctx, ctxSession, sess)
	}
	return ctx
}

// UserFrom returns the signed-in user of the request, or nil.
func UserFrom(ctx context.Context) *domain.User {
	u, _ := ctx.Value(ctxUser).(*domain.User)
	return u
}

// SessionFrom returns the browser session of the request, or nil.
func SessionFrom(ctx context.Context) *domain.Session {
	s, _ := ctx.Value(ctxSession).(*domain.Session)
	return s
}

// Actor is the domain actor for the signed-in user.
func Actor(u *domain.User) domain.Actor {
	if u == nil {
		return domain.System
	}
	return domain.Actor{UserID: u.ID, Name: u.Name}
}

// SessionCookie names the agent session cookie.
const SessionCookie = "andon_session"

// SessionUser resolves the session cookie of r.
func SessionUser(db *store.DB, r *http.Request) (*domain.Session, *domain.User, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil, domain.Errorf(domain.EUnauthorized, "not signed in")
	}
	return db.SessionUser(r.Context(), auth.HashToken(c.Value))
}

// AuthenticateAPI resolves a bearer token, or the browser session plus the
// CSRF header (the workspace's own scripts).
func AuthenticateAPI(db *store.DB, r *http.Request) (*domain.Session, *domain.User, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return nil, nil, domain.Errorf(domain.EUnauthorized, "use Authorization: Bearer <token>")
		}
		u, _, err := db.UserByTokenHash(r.Context(), auth.HashToken(strings.TrimSpace(token)))
		return nil, u, err
	}
	sess, u, err := SessionUser(db, r)
	if err != nil {
		return nil, nil, domain.Errorf(domain.EUnauthorized, "missing API token")
	}
	if !SafeMethod(r.Method) && !auth.Equal(r.Header.Get("X-CSRF-Token"), sess.CSRF) {
		return nil, nil, domain.Errorf(domain.EForbidden, "missing or wrong CSRF token")
	}
	return sess, u, nil
}

// SafeMethod reports whether m cannot change state.
func SafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// PathID reads a numeric id from the path; anything else is "not found",
// because no such resource can exist.
func PathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.NotFound(what)
	}
	return id, nil
}

// MaxUploadBody bounds form posts with attachments (workspace and portal).
const MaxUploadBody = domain.MaxAttachmentTotal + 1<<20

// ParseForm reads a form post, multipart or not, naming what went wrong.
func ParseForm(r *http.Request) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		if strings.Contains(err.Error(), "too large") {
			return domain.Errorf(domain.ETooLarge, "The files are too large: at most 10 MB each and 20 MB in all.")
		}
		return domain.Errorf(domain.EBadRequest, "Could not read the form.")
	}
	return nil
}

// FormFiles reads the uploaded files of a multipart form field.
func FormFiles(r *http.Request, field string) ([]domain.NewAttachment, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []domain.NewAttachment
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size == 0 && fh.Filename == "" {
			continue // an empty file input
		}
		if len(out) >= domain.MaxAttachments {
			return nil, &domain.Error{Code: domain.EInvalid, Message: "too many files", Fields: map[string]string{field: "at most 5 files"}}
		}
		if fh.Size > domain.MaxAttachmentSize {
			return nil, &domain.Error{Code: domain.EInvalid, Message: "file too large", Fields: map[string]string{field: fh.Filename + " is larger than 10 MB"}}
		}
		data, err := readPart(fh)
		if err != nil {
			return nil, err
		}
		out = append(out, domain.NewAttachment{Filename: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
	}
	return out, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, domain.MaxAttachmentSize+1))
}
