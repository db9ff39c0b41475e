package workspace

import (
	"io"
	"net/http"
	"strings"

	"andon/internal/domain"
)

// brandCSS is GET /brand.css?c=#rrggbb: the brand colour as a stylesheet.
// Pages link it with the current colour in the query instead of an inline
// <style>, which the Content-Security-Policy forbids; the colour in the URL
// makes the answer immutable, so browsers cache it until the brand changes.
// Anything but a valid colour gets the default, so nothing else can be
// written into the stylesheet.
func (s *Handler) brandCSS(w http.ResponseWriter, r *http.Request) {
	c := strings.ToLower(r.URL.Query().Get("c"))
	if !domain.ValidColor(c) {
		c = domain.DefaultBrandColor
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = io.WriteString(w, ":root{--brand: "+c+";}\n")
}
