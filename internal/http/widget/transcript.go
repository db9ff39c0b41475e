package widget

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"andon/internal/auth"
	"andon/internal/chat"
	"andon/internal/domain"
	"andon/internal/http/httpx"
	"andon/internal/store"
)

// Transcripts go only to a proven address (store.ChatAddressProven). Any
// other address first gets a confirmation mail: fixed text and a
// single-use link, nothing the visitor typed, so the widget cannot be used
// to send mail to strangers. Opening the link and pressing the button
// proves the address and sends the transcript; the button (a POST) keeps
// mail scanners that fetch links from confirming on their own.

type transcriptIn struct {
	Ticket int64  `json:"ticket"`
	Email  string `json:"email"`
}

// TranscriptOut is the answer of POST /widget/transcript: "queued" (sent
// to a proven address) or "confirm" (a confirmation link went out).
type TranscriptOut struct {
	Status string `json:"status"`
}

// widgetTranscript is POST /widget/transcript: email a chat to the visitor.
func (s *Handler) widgetTranscript(w http.ResponseWriter, r *http.Request) {
	CORS(w)
	out, err := s.widgetTranscriptErr(w, r)
	if err != nil {
		if domain.ErrorCode(err) == domain.ERateLimited && w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", "3600") // a daily limit of the store
		}
		httpx.WriteError(s.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusAccepted, out)
}

func (s *Handler) widgetTranscriptErr(w http.ResponseWriter, r *http.Request) (*TranscriptOut, error) {
	v, err := s.widgetVisitor(r)
	if err != nil {
		return nil, err
	}
	if ok, wait := s.chat.Take(chat.LimitTranscript, v.ID); !ok {
		return nil, httpx.TooMany(w, wait)
	}
	var in transcriptIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return nil, err
	}
	raw := strings.TrimSpace(in.Email)
	if raw == "" {
		raw = v.Email
	}
	if raw == "" {
		raw = v.ClaimedEmail
	}
	to, ok := domain.NormalizeEmail(raw)
	if !ok {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "not a valid email address", Fields: map[string]string{"email": "not a valid email address"}}
	}
	proven, err := s.db.ChatAddressProven(r.Context(), v, to)
	if err != nil {
		return nil, err
	}
	if proven {
		if err := s.db.EnqueueChatTranscript(r.Context(), v.ID, in.Ticket, to); err != nil {
			return nil, err
		}
		return &TranscriptOut{Status: "queued"}, nil
	}
	token, err := auth.NewToken("")
	if err != nil {
		return nil, err
	}
	subject, body := s.confirmMail(r, token)
	err = s.db.RequestChatEmailConfirmation(r.Context(), store.ChatEmailConfirmation{VisitorID: v.ID, TicketID: in.Ticket, Email: to,
		TokenHash: auth.HashToken(token), Subject: subject, Body: body})
	if err != nil {
		return nil, err
	}
	return &TranscriptOut{Status: "confirm"}, nil
}

// confirmMail is the confirmation mail: the installation's name (set by an
// admin) and the link; nothing from the visitor.
func (s *Handler) confirmMail(r *http.Request, token string) (subject, body string) {
	brand := s.Brand(r.Context()).Name
	link := strings.TrimRight(s.cfg.BaseURL, "/") + "/widget/confirm/" + token
	subject = "Confirm your address to receive a chat transcript"
	body = fmt.Sprintf("Someone asked %s to email the transcript of a chat to this address.\n\n"+
		"If it was you, open this link and press the button to receive it:\n\n<%s>\n\n"+
		"If it was not you, ignore this mail: nothing more is sent without your confirmation. The link works once, for 24 hours.\n",
		domain.EscapeMarkdown(brand), link)
	return subject, body
}

var confirmPage = template.Must(template.New("confirm").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>{{.Title}}</title></head>
<body><main><h1>{{.Title}}</h1><p id="message">{{.Message}}</p>
{{if .Form}}<form method="post" action=""><button type="submit" id="confirm">Send me the transcript</button></form>{{end}}
</main></body></html>`))

type confirmPageData struct {
	Title, Message string
	Form           bool
}

func (s *Handler) renderConfirm(w http.ResponseWriter, status int, d confirmPageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = confirmPage.Execute(w, d)
}

// widgetConfirmPage is GET /widget/confirm/{token}: the page the mail links
// to. Only its button confirms.
func (s *Handler) widgetConfirmPage(w http.ResponseWriter, r *http.Request) {
	s.renderConfirm(w, http.StatusOK, confirmPageData{Title: "Confirm your email address",
		Message: "Press the button to confirm this address and receive the chat transcript.", Form: true})
}

// widgetConfirm is POST /widget/confirm/{token}: the address is proven, the
// visitor's chat joins the customer's history, the transcript goes out.
func (s *Handler) widgetConfirm(w http.ResponseWriter, r *http.Request) {
	_, err := s.db.ConfirmChatEmail(r.Context(), auth.HashToken(r.PathValue("token")))
	switch domain.ErrorCode(err) {
	case "":
		s.renderConfirm(w, http.StatusOK, confirmPageData{Title: "Address confirmed",
			Message: "Thank you. The transcript is on its way to your inbox."})
	case domain.ENotFound:
		s.renderConfirm(w, http.StatusNotFound, confirmPageData{Title: "Link not valid",
			Message: "This confirmation link is invalid, expired or already used."})
	default:
		if domain.ErrorCode(err) == domain.EInternal {
			s.log.Error("chat email confirmation", "err", err)
		}
		s.renderConfirm(w, httpx.StatusOf(domain.ErrorCode(err)), confirmPageData{Title: "Could not confirm", Message: "Something went wrong. Try again later."})
	}
}
