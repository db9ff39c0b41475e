package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/kb"
)

// Knowledge base: categories, articles and their revisions. Search, votes,
// views and deflections are in kb_search.go.

// CreateCategory adds a knowledge-base category; the slug comes from the name.
func (db *DB) CreateCategory(ctx context.Context, name, description string, position int) (*domain.Category, error) {
	name = strings.Join(strings.Fields(name), " ")
	description = strings.TrimSpace(description)
	v := domain.Validation{}
	v.Check(name != "", "name", "required")
	v.Check(len([]rune(name)) <= 100, "name", "at most 100 characters")
	v.Check(len(description) <= 1000, "description", "at most 1000 characters")
	slug := domain.Slugify(name)
	if name != "" {
		v.Check(slug != "", "name", "needs at least one letter or digit")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	c := &domain.Category{Name: name, Slug: slug, Description: description, Position: position, CreatedAt: db.Now()}
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		c.ID, err = tx.insert(ctx, `INSERT INTO kb_categories (name, slug, description, position, created_at) VALUES (?, ?, ?, ?, ?)`,
			c.Name, c.Slug, c.Description, c.Position, ms(c.CreatedAt))
		if isUniqueViolation(err) {
			return &domain.Error{Code: domain.EConflict, Message: "a category with this name exists", Fields: map[string]string{"name": "already exists"}}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Categories lists categories in display order with their published article counts.
func (db *DB) Categories(ctx context.Context) ([]*domain.Category, error) {
	rows, err := db.query(ctx, `SELECT c.id, c.name, c.slug, c.description, c.position, c.created_at,
		(SELECT COUNT(*) FROM kb_articles a WHERE a.category_id = c.id AND a.status = 'published')
		FROM kb_categories c ORDER BY c.position, c.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*domain.Category{}
	for rows.Next() {
		c := &domain.Category{}
		var created int64
		if err := rows.Scan(&c.ID, &c.Name, &c.Slug, &c.Description, &c.Position, &created, &c.Articles); err != nil {
			return nil, err
		}
		c.CreatedAt = fromMS(created)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CategoryBySlug loads one category.
func (db *DB) CategoryBySlug(ctx context.Context, slug string) (*domain.Category, error) {
	cs, err := db.Categories(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Slug == slug {
			return c, nil
		}
	}
	return nil, domain.NotFound("category")
}

const articleCols = `a.id, a.title, a.slug, a.category_id, COALESCE(c.name, ''), COALESCE(c.slug, ''), a.tags, a.body, a.status,
	a.author_id, COALESCE(u.name, ''), a.source_ticket_id, a.views, a.helpful_yes, a.helpful_no, a.created_at, a.updated_at, a.published_at`

const articleFrom = ` FROM kb_articles a LEFT JOIN kb_categories c ON c.id = a.category_id LEFT JOIN users u ON u.id = a.author_id`

func scanArticle(sc interface{ Scan(...any) error }) (*domain.Article, error) {
	a := &domain.Article{}
	var cat, author, src, published sql.NullInt64
	var tags string
	var created, updated int64
	err := sc.Scan(&a.ID, &a.Title, &a.Slug, &cat, &a.CategoryName, &a.CategorySlug, &tags, &a.Body, &a.Status,
		&author, &a.AuthorName, &src, &a.Views, &a.HelpfulYes, &a.HelpfulNo, &created, &updated, &published)
	if err != nil {
		return nil, err
	}
	a.CategoryID, a.AuthorID, a.SourceTicketID = idPtr(cat), idPtr(author), idPtr(src)
	a.Tags = strings.Fields(tags)
	a.CreatedAt, a.UpdatedAt, a.PublishedAt = fromMS(created), fromMS(updated), fromNullMS(published)
	return a, nil
}

// NewArticle is what it takes to create an article.
type NewArticle struct {
	domain.ArticleInput
	AuthorID       int64
	SourceTicketID int64
}

// CreateArticle creates an article (a draft unless Status says otherwise)
// and its first revision. A taken slug gets a numeric suffix when the slug
// was made from the title, and is a conflict when it was chosen.
func (db *DB) CreateArticle(ctx context.Context, n NewArticle) (*domain.Article, error) {
	chosenSlug := n.Slug != nil && strings.TrimSpace(*n.Slug) != ""
	if err := n.Validate(true); err != nil {
		return nil, err
	}
	status := domain.ArticleDraft
	if n.Status != nil {
		status = *n.Status
	}
	body, tags := "", []string{}
	if n.Body != nil {
		body = *n.Body
	}
	if n.Tags != nil {
		tags = *n.Tags
	}
	var id int64
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.checkCategory(ctx, n.CategoryID); err != nil {
			return err
		}
		now := ms(db.Now())
		var published any
		if status == domain.ArticlePublished {
			published = now
		}
		slug := *n.Slug
		for i := 2; ; i++ {
			var taken int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM kb_articles WHERE slug = ?`, slug).Scan(&taken); err != nil {
				return err
			}
			if taken == 0 {
				break
			}
			if chosenSlug || i > 50 {
				return slugTaken()
			}
			slug = suffixSlug(*n.Slug, i)
		}
		var err error
		id, err = tx.insert(ctx, `INSERT INTO kb_articles (title, slug, category_id, tags, body, body_text, status, author_id, source_ticket_id,
			created_at, updated_at, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			*n.Title, slug, nullID(n.CategoryID), strings.Join(tags, " "), body, kb.NewRenderer().Text(body), status,
			nullID(&n.AuthorID), nullID(&n.SourceTicketID), now, now, published)
		if isUniqueViolation(err) {
			return slugTaken()
		}
		if err != nil {
			return err
		}
		return tx.addRevision(ctx, id, n.AuthorID)
	})
	if err != nil {
		return nil, err
	}
	return db.Article(ctx, id)
}

func slugTaken() error {
	return &domain.Error{Code: domain.EConflict, Message: "another article has this address", Fields: map[string]string{"slug": "already used by another article"}}
}

func suffixSlug(slug string, i int) string {
	sfx := "-" + strconv.Itoa(i)
	if len(slug)+len(sfx) > domain.MaxSlugLen {
		slug = strings.TrimRight(slug[:domain.MaxSlugLen-len(sfx)], "-")
	}
	return slug + sfx
}

func (tx *Tx) checkCategory(ctx context.Context, id *int64) error {
	if id == nil || *id == 0 {
		return nil
	}
	var one int
	err := tx.queryRow(ctx, `SELECT 1 FROM kb_categories WHERE id = ?`, *id).Scan(&one)
	if isNoRows(err) {
		return &domain.Error{Code: domain.EInvalid, Message: "no such category", Fields: map[string]string{"category_id": "no such category"}}
	}
	return err
}

// addRevision records the article's current state as a revision.
func (tx *Tx) addRevision(ctx context.Context, articleID, authorID int64) error {
	_, err := tx.exec(ctx, `INSERT INTO kb_revisions (article_id, title, body, status, author_id, created_at)
		SELECT id, title, body, status, ?, ? FROM kb_articles WHERE id = ?`, nullID(&authorID), ms(tx.db.Now()), articleID)
	return err
}

// UpdateArticle changes an article and records a revision. Publishing for
// the first time stamps published_at.
func (db *DB) UpdateArticle(ctx context.Context, id int64, in domain.ArticleInput, by int64) (*domain.Article, error) {
	if err := in.Validate(false); err != nil {
		return nil, err
	}
	err := db.Update(ctx, func(tx *Tx) error {
		var status domain.ArticleStatus
		var published sql.NullInt64
		err := tx.queryRow(ctx, `SELECT status, published_at FROM kb_articles WHERE id = ?`, id).Scan(&status, &published)
		if isNoRows(err) {
			return domain.NotFound("article")
		}
		if err != nil {
			return err
		}
		now := ms(db.Now())
		sets := []string{"updated_at = ?"}
		args := []any{now}
		if in.Title != nil {
			sets, args = append(sets, "title = ?"), append(args, *in.Title)
		}
		if in.Slug != nil {
			sets, args = append(sets, "slug = ?"), append(args, *in.Slug)
		}
		if in.ClearCategory {
			sets = append(sets, "category_id = NULL")
		} else if in.CategoryID != nil {
			if err := tx.checkCategory(ctx, in.CategoryID); err != nil {
				return err
			}
			sets, args = append(sets, "category_id = ?"), append(args, nullID(in.CategoryID))
		}
		if in.Tags != nil {
			sets, args = append(sets, "tags = ?"), append(args, strings.Join(*in.Tags, " "))
		}
		if in.Body != nil {
			sets, args = append(sets, "body = ?", "body_text = ?"), append(args, *in.Body, kb.NewRenderer().Text(*in.Body))
		}
		if in.Status != nil {
			sets, args = append(sets, "status = ?"), append(args, *in.Status)
			if *in.Status == domain.ArticlePublished && !published.Valid {
				sets, args = append(sets, "published_at = ?"), append(args, now)
			}
		}
		args = append(args, id)
		if _, err := tx.exec(ctx, `UPDATE kb_articles SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...); err != nil {
			if isUniqueViolation(err) {
				return slugTaken()
			}
			return err
		}
		return tx.addRevision(ctx, id, by)
	})
	if err != nil {
		return nil, err
	}
	return db.Article(ctx, id)
}

