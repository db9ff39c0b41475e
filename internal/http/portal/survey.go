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

// Surveys: the email offers one link per score, GET /survey/{token}?csat=5.
// A GET never records anything (mail scanners and link previews follow
// links): it shows the questions with the score of the link chosen, and the
// customer's POST of the form records the answers. The portal and the chat
// widget link to SurveyURL(ticketID) (the same page without a score).

type surveyPage struct {
	Token    string
	Texts    reports.Texts
	Answers  map[string]int
	Chosen   map[string]int // scores preselected from the link (GET)
	Recorded bool           // this request recorded something
	Already  bool           // a score in the form had been given before
	Done     bool           // both questions answered
	CSATs    []int          // 1..5
	CESs     []int          // 1..7
	Error    string         // a field error
}

// SurveyURL is the survey page of a ticket, for the portal and the widget.
func (s *Handler) SurveyURL(ticketID int64) string { return s.surveys.PageURL(ticketID) }

func (s *Handler) surveyShow(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	return s.survey(w, r, r.URL.Query(), false)
}

func (s *Handler) surveySubmit(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	return s.survey(w, r, r.PostForm, true)
}

type formValues interface{ Get(string) string }

// survey shows the survey page; record (POST) stores the scores of form,
// otherwise they only preselect the choices.
func (s *Handler) survey(w http.ResponseWriter, r *http.Request, form formValues, record bool) error {
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
	p := &surveyPage{Token: token, Texts: texts, Chosen: map[string]int{}, CSATs: []int{1, 2, 3, 4, 5}, CESs: []int{1, 2, 3, 4, 5, 6, 7}}
	if !record {
		for _, kind := range []string{store.SurveyCSAT, store.SurveyCES} {
			if n, err := strconv.Atoi(form.Get(kind)); err == nil {
				p.Chosen[kind] = n
			}
		}
		if p.Answers, err = s.db.SurveyAnswers(ctx, ticketID); err != nil {
			return err
		}
		p.Done = len(p.Answers) == 2
		return s.portalRender(w, r, http.StatusOK, "survey", &web.PortalPage{Title: texts.Subject, Data: p})
	}
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
