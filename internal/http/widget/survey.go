package widget

import (
	"andon/internal/http/httpx"
	"net/http"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/reports"
	"andon/internal/store"
)

// The survey inside the chat widget: once a chat is solved (or the visitor
// ends it) the widget asks the two questions inline. The visitor's token
// authenticates; answers go through the same store call as the email link,
// so they land on the ticket's timeline and answer each question once.

type widgetSurveyOut struct {
	Ticket       int64          `json:"ticket"`
	Due          bool           `json:"due"` // some question is still unanswered
	CSATQuestion string         `json:"csat_question"`
	CESQuestion  string         `json:"ces_question"`
	Thanks       string         `json:"thanks"`
	Answers      map[string]int `json:"answers"`
}

type widgetSurveyIn struct {
	Ticket  int64  `json:"ticket"`
	CSAT    int    `json:"csat"`
	CES     int    `json:"ces"`
	Comment string `json:"comment"`
}

// widgetSurveyTicket checks that ticketID is a chat of the visitor that has
// ended or been solved. Anything else is "not found".
func (s *Handler) widgetSurveyTicket(r *http.Request, v *domain.ChatVisitor, ticketID int64) error {
	cs, err := s.db.ChatSession(r.Context(), ticketID)
	if err != nil || cs.VisitorID != v.ID {
		return domain.NotFound("chat")
	}
	if cs.EndedAt != nil {
		return nil
	}
	t, err := s.db.Ticket(r.Context(), ticketID)
	if err != nil {
		return err
	}
	if !t.Status.Resolved() {
		return &domain.Error{Code: domain.EConflict, Message: "the chat is still open"}
	}
	return nil
}

func (s *Handler) widgetSurveyState(r *http.Request, ticketID int64) (*widgetSurveyOut, error) {
	texts, err := reports.LoadTexts(r.Context(), s.db)
	if err != nil {
		return nil, err
	}
	ans, err := s.db.SurveyAnswers(r.Context(), ticketID)
	if err != nil {
		return nil, err
	}
	return &widgetSurveyOut{Ticket: ticketID, Due: len(ans) < 2, CSATQuestion: texts.CSATQuestion, CESQuestion: texts.CESQuestion,
		Thanks: texts.Thanks, Answers: ans}, nil
}

// widgetSurvey is GET /widget/survey?ticket=N: the questions and what is
// already answered.
func (s *Handler) widgetSurvey(w http.ResponseWriter, r *http.Request) {
	CORS(w)
	out, err := func() (*widgetSurveyOut, error) {
		v, err := s.widgetVisitor(r)
		if err != nil {
			return nil, err
		}
		id, _ := strconv.ParseInt(r.URL.Query().Get("ticket"), 10, 64)
		if err := s.widgetSurveyTicket(r, v, id); err != nil {
			return nil, err
		}
		return s.widgetSurveyState(r, id)
	}()
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// widgetSurveyAnswer is POST /widget/survey: record one or both scores.
func (s *Handler) widgetSurveyAnswer(w http.ResponseWriter, r *http.Request) {
	CORS(w)
	out, err := func() (*widgetSurveyOut, error) {
		v, err := s.widgetVisitor(r)
		if err != nil {
			return nil, err
		}
		var in widgetSurveyIn
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			return nil, err
		}
		if err := s.widgetSurveyTicket(r, v, in.Ticket); err != nil {
			return nil, err
		}
		if in.CSAT == 0 && in.CES == 0 {
			return nil, &domain.Error{Code: domain.EInvalid, Message: "choose a score", Fields: map[string]string{"csat": "required"}}
		}
		comment := strings.TrimSpace(in.Comment)
		answered := 0
		for _, a := range []store.SurveyAnswer{{Kind: store.SurveyCSAT, Score: in.CSAT}, {Kind: store.SurveyCES, Score: in.CES}} {
			if a.Score == 0 {
				continue
			}
			a.TicketID, a.Comment = in.Ticket, comment
			err := s.db.RecordSurvey(r.Context(), a)
			if domain.ErrorCode(err) == domain.EConflict {
				continue // answered before: the first answer stands
			}
			if err != nil {
				return nil, err
			}
			answered++
			comment = "" // stored with the first answer
		}
		if answered == 0 {
			return nil, domain.Errorf(domain.EConflict, "this survey was already answered")
		}
		return s.widgetSurveyState(r, in.Ticket)
	}()
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
