package browsertest

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"andon/internal/demo"
	"andon/internal/reports"
)

// TestReportsOnDemoData is issue 8's "done means": a team lead opens the
// dashboard of the demo data on a desktop and on a phone and can read how
// much of the demand is failure demand, which value-chain stage causes most
// of it, whether last month's countermeasures held, and what getting help
// cost the customers; the CSV exports hold the numbers on the screen.
// ANDON_REPORT_SHOTS=dir also writes screenshots there.
func TestReportsOnDemoData(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	db := e.a().db
	res, err := demo.Load(ctx, db, demo.Options{})
	if err != nil || !res.Loaded {
		t.Fatalf("load the demo: %+v %v", res, err)
	}
	// What the dashboard should say, computed the way the server does.
	f, err := reports.ParseFilter(url.Values{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want, err := reports.New(db).Build(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if want.Failure.Share == 0 || len(want.Failure.Stages) == 0 || want.Failure.Stages[0].Label != "Logistics" ||
		want.Problems.Verified != 1 || want.Problems.Flagged != 1 || want.Effort.CESCount == 0 {
		t.Fatalf("the demo's last 30 days lack the story: failure %+v, problems %+v, CES %d answers", want.Failure, want.Problems, want.Effort.CESCount)
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

	for _, width := range []int{0, 375} {
		name := "desktop"
		if width != 0 {
			name = strconv.Itoa(width) + " px"
		}
		t.Run(name, func(t *testing.T) {
			b := newTab(t, e.a().url, width)
			loginAs(b, res.AdminEmail, res.AdminPassword)
			b.open("/reports")
			b.waitFor("the dashboard", `document.getElementById('figures')`)
			b.noHorizontalScroll("/reports")

			// How much of our demand is failure demand?
			b.reachable("#fig-failure_demand_pct")
			if got := b.text("#fig-failure_demand_pct .rep-fig-value"); got != num(want.Failure.Share) {
				t.Errorf("failure demand figure %q, want %s", got, num(want.Failure.Share))
			}
			lead := strings.Join(strings.Fields(js[string](b, `Array.from(document.querySelectorAll('.rep-lead')).map(p => p.innerText).join(' | ')`)), " ")
			share := strconv.Itoa(want.Failure.Failure) + " of " + strconv.Itoa(want.Failure.Classified) + " classified tickets (" + num(want.Failure.Share) + "%) were failure demand"
			if !strings.Contains(lead, share) {
				t.Errorf("the page does not say %q: %s", share, lead)
			}
			// Which stage causes most of it? The first bar of the stage chart.
			b.reachable("#chart-failure-stages")
			labels := js[[]string](b, `Array.from(document.querySelectorAll('#chart-failure-stages text.rep-axis:not(.rep-yaxis)')).map(t => t.textContent.trim())`)
			if len(labels) == 0 || labels[0] != "Logistics" {
				t.Errorf("stage chart labels %v: want Logistics first", labels)
			}
			// Did last month's countermeasures stop recurrence?
			if !strings.Contains(lead, "(1 verified, 1 flagged for recurrence)") {
				t.Errorf("problems lead does not give verified and flagged countermeasures: %s", lead)
			}
			// What does getting help cost our customers?
			b.reachable("#fig-ces_avg")
			if got := b.text("#fig-ces_avg .rep-fig-value"); got != num(want.Effort.CESAvg) {
				t.Errorf("CES figure %q, want %s", got, num(want.Effort.CESAvg))
			}

			// The Pareto's numbers, one tap away, are the CSV's.
			for _, table := range []string{"failure-reasons", "failure-stages"} {
				js[bool](b, `(() => { const d = document.getElementById('table-`+table+`').closest('details'); if (d) d.open = true; return true })()`)
				// On a phone the table scrolls inside its own box; its first cell is on screen.
				b.reachable("#table-" + table + " tbody tr:first-child td:first-child")
				shown := js[[][]string](b, `Array.from(document.querySelectorAll('#table-`+table+` tr')).map(tr => Array.from(tr.cells).map(c => c.innerText.trim()))`)
				href := js[string](b, `document.getElementById('csv-`+table+`').getAttribute('href')`)
				body := fetchText(b, href)
				rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
				if err != nil {
					t.Fatalf("%s.csv: %v\n%s", table, err, body)
				}
				if a, b := mustJSON(rows), mustJSON(shown); a != b || len(rows) < 3 {
					t.Errorf("%s: CSV %s\nshown %s", table, a, b)
				}
			}
			summary := fetchText(b, js[string](b, `document.getElementById('csv-summary').getAttribute('href')`))
			for _, fig := range []struct{ key, value string }{{"failure_demand_pct", num(want.Failure.Share)}, {"ces_avg", num(want.Effort.CESAvg)}} {
				if !strings.Contains(summary, "\n"+fig.key+","+fig.value+",") {
					t.Errorf("summary.csv lacks %s = %s:\n%s", fig.key, fig.value, summary)
				}
			}
			if dir := os.Getenv("ANDON_REPORT_SHOTS"); dir != "" {
				shot(t, b, filepath.Join(dir, "reports-"+strings.ReplaceAll(name, " ", "")+".png"))
				b.open("/problems")
				b.waitFor("the problem board", `document.body.innerText.includes('Parcels stuck at the Leipzig depot')`)
				b.noHorizontalScroll("/problems")
				shot(t, b, filepath.Join(dir, "problems-"+strings.ReplaceAll(name, " ", "")+".png"))
			}
		})
	}
}

// loginAs signs in through the login form with a given password.
func loginAs(b *tab, email, pw string) {
	b.t.Helper()
	b.open("/login")
	b.do(
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.ID("login-submit")),
	)
	b.waitFor("the inbox after signing in", `location.pathname === '/'`)
}

// fetchText GETs path with the tab's session, as a download link would.
func fetchText(b *tab, path string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`fetch(`+quote(path)+`, {credentials: 'same-origin'}).then(r => r.ok ? r.text() : 'HTTP ' + r.status)`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: fetch %s: %v", b.where(), path, err)
	}
	return v
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// shot writes a full-page screenshot.
func shot(t *testing.T, b *tab, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
