package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/events"
	"andon/internal/store"
	"andon/internal/testutil"
	"andon/internal/testutil/testnode"
)

// One headless chromium serves the whole test binary; every test opens its
// tabs in fresh browser contexts (separate cookies), which is much cheaper
// than a browser per test.
var (
	browserCtx context.Context
	browserErr error
)

const chromiumPath = "/usr/bin/chromium"

func TestMain(m *testing.M) {
	var cancel context.CancelFunc = func() {}
	if _, err := exec.LookPath(chromiumPath); err != nil {
		browserErr = fmt.Errorf("chromium not found at %s", chromiumPath)
	} else {
		dir, err := os.MkdirTemp("", "andon-chromium-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromiumPath),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.UserDataDir(dir),
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelBrowser := chromedp.NewContext(allocCtx)
		cancel = func() { cancelBrowser(); cancelAlloc() }
		if err := chromedp.Do(ctx); err != nil { // starts the browser
			browserErr = fmt.Errorf("start chromium: %w", err)
		} else {
			browserCtx = ctx
		}
	}
	testutil.Main(m, func() { cancel() })
}

// needBrowser skips (or, on CI, fails) a test when chromium is unavailable.
func needBrowser(t *testing.T) {
	t.Helper()
	if browserCtx != nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("browser tests need chromium: %v", browserErr)
	}
	t.Skipf("browser tests need chromium: %v", browserErr)
}

// node is one running Andon server.
type node struct {
	db  *store.DB
	bus *events.Bus
	url string
}

// env is the system under test: one node on SQLite; on PostgreSQL two nodes
// on one database, so live updates cross nodes the way they do in production.
type env struct {
	t     *testing.T
	node  *testnode.Node // node A, with its mail sink and clock
	nodes []*node
}

func (e *env) a() *node { return e.nodes[0] }
func (e *env) b() *node { return e.nodes[len(e.nodes)-1] }

func newEnv(t *testing.T) *env { return newEnvWith(t, testnode.Options{}) }

// newEnvWith builds the nodes with o (node B joins node A's database).
func newEnvWith(t *testing.T, o testnode.Options) *env {
	t.Helper()
	needBrowser(t)
	a := testnode.New(t, o)
	e := &env{t: t, node: a, nodes: []*node{nodeOf(a)}}
	if a.Config.DatabaseURL != "" {
		e.nodes = append(e.nodes, nodeOf(testnode.New(t, testnode.Options{Join: a})))
	}
	return e
}

func nodeOf(n *testnode.Node) *node { return &node{db: n.DB, bus: n.Events, url: n.URL} }

const password = "correct horse battery staple"

// agent creates an account that can sign in with password.
func (e *env) agent(email, name string, role domain.Role) *domain.User {
	e.t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.a().db.CreateUser(context.Background(), domain.NewUser{Email: email, Name: name, Role: role, PasswordHash: hash})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// ticket opens a ticket as a customer would, through the store of node A.
func (e *env) ticket(ch domain.Channel, subject, body, email, name string) *domain.Ticket {
	e.t.Helper()
	req := domain.Requester{Email: email, Name: name}
	if ch == domain.ChannelPhone {
		req = domain.Requester{Phone: email, Name: name}
	}
	tk, err := e.a().db.CreateTicket(context.Background(), domain.NewTicket{Subject: subject, Body: body, Requester: req, Channel: ch})
	if err != nil {
		e.t.Fatal(err)
	}
	return tk
}

// tab is one browser tab in its own browser context (its own cookies).
type tab struct {
	t     *testing.T
	ctx   context.Context
	base  string
	watch *consoleWatch
}

// newTab opens a tab talking to the node at base. width 0 means desktop.
func newTab(t *testing.T, base string, width int) *tab {
	t.Helper()
	needBrowser(t)
	watch := &consoleWatch{}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext(), chromedp.WithListener(watch.listen))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 10*time.Minute) // a whole test under load; each step has its own bound
	t.Cleanup(tcancel)
	t.Cleanup(func() { watch.check(t) }) // runs first: before the tab closes
	b := &tab{t: t, ctx: tctx, base: base, watch: watch}
	if width == 0 {
		b.do(chromedp.EmulateViewport(1280, 860))
	} else {
		b.do(chromedp.EmulateViewport(int64(width), 780, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)))
	}
	return b
}

// do runs steps, each batch bounded so a missing element fails fast.
func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", b.where(), err)
	}
}

