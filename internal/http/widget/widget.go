package widget

import (
	"andon/internal/http/httpx"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"andon/internal/auth"
	"andon/internal/chat"
	"andon/internal/domain"
)

// Live chat, public side: the embeddable widget, its config, visitor
// registration, the visitor socket, uploads and transcripts. Visitors are
// anonymous: a visitor id plus a secret token (kept in the browser's
// localStorage) authenticates every call; no cookies, so CORS may be "*".

// Upload limits: images and a few document types, 5 MB.
var chatUploadTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "text/plain": true, "text/csv": true,
}

// CORS lets pages on any site call the widget endpoints.
func CORS(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type, X-Visitor-Id, X-Visitor-Token")
	h.Set("Access-Control-Max-Age", "600")
}

// widgetPreflight answers CORS preflights for /widget/*.
func (s *Handler) widgetPreflight(w http.ResponseWriter, r *http.Request) {
	CORS(w)
	w.WriteHeader(http.StatusNoContent)
}

// widgetJS serves the widget script.
func (s *Handler) widgetJS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(chat.WidgetJS)
}

// WidgetConfigOut is GET /widget/config: branding and whether anyone answers.
type WidgetConfigOut struct {
	Name    string `json:"name"`
	LogoURL string `json:"logo_url"`
	Color   string `json:"color"`
	Online  bool   `json:"online"`
	Team    *int64 `json:"team"`
}

func (s *Handler) widgetConfig(w http.ResponseWriter, r *http.Request) {
	CORS(w)
	b := s.Brand(r.Context())
	team := s.widgetTeam(r.Context(), r.URL.Query().Get("team"))
	logo := b.LogoURL
	if strings.HasPrefix(logo, "/") {
		logo = strings.TrimRight(s.cfg.BaseURL, "/") + logo
	}
	httpx.WriteJSON(w, http.StatusOK, WidgetConfigOut{Name: b.Name, LogoURL: logo, Color: b.Color, Online: s.chat.Online(r.Context(), team), Team: team})
}

// widgetTeam resolves data-team (an id or a name); unknown means any team.
func (s *Handler) widgetTeam(ctx context.Context, ref string) *int64 {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 100 {
		return nil
	}
	id, err := s.db.TeamByRef(ctx, ref)
	if err != nil {
		return nil
	}
	return id
}

type newVisitorIn struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Team  string `json:"team"`
}

type NewVisitorOut struct {
	Visitor string `json:"visitor"`
	Token   string `json:"token"`
	Name    string `json:"name"`
}

// widgetNewVisitor is POST /widget/visitors: a browser starts chatting. An
// email is kept as an unverified claim (store.CreateChatVisitor), so the
// answer reveals nothing about who is a customer.
func (s *Handler) widgetNewVisitor(w http.ResponseWriter, r *http.Request) {
	CORS(w)
	if err := s.widgetNewVisitorErr(w, r); err != nil {
		httpx.WriteError(s.log, w, r, err)
	}
}

func (s *Handler) widgetNewVisitorErr(w http.ResponseWriter, r *http.Request) error {
	var in newVisitorIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	v := domain.Validation{}
	in.Name = strings.TrimSpace(in.Name)
	v.Check(len([]rune(in.Name)) <= 100, "name", "at most 100 characters")
	email := ""
	if strings.TrimSpace(in.Email) != "" {
		e, ok := domain.NormalizeEmail(in.Email)
		v.Check(ok, "email", "not a valid email address")
		email = e
	}
	if err := v.Err(); err != nil {
		return err
	}
	id, err := auth.NewToken("v_")
	if err != nil {
		return err
	}
	token, err := auth.NewToken("")
	if err != nil {
		return err
	}
	id = id[:26]
	vis, err := s.db.CreateChatVisitor(r.Context(), id, auth.HashToken(token), in.Name, email, s.widgetTeam(r.Context(), in.Team))
	if err != nil {
		return err
	}
	// The name is the one sent, never a stored one: the answer is the same
	// whoever owns the address.
	httpx.WriteJSON(w, http.StatusCreated, NewVisitorOut{Visitor: vis.ID, Token: token, Name: in.Name})
	return nil
}

// widgetSocket is GET /widget/ws: the visitor's live connection. The first
// frame authenticates (tokens stay out of URLs and logs).
func (s *Handler) widgetSocket(w http.ResponseWriter, r *http.Request) {
	// The socket outlives the server's read and write timeouts: lift them
	// on this connection before it is taken over (chat pings it instead).
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	// Any site may embed the widget; no cookie is involved, so the origin
	// check guards nothing here.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	// Detached from the request context's server deadline, but ends with it.
	s.chat.Serve(chat.WithClientAddr(r.Context(), httpx.ClientIP(r)), ws)
}

// widgetVisitor authenticates a plain HTTP call by its visitor headers.
func (s *Handler) widgetVisitor(r *http.Request) (*domain.ChatVisitor, error) {
	return s.chat.Authenticate(r.Context(), r.Header.Get("X-Visitor-Id"), r.Header.Get("X-Visitor-Token"))
}

// widgetUpload is POST /widget/upload: one file, sent as a chat message.
func (s *Handler) widgetUpload(w http.ResponseWriter, r *http.Request) {
	CORS(w)
	if err := s.widgetUploadErr(w, r); err != nil {
		httpx.WriteError(s.log, w, r, err)
	}
}

func (s *Handler) widgetUploadErr(w http.ResponseWriter, r *http.Request) error {
	v, err := s.widgetVisitor(r)
	if err != nil {
		return err
	}
	if ok, wait := s.chat.Take(chat.LimitUpload, v.ID); !ok {
		return httpx.TooMany(w, wait)
	}
	r.Body = http.MaxBytesReader(w, r.Body, domain.ChatUploadMax+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &domain.Error{Code: domain.EInvalid, Message: "file is larger than 5 MB", Fields: map[string]string{"file": "at most 5 MB"}}
		}
		return &domain.Error{Code: domain.EBadRequest, Message: "expected a multipart form with a file"}
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	files, err := httpx.FormFiles(r, "file")
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return &domain.Error{Code: domain.EInvalid, Message: "send one file", Fields: map[string]string{"file": "required"}}
	}
	f := files[0]
	f.Normalize("file", domain.Validation{})
	if len(f.Data) > domain.ChatUploadMax {
		return &domain.Error{Code: domain.EInvalid, Message: "file is larger than 5 MB", Fields: map[string]string{"file": "at most 5 MB"}}
	}
	if !chatUploadTypes[f.ContentType] {
		return &domain.Error{Code: domain.EInvalid, Message: "images, PDF and text files only", Fields: map[string]string{"file": "type not allowed"}}
	}
	posted, err := s.chat.Post(r.Context(), v, domain.NewChatMessage{ClientID: r.FormValue("cid"),
		Body: r.FormValue("body"), Files: []domain.NewAttachment{f}})
	if err != nil {
		return err
	}
	m, err := s.db.ChatMessage(r.Context(), v.ID, posted.Message.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, m)
	return nil
}

// widgetFile is GET /widget/files/{id}: a file of the visitor's own chat,
// always as a download with a safe type.
func (s *Handler) widgetFile(w http.ResponseWriter, r *http.Request) {
	CORS(w)
	v, err := s.widgetVisitor(r)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		httpx.WriteError(s.log, w, r, domain.NotFound("attachment"))
		return
	}
	a, data, err := s.db.ChatAttachment(r.Context(), v.ID, id)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	httpx.ServeAttachment(w, a, data)
}
