package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ArticleStatus is whether customers can see a knowledge-base article.
type ArticleStatus string

const (
	ArticleDraft     ArticleStatus = "draft"
	ArticlePublished ArticleStatus = "published"
)

// Valid reports whether s is a known article status.
func (s ArticleStatus) Valid() bool { return s == ArticleDraft || s == ArticlePublished }

// Category groups knowledge-base articles on the portal.
type Category struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Slug        string    `json:"slug"`
	Description string    `json:"description"`
	Position    int       `json:"position"`
	Articles    int       `json:"articles"` // published articles in it
	CreatedAt   time.Time `json:"created_at"`
}

// Article is one knowledge-base answer, written in Markdown.
type Article struct {
	ID             int64         `json:"id"`
	Title          string        `json:"title"`
	Slug           string        `json:"slug"`
	CategoryID     *int64        `json:"category_id"`
	CategoryName   string        `json:"category,omitempty"`
	CategorySlug   string        `json:"category_slug,omitempty"`
	Tags           []string      `json:"tags"`
	Body           string        `json:"body"` // Markdown
	Status         ArticleStatus `json:"status"`
	AuthorID       *int64        `json:"author_id"`
	AuthorName     string        `json:"author,omitempty"`
	SourceTicketID *int64        `json:"source_ticket_id"`
	Views          int64         `json:"views"`
	HelpfulYes     int64         `json:"helpful_yes"`
	HelpfulNo      int64         `json:"helpful_no"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	PublishedAt    *time.Time    `json:"published_at"`
}

// Published reports whether customers can read the article.
func (a *Article) Published() bool { return a.Status == ArticlePublished }

// URL is the article's public address on the portal.
func (a *Article) URL() string { return "/help/articles/" + a.Slug }

// ArticleInput creates or changes an article; nil leaves a field unchanged
// (on create, nil means empty or the default).
type ArticleInput struct {
	Title         *string        `json:"title"`
	Slug          *string        `json:"slug"`
	CategoryID    *int64         `json:"category_id"`
	ClearCategory bool           `json:"-"`
	Tags          *[]string      `json:"tags"`
	Body          *string        `json:"body"`
	Status        *ArticleStatus `json:"status"`
}

// Limits on articles.
const (
	MaxArticleTitle = 200
	MaxArticleBody  = 200_000
	MaxSlugLen      = 100
)

// Validate normalizes the given fields and reports every problem at once.
// Creating requires a title; the slug then defaults to one made from it.
func (in *ArticleInput) Validate(creating bool) error {
	v := Validation{}
	if in.Title != nil {
		t := strings.Join(strings.Fields(*in.Title), " ")
		in.Title = &t
		v.Check(t != "", "title", "required")
		v.Check(utf8.RuneCountInString(t) <= MaxArticleTitle, "title", "at most 200 characters")
	} else if creating {
		v.Add("title", "required")
	}
	if in.Slug != nil {
		s := strings.TrimSpace(*in.Slug)
		if s == "" && in.Title != nil {
			s = Slugify(*in.Title)
		}
		in.Slug = &s
		v.Check(ValidSlug(s), "slug", "lowercase letters, digits and dashes, at most 100 characters")
	} else if creating && in.Title != nil {
		s := Slugify(*in.Title)
		in.Slug = &s
		v.Check(s != "", "title", "needs at least one letter or digit")
	}
	if in.Body != nil {
		b := strings.TrimSpace(strings.ReplaceAll(*in.Body, "\r\n", "\n"))
		in.Body = &b
		v.Check(len(b) <= MaxArticleBody, "body", "at most 200000 bytes")
	}
	if in.Tags != nil {
		tags := NormalizeTags(*in.Tags, "tags", v)
		in.Tags = &tags
	}
	if in.Status != nil {
		v.Check(in.Status.Valid(), "status", "must be draft or published")
	}
	return v.Err()
}

// Slugify makes a readable URL part from a title: "Reset your password!"
// becomes "reset-your-password". Accents are dropped, other scripts kept.
func Slugify(s string) string {
	s = norm.NFC.String(strings.ToLower(s))
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteString(latinBase(r))
		case unicode.Is(unicode.Mn, r):
		default:
			dash = true
		}
		if b.Len() >= MaxSlugLen {
			break
		}
	}
	out := b.String()
	for len(out) > MaxSlugLen || !utf8.ValidString(out) {
		out = out[:len(out)-1]
	}
	return strings.Trim(out, "-")
}

// latinBase drops the accents of a Latin letter ("é" → "e") and keeps
// letters of other scripts as they are ("й" stays).
func latinBase(r rune) string {
	if r < utf8.RuneSelf {
		return string(r)
	}
	d := []rune(norm.NFKD.String(string(r)))
	if len(d) > 0 && d[0] < utf8.RuneSelf && unicode.IsLetter(d[0]) {
		return string(d[0])
	}
	return string(r)
}

// ValidSlug reports whether s is usable as a slug.
func ValidSlug(s string) bool {
	if s == "" || len(s) > MaxSlugLen || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, r := range s {
		if !(r == '-' || unicode.IsDigit(r) || unicode.IsLetter(r) && !unicode.IsUpper(r)) {
			return false
		}
	}
	return true
}

// ArticleRevision is the state of an article after one save.
type ArticleRevision struct {
	ID         int64     `json:"id"`
	ArticleID  int64     `json:"article_id"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	AuthorID   *int64    `json:"author_id"`
	AuthorName string    `json:"author,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// ArticleFilter lists articles. Zero values mean "any".
type ArticleFilter struct {
	Query      string // full-text; results come best first
	Status     ArticleStatus
	CategoryID int64
	Limit      int
}

// ArticleHit is an article found by search, with HTML snippets whose
// matches are wrapped in <mark> (the rest is escaped).
type ArticleHit struct {
	Article *Article `json:"article"`
	Title   string   `json:"title_html"`
	Snippet string   `json:"snippet_html"`
	Rank    float64  `json:"rank"` // lower is better
}

// KB search sources, for the "searches that found nothing" report.
const (
	SearchPortal  = "portal"
	SearchSuggest = "suggest"
	SearchAgent   = "agent"
)

// LastAgentReply is the ticket's most recent non-empty message an agent sent
// to the customer: what "turn into article" drafts from. Nil when there is none.
func (t *Ticket) LastAgentReply() *Entry {
	for i := len(t.Timeline) - 1; i >= 0; i-- {
		e := &t.Timeline[i]
		if e.Kind == EntryMessage && e.Direction == Outbound && e.AuthorUserID != nil && strings.TrimSpace(e.Body) != "" {
			return e
		}
	}
	return nil
}
