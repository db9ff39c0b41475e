package domain

import "strings"

// ArticleDraft turns a solved problem into a knowledge-base draft in
// Markdown: what customers met, why, and what was done about it, so the
// next customer can help themselves. It needs a countermeasure in place;
// before that there is nothing to tell.
func (p *Problem) ArticleDraft() (title, body string, err error) {
	var done []string
	for _, c := range p.Countermeasures {
		if c.Status == CMInPlace {
			done = append(done, "- "+oneLine(c.What))
		}
	}
	if len(done) == 0 {
		return "", "", &Error{Code: EUnprocessabl, Message: "Put a countermeasure in place before writing the article.",
			Fields: map[string]string{"countermeasures": "none in place yet"}}
	}
	var b strings.Builder
	b.WriteString("## What happened\n\n")
	if d := strings.TrimSpace(p.Description); d != "" {
		b.WriteString(d)
	} else {
		b.WriteString(p.Title)
	}
	if rc := strings.TrimSpace(p.RootCause); rc != "" {
		b.WriteString("\n\n## Why it happened\n\n" + rc)
	}
	b.WriteString("\n\n## What we have done\n\n" + strings.Join(done, "\n") + "\n")
	return p.Title, b.String(), nil
}

// oneLine folds a text onto one line, for a Markdown list item.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
