package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"
	"unicode"

	"andon/internal/domain"
)

// Funcs are the helpers every template may call.
func Funcs(a *Assets) template.FuncMap {
	return template.FuncMap{
		"asset":         a.URL,
		"ago":           func(t time.Time) string { return Ago(t, time.Now()) },
		"datetime":      func(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006, 15:04 UTC") },
		"isotime":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"text":          Text,
		"initials":      Initials,
		"statusBadge":   StatusBadge,
		"priorityBadge": PriorityBadge,
		"channelBadge":  ChannelBadge,
		"channelIcon":   ChannelIcon,
		"channelLabel":  ChannelLabel,
		"duration":      Duration,
		"statuses":      func() []domain.Status { return domain.Statuses },
		"priorities":    func() []domain.Priority { return domain.Priorities },
		"channels":      func() []domain.Channel { return domain.Channels },
		"idIs":          func(p *int64, id int64) bool { return p != nil && *p == id },
		"has":           func(list []string, s string) bool { return contains(list, s) },
		"join":          strings.Join,
		"dict":          dict,
		"eventText":     EventText,
		"priorityLabel": PriorityLabel,
		"statusLabel":   func(s string) string { return domain.Status(s).Label() },

		// Where a reply goes and went (delivery.go).
		"routeLine": RouteLine, "deliveryLine": DeliveryLine, "deliveryFailed": DeliveryFailed,
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// dict builds a map from key/value pairs so a partial can take several values.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs key/value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// Ago is a short relative time: "just now", "5m ago", "3h ago", "2d ago",
// then a date.
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	case t.Year() == now.Year():
		return t.UTC().Format("2 Jan")
	}
	return t.UTC().Format("2 Jan 2006")
}

// Text renders plain text safely, keeping line breaks. No markup is
// interpreted: customers' messages are shown exactly as written.
func Text(s string) template.HTML {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n")
	return template.HTML(strings.ReplaceAll(html.EscapeString(s), "\n", "<br>"))
}

// Initials are up to two letters for an avatar.
func Initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// StatusBadge is a coloured pill for a ticket status.
func StatusBadge(s domain.Status) template.HTML {
	return template.HTML(`<span class="badge status-` + html.EscapeString(string(s)) + `">` + html.EscapeString(s.Label()) + `</span>`)
}

// PriorityLabel is the human name of a priority.
func PriorityLabel(p domain.Priority) string {
	label := string(p)
	if label != "" {
		label = strings.ToUpper(label[:1]) + label[1:]
	}
	return label
}

// PriorityBadge is a pill for a priority; "normal" is drawn quietly.
func PriorityBadge(p domain.Priority) template.HTML {
	label := PriorityLabel(p)
	return template.HTML(`<span class="badge prio-` + html.EscapeString(string(p)) + `">` + html.EscapeString(label) + `</span>`)
}

// ChannelLabel is the human name of a channel.
func ChannelLabel(c domain.Channel) string {
	switch c {
	case domain.ChannelEmail:
		return "Email"
	case domain.ChannelChat:
		return "Chat"
	case domain.ChannelPortal:
		return "Portal"
	case domain.ChannelPhone:
		return "Phone"
	case domain.ChannelAPI:
		return "API"
	}
	return string(c)
}

// channelPaths are 24×24 stroke icons, drawn by hand.
var channelPaths = map[domain.Channel]string{
	domain.ChannelEmail:  `<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3 7 9 6 9-6"/>`,
	domain.ChannelChat:   `<path d="M4 5h16v11H9l-5 4z"/>`,
	domain.ChannelPortal: `<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18"/>`,
	domain.ChannelPhone:  `<path d="M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2"/>`,
	domain.ChannelAPI:    `<path d="m8 8-4 4 4 4M16 8l4 4-4 4M14 5l-4 14"/>`,
}

// ChannelIcon is the inline SVG icon of a channel.
func ChannelIcon(c domain.Channel) template.HTML {
	p, ok := channelPaths[c]
	if !ok {
		p = `<circle cx="12" cy="12" r="8"/>`
	}
	return template.HTML(`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">` + p + `</svg>`)
}

// ChannelBadge is the icon and label of a channel.
func ChannelBadge(c domain.Channel) template.HTML {
	return template.HTML(`<span class="chan chan-`+html.EscapeString(string(c))+`" title="`+html.EscapeString(ChannelLabel(c))+`">`) +
		ChannelIcon(c) + template.HTML(`<span class="chan-label">`+html.EscapeString(ChannelLabel(c))+`</span></span>`)
}

// Duration formats call seconds as "12 min" or "45 s".
func Duration(seconds int) string {
	switch {
	case seconds <= 0:
		return "0 min"
	case seconds < 60:
		return fmt.Sprintf("%d s", seconds)
	case seconds%60 == 0:
		return fmt.Sprintf("%d min", seconds/60)
	}
	return fmt.Sprintf("%d min %d s", seconds/60, seconds%60)
}

// EventText describes a recorded change: "Ann changed status from New to Open".
func EventText(who string, ev *domain.Event) template.HTML {
	if ev == nil {
		return ""
	}
	if who == "" {
		who = "Andon"
	}
	val := func(v string) string {
		if ev.Field == "status" {
			v = domain.Status(v).Label()
		}
		return "<b>" + html.EscapeString(v) + "</b>"
	}
	w := "<b>" + html.EscapeString(who) + "</b> "
	field := html.EscapeString(ev.Field)
	switch {
	case ev.From == "" && ev.To == "":
		return template.HTML(w + "changed " + field)
	case ev.From == "":
		return template.HTML(w + "set " + field + " to " + val(ev.To))
	case ev.To == "":
		return template.HTML(w + "cleared " + field + " (was " + val(ev.From) + ")")
	}
	return template.HTML(w + "changed " + field + " from " + val(ev.From) + " to " + val(ev.To))
}
