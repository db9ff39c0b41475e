package api

import (
	"andon/internal/http/httpx"
	"net/http"
	"strings"

	"andon/internal/domain"
	"andon/internal/store"
)

// REST API v1 for the knowledge base (agents), the public article
// suggestions (portal form and chat widget), and calls reported by a
// telephony system.

type ArticleList struct {
	Articles []*domain.Article `json:"articles"`
}

type ArticleHits struct {
	Hits []domain.ArticleHit `json:"hits"`
}

// apiListArticles lists articles, or searches them (drafts included) with
// ?q=, for the workspace composer's "insert article link" picker.
func (s *Handler) apiListArticles(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	q, err := queryValues(r, "q", "status", "category", "limit")
	if err != nil {
		return err
	}
	v := domain.Validation{}
	limit := queryLimit(q, v)
	f := domain.ArticleFilter{Status: domain.ArticleStatus(q.Get("status")), Limit: limit}
	if f.Status != "" && !f.Status.Valid() {
		v.Add("status", "must be draft or published")
	}
	if c := q.Get("category"); c != "" {
		id, perr := parsePositive(c)
		if perr != nil {
			v.Add("category", "must be a category id")
		}
		f.CategoryID = id
	}
	if err := v.Err(); err != nil {
		return err
	}
	if text := strings.TrimSpace(q.Get("q")); text != "" {
		hits, err := s.db.SearchArticles(r.Context(), text, f.Status == domain.ArticlePublished, limit)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, ArticleHits{Hits: hits})
		return nil
	}
	arts, err := s.db.Articles(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, ArticleList{Articles: arts})
	return nil
}

type articleIn struct {
	Title      *string               `json:"title"`
	Slug       *string               `json:"slug"`
	CategoryID optional[int64]       `json:"category_id"`
	Tags       *[]string             `json:"tags"`
	Body       *string               `json:"body"`
	Status     *domain.ArticleStatus `json:"status"`
}

func (in articleIn) input() domain.ArticleInput {
	out := domain.ArticleInput{Title: in.Title, Slug: in.Slug, Tags: in.Tags, Body: in.Body, Status: in.Status}
	if in.CategoryID.Set {
		if in.CategoryID.Null || in.CategoryID.Value == 0 {
			out.ClearCategory = true
		} else {
			id := in.CategoryID.Value
			out.CategoryID = &id
		}
	}
	return out
}

func (s *Handler) apiCreateArticle(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	var in articleIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	a, err := s.db.CreateArticle(r.Context(), store.NewArticle{ArticleInput: in.input(), AuthorID: u.ID})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Handler) apiGetArticle(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "article")
	if err != nil {
		return err
	}
	a, err := s.db.Article(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (s *Handler) apiPatchArticle(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "article")
	if err != nil {
		return err
	}
	var in articleIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	a, err := s.db.UpdateArticle(r.Context(), id, in.input(), u.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}

type RevisionList struct {
	Revisions []domain.ArticleRevision `json:"revisions"`
}

func (s *Handler) apiArticleRevisions(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "article")
	if err != nil {
		return err
	}
	revs, err := s.db.ArticleRevisions(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, RevisionList{Revisions: revs})
	return nil
}

type CategoryList struct {
	Categories []*domain.Category `json:"categories"`
}

func (s *Handler) apiListCategories(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	cs, err := s.db.Categories(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, CategoryList{Categories: cs})
	return nil
}

type categoryIn struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Position    int    `json:"position"`
}

func (s *Handler) apiCreateCategory(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	var in categoryIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.db.CreateCategory(r.Context(), in.Name, in.Description, in.Position)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
	return nil
}

// Suggestion is the public form of a matching article.
type Suggestion struct {
	ID      int64  `json:"id"`
	Title   string `json:"title"`
	URL     string `json:"url"`
	Snippet string `json:"snippet_html"`
}

type Suggestions struct {
	Articles []Suggestion `json:"articles"`
}

// apiSuggestArticles is public: the portal's ticket form and the chat
// widget call it while the customer types. Published articles only,
// rate-limited per address.
func (s *Handler) apiSuggestArticles(w http.ResponseWriter, r *http.Request) {
	if !s.suggest.Allow(httpx.ClientIP(r)) {
		w.Header().Set("Retry-After", "2")
		httpx.WriteError(s.log, w, r, domain.Errorf(domain.ERateLimited, "too many requests, slow down"))
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	out := Suggestions{Articles: []Suggestion{}}
	if len(q) > 300 {
		q = q[:300]
	}
	if httpx.KBHasWords(q) {
		hits, err := s.db.SearchArticles(r.Context(), q, true, 5)
		if err != nil {
			httpx.WriteError(s.log, w, r, err)
			return
		}
		for _, h := range hits {
			out.Articles = append(out.Articles, Suggestion{ID: h.Article.ID, Title: h.Article.Title, URL: h.Article.URL(), Snippet: h.Snippet})
		}
		if err := s.db.LogSearch(r.Context(), q, len(hits), domain.SearchSuggest); err != nil {
			s.log.Warn("log kb search", "err", err)
		}
	}
	w.Header().Set("Access-Control-Allow-Origin", "*") // public data, for the embeddable widget
	httpx.WriteJSON(w, http.StatusOK, out)
}

type callReportIn struct {
	From         string           `json:"from"`
	To           string           `json:"to"`
	Direction    domain.Direction `json:"direction"`
	Duration     int              `json:"duration"`
	RecordingURL string           `json:"recording_url"`
	Notes        string           `json:"notes"`
}

type CallReportOut struct {
	TicketID  int64          `json:"ticket_id"`
	NewTicket bool           `json:"new_ticket"`
	Ticket    *domain.Ticket `json:"ticket"`
}

// apiReportCall takes a call from a telephony system and files it on the
// customer's open ticket, or opens a phone ticket.
func (s *Handler) apiReportCall(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	var in callReportIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	t, created, err := s.db.LogCall(r.Context(), store.CallReport{From: in.From, To: in.To, Direction: in.Direction,
		Duration: in.Duration, RecordingURL: in.RecordingURL, Notes: in.Notes, ReportedBy: u.ID})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, CallReportOut{TicketID: t.ID, NewTicket: created, Ticket: t})
	return nil
}

func parsePositive(s string) (int64, error) {
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' || n > 1e15 {
			return 0, domain.Errorf(domain.EInvalid, "not a number")
		}
		n = n*10 + int64(c-'0')
	}
	if n <= 0 {
		return 0, domain.Errorf(domain.EInvalid, "not a number")
	}
	return n, nil
}
