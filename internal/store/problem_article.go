package store

import (
	"context"

	"andon/internal/domain"
)

// DraftFromProblem creates a knowledge-base draft from a problem whose
// countermeasure is in place: its title, root cause and countermeasures
// (domain.Problem.ArticleDraft). The agent edits and publishes it.
func (db *DB) DraftFromProblem(ctx context.Context, problemID, by int64) (*domain.Article, error) {
	p, err := db.Problem(ctx, problemID)
	if err != nil {
		return nil, err
	}
	title, body, err := p.ArticleDraft()
	if err != nil {
		return nil, err
	}
	return db.CreateArticle(ctx, NewArticle{ArticleInput: domain.ArticleInput{Title: &title, Body: &body}, AuthorID: by})
}
