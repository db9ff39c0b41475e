package reports

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"andon/internal/domain"
	"andon/internal/mail"
	"andon/internal/store"
)

// SurveyTTL is how long a survey link works.
const SurveyTTL = 60 * 24 * time.Hour

// Surveys signs survey links and offers surveys on solved tickets.
type Surveys struct {
	db      *store.DB
	key     []byte
	baseURL string
}

// NewSurveys derives the link-signing key from the server secret
// (ANDON_SECRET_KEY, or the key file internal/mail keeps in dataDir). With
// neither (tests), links are signed with a random key for this process.
func NewSurveys(db *store.DB, secret, dataDir, baseURL string) (*Surveys, error) {
	if secret == "" && dataDir == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		secret = base64.RawURLEncoding.EncodeToString(b)
	}
	if secret == "" {
		if _, err := mail.NewBox("", dataDir); err != nil { // creates the key file when missing
			return nil, err
		}
		b, err := os.ReadFile(filepath.Join(dataDir, "secret.key"))
		if err != nil {
			return nil, fmt.Errorf("survey key: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("andon survey links v1"))
	return &Surveys{db: db, key: m.Sum(nil), baseURL: strings.TrimRight(baseURL, "/")}, nil
}

func (s *Surveys) sign(payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// Token is the signed survey token of a ticket, issued now.
func (s *Surveys) Token(ticketID int64) string {
	p := strconv.FormatInt(ticketID, 10) + "." + strconv.FormatInt(s.db.Now().Unix(), 10)
	return p + "." + s.sign(p)
}

// Verify returns the ticket of a token, refusing forged, altered or expired ones.
func (s *Surveys) Verify(token string) (int64, error) {
	bad := domain.Errorf(domain.EForbidden, "This survey link is not valid.")
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return 0, bad
	}
	if !hmac.Equal([]byte(s.sign(parts[0]+"."+parts[1])), []byte(parts[2])) {
		return 0, bad
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	issued, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, bad
	}
	if s.db.Now().Sub(time.Unix(issued, 0)) > SurveyTTL {
		return 0, domain.Errorf(domain.EForbidden, "This survey link has expired.")
	}
	return id, nil
}

// URL is the one-click link recording score for kind ("csat" or "ces").
func (s *Surveys) URL(ticketID int64, kind string, score int) string {
	return fmt.Sprintf("%s/survey/%s?%s=%d", s.baseURL, s.Token(ticketID), kind, score)
}

// PageURL is the survey page of a ticket without a score, for the portal
// and the chat widget to link or embed.
func (s *Surveys) PageURL(ticketID int64) string {
	return fmt.Sprintf("%s/survey/%s", s.baseURL, s.Token(ticketID))
}

// Texts are the admin-editable survey texts (settings survey.*).
type Texts struct {
	Subject, Intro, CSATQuestion, CESQuestion, Thanks string
}

// DefaultTexts are used for settings that are not set.
var DefaultTexts = Texts{
	Subject:      "How did we do?",
	Intro:        "Your request has been solved. Two quick questions: pick a score, then send.",
	CSATQuestion: "How satisfied are you with the help you received?",
	CESQuestion:  "How easy was it to get your problem solved?",
	Thanks:       "Thank you, your answer has been recorded.",
}

// LoadTexts reads the survey texts from settings.
func LoadTexts(ctx context.Context, db *store.DB) (Texts, error) {
	kv, err := db.Settings(ctx, "survey.")
	if err != nil {
		return DefaultTexts, err
	}
	t := DefaultTexts
	for k, dst := range map[string]*string{"survey.subject": &t.Subject, "survey.intro": &t.Intro,
		"survey.csat_question": &t.CSATQuestion, "survey.ces_question": &t.CESQuestion, "survey.thanks": &t.Thanks} {
		if v := strings.TrimSpace(kv[k]); v != "" {
			*dst = v
		}
	}
	return t, nil
}

// EmailBody is the Markdown survey email: one link per score.
func (s *Surveys) EmailBody(t Texts, ticketID int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n**%s**\n\n", t.Intro, t.CSATQuestion)
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, "[%d](%s) ", i, s.URL(ticketID, store.SurveyCSAT, i))
	}
	fmt.Fprintf(&b, " (1 = very unsatisfied, 5 = very satisfied)\n\n**%s**\n\n", t.CESQuestion)
	for i := 1; i <= 7; i++ {
		fmt.Fprintf(&b, "[%d](%s) ", i, s.URL(ticketID, store.SurveyCES, i))
	}
	b.WriteString(" (1 = very hard, 7 = very easy)\n")
	return b.String()
}

// OfferDue emails the survey of every ticket solved in the last week that
// has not been offered one. It returns how many were offered.
func (s *Surveys) OfferDue(ctx context.Context) (int, error) {
	cands, err := s.db.SurveyCandidates(ctx, s.db.Now().Add(-7*24*time.Hour), 200)
	if err != nil {
		return 0, err
	}
	t, err := LoadTexts(ctx, s.db)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cands {
		subject := fmt.Sprintf("%s [#%d]", t.Subject, c.TicketID)
		if _, err := s.db.OfferSurvey(ctx, c.TicketID, subject, func(id int64) string { return s.EmailBody(t, id) }); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Run offers due surveys every interval until ctx ends.
func (s *Surveys) Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if n, err := s.OfferDue(ctx); err != nil && ctx.Err() == nil {
			log.Error("survey offers", "err", err)
		} else if n > 0 {
			log.Info("surveys offered", "tickets", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