// Article loads an article in any state (agents).
func (db *DB) Article(ctx context.Context, id int64) (*domain.Article, error) {
	a, err := scanArticle(db.queryRow(ctx, `SELECT `+articleCols+articleFrom+` WHERE a.id = ?`, id))
	if isNoRows(err) {
		return nil, domain.NotFound("article")
	}
	return a, err
}

// PublishedArticle loads a published article by slug; drafts are "not
// found" so the portal never reveals them.
func (db *DB) PublishedArticle(ctx context.Context, slug string) (*domain.Article, error) {
	a, err := scanArticle(db.queryRow(ctx, `SELECT `+articleCols+articleFrom+` WHERE a.slug = ? AND a.status = 'published'`, slug))
	if isNoRows(err) {
		return nil, domain.NotFound("article")
	}
	return a, err
}

// Articles lists articles, most recently updated first; with a Query it
// searches instead (see SearchArticles).
func (db *DB) Articles(ctx context.Context, f domain.ArticleFilter) ([]*domain.Article, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "invalid status", Fields: map[string]string{"status": "must be draft or published"}}
	}
	where := []string{"1=1"}
	var args []any
	if f.Status != "" {
		where, args = append(where, "a.status = ?"), append(args, f.Status)
	}
	if f.CategoryID != 0 {
		where, args = append(where, "a.category_id = ?"), append(args, f.CategoryID)
	}
	args = append(args, clampLimit(f.Limit))
	rows, err := db.query(ctx, `SELECT `+articleCols+articleFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY a.updated_at DESC, a.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanArticle)
}