func (b *tab) where() string {
	loc, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
	return "page " + loc
}

func (b *tab) open(path string) { b.t.Helper(); b.do(chromedp.Navigate(b.base + path)) }

// js evaluates an expression and decodes its value.
func js[T any](b *tab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: evaluate %s: %v", b.where(), expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds. Errors while a page
// is being replaced (form posts, redirects) just mean "not yet".
func (b *tab) waitFor(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var lastErr error
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`))
		if err == nil && ok {
			return
		}
		lastErr = err
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 600) : ''`))
			b.t.Fatalf("%s: waiting for %s (%s): last error %v\npage text: %s", b.where(), what, cond, lastErr, body)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// login signs in through the login form and waits for the inbox.
func (b *tab) login(email string) {
	b.t.Helper()
	b.open("/login")
	b.do(
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
	)
	b.waitFor("the inbox after signing in", `location.pathname === '/' && (document.getElementById('inbox') || document.getElementById('inbox-empty'))`)
}

// live waits until the page's event stream is connected.
func (b *tab) live() {
	b.t.Helper()
	b.waitFor("the live event stream", `document.documentElement.dataset.live === 'connected'`)
}

// mark sets a value that only survives if the page is not reloaded.
func (b *tab) mark() { b.t.Helper(); js[chromedp.Void](b, `window.__andonNoReload = true`) }

func (b *tab) assertNotReloaded() {
	b.t.Helper()
	if !js[bool](b, `window.__andonNoReload === true`) {
		b.t.Fatalf("%s: the page reloaded; live updates must not reload it", b.where())
	}
}

// choose picks an option in a select as a user would (the change event
// fires, so pages that save on change do).
func (b *tab) choose(sel, value string) {
	b.t.Helper()
	ok := js[bool](b, `(() => { const el = document.querySelector(`+quote(sel)+`);
		if (!el || !Array.from(el.options).some(o => o.value === `+quote(value)+`)) return false;
		el.focus(); el.value = `+quote(value)+`;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
		return true; })()`)
	if !ok {
		b.t.Fatalf("%s: no option %q in %s", b.where(), value, sel)
	}
}

// quote makes a Go string a JavaScript string literal.
func quote(s string) string { return strconv.Quote(s) }

// entryWith is a JS condition: a timeline entry of kind containing text.
func entryWith(kind, text string) string {
	return `Array.from(document.querySelectorAll('#timeline .entry[data-kind="` + kind + `"]')).some(e => e.innerText.includes(` + quote(text) + `))`
}

func ticketPath(id int64) string { return "/tickets/" + strconv.FormatInt(id, 10) }

// noHorizontalScroll fails when the page is wider than the viewport.
func (b *tab) noHorizontalScroll(page string) {
	b.t.Helper()
	sw := js[int](b, `document.documentElement.scrollWidth`)
	cw := js[int](b, `document.documentElement.clientWidth`)
	if sw > cw {
		wide := js[string](b, `Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '')).join(', ')`)
		b.t.Errorf("%s at %d px scrolls sideways: scrollWidth %d > clientWidth %d; too wide: %s", page, cw, sw, cw, wide)
	}
}

// reachable scrolls an element into view and checks a tap on its centre
// would hit it (visible, inside the viewport, not covered).
func (b *tab) reachable(sel string) {
	b.t.Helper()
	res := js[string](b, `(() => {
		const el = document.querySelector(`+quote(sel)+`);
		if (!el) return 'missing';
		el.scrollIntoView({block: 'center', inline: 'nearest'});
		const r = el.getBoundingClientRect();
		if (r.width < 1 || r.height < 1) return 'not visible (' + r.width + 'x' + r.height + ')';
		if (r.left < 0 || r.right > document.documentElement.clientWidth + 1) return 'outside the viewport horizontally (' + Math.round(r.left) + '..' + Math.round(r.right) + ')';
		const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		if (!hit || !(el === hit || el.contains(hit) || hit.contains(el) && hit.tagName === 'LABEL')) return 'covered by ' + (hit ? hit.tagName.toLowerCase() + (hit.id ? '#' + hit.id : '') : 'nothing');
		return 'ok';
	})()`)
	if res != "ok" {
		b.t.Errorf("%s: %s is not reachable: %s", b.where(), sel, res)
	}
}

// text is the visible text of the first element matching sel, or "".
func (b *tab) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(js[string](b, `(document.querySelector(`+quote(sel)+`) || {innerText: ''}).innerText`))
}
