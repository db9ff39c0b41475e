package workspace

import (
	"andon/internal/http/httpx"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/web"
)

// Knowledge-base pages of the agent workspace: the article list, a
// Markdown editor with preview, and "turn this ticket into an article".

type kbListData struct {
	Articles   []*domain.Article
	Hits       []httpx.HitView
	Categories []*domain.Category
	Status     string
}

func (s *Handler) kbArticles(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	status := domain.ArticleStatus(r.URL.Query().Get("status"))
	if !status.Valid() {
		status = ""
	}
	d := kbListData{Status: string(status)}
	var err error
	if d.Categories, err = s.db.Categories(ctx); err != nil {
		return err
	}
	if httpx.KBHasWords(q) {
		hits, err := s.db.SearchArticles(ctx, q, status == domain.ArticlePublished, 100)
		if err != nil {
			return err
		}
		d.Hits = httpx.HitViews(hits)
	} else if d.Articles, err = s.db.Articles(ctx, domain.ArticleFilter{Status: status, Limit: 200}); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "kb_articles", &web.Page{Title: "Knowledge base", Nav: "kb", Query: q, Data: d})
}

// kbCreateArticle starts a draft from a title and opens the editor.
func (s *Handler) kbCreateArticle(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	title := r.PostFormValue("title")
	a, err := s.db.CreateArticle(r.Context(), store.NewArticle{ArticleInput: domain.ArticleInput{Title: &title}, AuthorID: u.ID})
	if err != nil {
		return err
	}
	httpx.Redirect(w, r, "/kb/articles/"+strconv.FormatInt(a.ID, 10)+"/edit", "Draft created.")
	return nil
}

// kbCreateCategory adds a category from the article list.
func (s *Handler) kbCreateCategory(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	pos, _ := strconv.Atoi(r.PostFormValue("position"))
	if _, err := s.db.CreateCategory(r.Context(), r.PostFormValue("name"), r.PostFormValue("description"), pos); err != nil {
		return err
	}
	httpx.Redirect(w, r, "/kb/articles", "Category added.")
	return nil
}

type kbEditData struct {
	Article    *domain.Article
	Categories []*domain.Category
	Preview    template.HTML
	Revisions  []domain.ArticleRevision
}

func (s *Handler) kbEditForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	d, err := s.kbEditData(r)
	if err != nil {
		return err
	}
	form := url.Values{"title": {d.Article.Title}, "slug": {d.Article.Slug}, "body": {d.Article.Body},
		"tags": {strings.Join(d.Article.Tags, ", ")}}
	if d.Article.CategoryID != nil {
		form.Set("category_id", strconv.FormatInt(*d.Article.CategoryID, 10))
	}
	d.Preview = template.HTML(s.md.HTML(d.Article.Body))
	return s.render(w, r, http.StatusOK, "kb_article_edit", &web.Page{Title: "Edit " + d.Article.Title, Nav: "kb", Form: form, Data: d})
}

// kbEditData loads the editor's article (path value "id") and its lists.
func (s *Handler) kbEditData(r *http.Request) (*kbEditData, error) {
	id, err := httpx.PathID(r, "id", "article")
	if err != nil {
		return nil, err
	}
	a, err := s.db.Article(r.Context(), id)
	if err != nil {
		return nil, err
	}
	cats, err := s.db.Categories(r.Context())
	if err != nil {
		return nil, err
	}
	revs, err := s.db.ArticleRevisions(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &kbEditData{Article: a, Categories: cats, Revisions: revs}, nil
}

// kbSaveArticle saves the editor; action=preview re-renders without saving,
// action=publish / unpublish also change the status.
func (s *Handler) kbSaveArticle(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	d, err := s.kbEditData(r)
	if err != nil {
		return err
	}
	id := d.Article.ID
	title, slug, body := r.PostFormValue("title"), r.PostFormValue("slug"), r.PostFormValue("body")
	action := r.PostFormValue("action")
	if action == "preview" {
		d.Preview = template.HTML(s.md.HTML(body))
		return s.render(w, r, http.StatusOK, "kb_article_edit", &web.Page{Title: "Edit " + d.Article.Title, Nav: "kb", Form: r.PostForm, Data: d})
	}
	in := domain.ArticleInput{Title: &title, Slug: &slug, Body: &body}
	tags := strings.FieldsFunc(r.PostFormValue("tags"), func(c rune) bool { return c == ',' })
	in.Tags = &tags
	if c := r.PostFormValue("category_id"); c == "" {
		in.ClearCategory = true
	} else if cid, err := strconv.ParseInt(c, 10, 64); err == nil {
		in.CategoryID = &cid
	}
	switch action {
	case "publish":
		st := domain.ArticlePublished
		in.Status = &st
	case "unpublish":
		st := domain.ArticleDraft
		in.Status = &st
	}
	a, err := s.db.UpdateArticle(r.Context(), id, in, u.ID)
	if err != nil {
		d.Preview = template.HTML(s.md.HTML(body))
		return s.formErrors(w, r, "kb_article_edit", &web.Page{Title: "Edit " + d.Article.Title, Nav: "kb", Data: d}, err)
	}
	flash := "Saved."
	if action == "publish" {
		flash = "Published at " + a.URL() + "."
	}
	httpx.Redirect(w, r, "/kb/articles/"+strconv.FormatInt(a.ID, 10)+"/edit", flash)
	return nil
}

// ticketToArticle turns a ticket's last public agent reply into a draft
// article and opens it in the editor.
func (s *Handler) ticketToArticle(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	a, err := s.db.DraftFromTicket(r.Context(), id, u.ID)
	if err != nil {
		return err
	}
	httpx.Redirect(w, r, "/kb/articles/"+strconv.FormatInt(a.ID, 10)+"/edit", "Draft created from ticket #"+strconv.FormatInt(id, 10)+". Edit out anything personal, then publish.")
	return nil
}