// PopularArticles lists the most viewed published articles.
func (db *DB) PopularArticles(ctx context.Context, limit int) ([]*domain.Article, error) {
	rows, err := db.query(ctx, `SELECT `+articleCols+articleFrom+` WHERE a.status = 'published'
		ORDER BY a.views DESC, a.id DESC LIMIT ?`, clampLimit(limit))
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanArticle)
}

// ArticleRevisions lists an article's saves, newest first.
func (db *DB) ArticleRevisions(ctx context.Context, articleID int64) ([]domain.ArticleRevision, error) {
	if _, err := db.Article(ctx, articleID); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT r.id, r.article_id, r.title, r.body, r.author_id, COALESCE(u.name, ''), r.created_at
		FROM kb_revisions r LEFT JOIN users u ON u.id = r.author_id WHERE r.article_id = ? ORDER BY r.id DESC`, articleID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.ArticleRevision{}
	for rows.Next() {
		var r domain.ArticleRevision
		var author sql.NullInt64
		var created int64
		if err := rows.Scan(&r.ID, &r.ArticleID, &r.Title, &r.Body, &author, &r.AuthorName, &created); err != nil {
			return nil, err
		}
		r.AuthorID, r.CreatedAt = idPtr(author), fromMS(created)
		out = append(out, r)
	}
	return out, rows.Err()
}
