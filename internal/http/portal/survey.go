package portal

import (
	"net/http"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/reports"
	"andon/internal/store"
	"andon/internal/web"
)

// Surveys: GET /survey/{token}?csat=5 records a score with one click from
// the email (no sign-in; the token is signed), then offers the other
// question and a comment. The portal and the chat widget link to
// SurveyURL(ticketID) (the same page without a score).

type surveyPage struct {
	Token    string
	Texts    reports.Texts
	Answers  map[string]int
	Recorded bool   // this request recorded something
	Already  bool   // a score in the link had been given before
	Done     bool   // both questions answered
	CSATs    []int  // 1..5
	CESs     []int  // 1..7
	Error    string // a field error
}

// SurveyURL is the survey page of a ticket, for the portal and the widget.
func (s *Handler) SurveyURL(ticketID int64) string { return s.surveys.PageURL(ticketID) }

func (s *Handler) surveyShow(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	return s.survey(w, r, r.URL.Query())
}

func (s *Handler) surveySubmit(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	return s.survey(w, r, r.PostForm)
}

type formValues interface{ Get(string) string }

func (s *Handler) survey(w http.ResponseWriter, r *http.Request, form formValues) error {
	ctx := r.Context()
	token := r.PathValue("token")
	ticketID, err := s.surveys.Verify(token)
	if err != nil {
		return err
	}
	texts, err := reports.LoadTexts(ctx, s.db)
	if err != nil {
		return err
	}
	p := &surveyPage{Token: token, Texts: texts, CSATs: []int{1, 2, 3, 4, 5}, CESs: []int{1, 2, 3, 4, 5, 6, 7}}
	status := http.StatusOK
	comment := strings.TrimSpace(form.Get("comment"))
	for _, kind := range []string{store.SurveyCSAT, store.SurveyCES} {
		v := form.Get(kind)
		if v == "" {
			continue
		}
		score, err := strconv.Atoi(v)
		if err != nil {
			score = -1
		}
		err = s.db.RecordSurvey(ctx, store.SurveyAnswer{TicketID: ticketID, Kind: kind, Score: score, Comment: comment})
		switch domain.ErrorCode(err) {
		case "":
			p.Recorded = true
			comment = "" // recorded with the first answer
		case domain.EConflict:
			p.Already = true
			status = http.StatusConflict
		case domain.EInvalid:
			p.Error = domain.ErrorMessage(err)
			if f := domain.ErrorFields(err); len(f) > 0 {
				for k, m := range f {
					p.Error = k + ": " + m
				}
			}
			status = http.StatusUnprocessableEntity
		default:
			return err
		}
	}
	if p.Answers, err = s.db.SurveyAnswers(ctx, ticketID); err != nil {
		return err
	}
	p.Done = len(p.Answers) == 2
	return s.portalRender(w, r, status, "survey", &web.PortalPage{Title: texts.Subject, Data: p})
}

// portalSurvey is the survey shown on a solved ticket in the portal, or nil
// when the ticket is open or both questions are answered. The form posts to
// the same signed survey page as the email link.
func (s *Handler) portalSurvey(r *http.Request, t *domain.Ticket) (*surveyPage, error) {
	if !t.Status.Resolved() {
		return nil, nil
	}
	ans, err := s.db.SurveyAnswers(r.Context(), t.ID)
	if err != nil || len(ans) >= 2 {
		return nil, err
	}
	texts, err := reports.LoadTexts(r.Context(), s.db)
	if err != nil {
		return nil, err
	}
	return &surveyPage{Token: s.surveys.Token(t.ID), Texts: texts, Answers: ans, CSATs: []int{1, 2, 3, 4, 5}, CESs: []int{1, 2, 3, 4, 5, 6, 7}}, nil
}
