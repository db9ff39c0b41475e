package server_test

import (
	"andon/internal/http/httpx"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"andon/internal/chat"
	"andon/internal/domain"
)

// chatVisitor is a widget as the server sees it: a registered visitor with a
// real WebSocket connection.
type chatVisitor struct {
	t       *testing.T
	base    string
	id, tok string
	ws      *websocket.Conn
	frames  chan map[string]any
	pending []map[string]any
}

func newChatVisitor(t *testing.T, base, name, email string) *chatVisitor {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"name": name, "email": email})
	res, err := http.Post(base+"/widget/visitors", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("POST /widget/visitors: %d %s", res.StatusCode, body)
	}
	var out newVisitorOut
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return &chatVisitor{t: t, base: base, id: out.Visitor, tok: out.Token}
}

// connect opens the socket and says hello with the last message id seen.
func (v *chatVisitor) connect(last int64) map[string]any {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(v.base, "http")+"/widget/ws", nil)
	if err != nil {
		v.t.Fatal(err)
	}
	v.ws = ws
	v.frames = make(chan map[string]any, 256)
	v.pending = nil
	v.send(map[string]any{"t": "hello", "visitor": v.id, "token": v.tok, "last": last})
	go func(ws *websocket.Conn, out chan map[string]any) {
		defer close(out)
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			var f map[string]any
			_ = json.Unmarshal(b, &f)
			out <- f
		}
	}(ws, v.frames)
	return v.wait("welcome")
}

func (v *chatVisitor) send(f map[string]any) {
	v.t.Helper()
	b, _ := json.Marshal(f)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := v.ws.Write(ctx, websocket.MessageText, b); err != nil {
		v.t.Fatal(err)
	}
}

func (v *chatVisitor) drop() { v.ws.CloseNow() }

// wait returns the next frame of type typ, failing after 30 s.
func (v *chatVisitor) wait(typ string) map[string]any {
	v.t.Helper()
	return v.waitFor(typ, func(map[string]any) bool { return true })
}

func (v *chatVisitor) waitFor(typ string, ok func(map[string]any) bool) map[string]any {
	v.t.Helper()
	// Frames skipped while waiting stay queued for later waits: the server
	// may send a message's echo before or after its ack.
	match := func(f map[string]any) bool { return (typ == "" || f["t"] == typ) && ok(f) }
	for i, f := range v.pending {
		if match(f) {
			v.pending = append(v.pending[:i:i], v.pending[i+1:]...)
			return f
		}
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case f, open := <-v.frames:
			if !open {
				v.t.Fatalf("socket closed before %q", typ)
			}
			if match(f) {
				return f
			}
			v.pending = append(v.pending, f)
		case <-deadline:
			v.t.Fatalf("no %q frame within 30s", typ)
		}
	}
}

// say sends a message and waits for its ack, returning the server id.
func (v *chatVisitor) say(cid, body string) (id, ticket int64) {
	v.t.Helper()
	v.send(map[string]any{"t": "msg", "cid": cid, "body": body})
	f := v.waitFor("ack", func(f map[string]any) bool { return f["cid"] == cid })
	return int64(f["id"].(float64)), int64(f["ticket"].(float64))
}

func msgOf(f map[string]any) map[string]any { m, _ := f["msg"].(map[string]any); return m }

func setAvailable(t *testing.T, a *liveAgent) {
	t.Helper()
	res := a.do("POST", "/chat/status", `{"status":"available"}`, true)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("POST /chat/status: %d", res.StatusCode)
	}
}

// reply posts the ticket composer form, as the workspace does.
func (a *liveAgent) reply(ticketID int64, body string) {
	a.t.Helper()
	form := url.Values{"csrf": {a.csrf}, "body": {body}}
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/tickets/%d/reply", a.serverURL, ticketID), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: a.cookie})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode >= 400 {
		a.t.Fatalf("reply: %d", res.StatusCode)
	}
}

func TestChatVisitorAndAgentTalk(t *testing.T) {
	db, _, base := newLiveServer(t)
	ctx := context.Background()
	agent := newLiveAgent(t, db, base, "ann@example.com", "Ann Agent")
	setAvailable(t, agent)
	// An existing customer with an email ticket: a visitor typing their
	// address does not join them (the claim is unverified).
	old, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "Invoice", Body: "Where is it?", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "cleo@example.com", Name: "Cleo"}})
	if err != nil {
		t.Fatal(err)
	}
	inbox := agent.stream("")
	v := newChatVisitor(t, base, "Cleo", "Cleo@Example.com")
	w := v.connect(0)
	if w["online"] != true {
		t.Fatalf("welcome says offline with an agent available: %v", w)
	}
	id, ticket := v.say("c1", "Hello <b>there</b>")
	if ev := waitEvent(t, inbox, "change"); ev.data["kind"] != domain.ChangeTicketCreated {
		t.Fatalf("inbox did not hear of the chat first: %v", ev.data)
	}
	tk, err := db.Ticket(ctx, ticket)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Channel != domain.ChannelChat || tk.RequesterID == old.RequesterID {
		t.Fatalf("chat ticket channel %s requester %d, want chat and not customer %d", tk.Channel, tk.RequesterID, old.RequesterID)
	}
	if claim, err := db.ChatClaim(ctx, ticket); err != nil || claim != "cleo@example.com" {
		t.Fatalf("claim %q %v", claim, err)
	}
	// The visitor's own message comes back once, with the server id, escaped by nobody (text).
	m := msgOf(v.wait("msg"))
	if int64(m["id"].(float64)) != id || m["body"] != "Hello <b>there</b>" || m["from"] != "visitor" {
		t.Fatalf("echo: %v", m)
	}

	// Agent typing (presence from the ticket page) reaches the visitor.
	res := agent.do("POST", fmt.Sprintf("/tickets/%d/presence", ticket), `{"state":"replying"}`, true)
	res.Body.Close()
	if f := v.wait("typing"); f["on"] != true || f["name"] != "Ann Agent" {
		t.Fatalf("typing: %v", f)
	}
	// The visitor typing shows on the agent's ticket page.
	page := agent.stream(fmt.Sprintf("?ticket=%d", ticket))
	waitEvent(t, page, "hello")
	v.send(map[string]any{"t": "typing", "on": true})
	if ev := waitEvent(t, page, "presence"); ev.data["state"] != "replying" || !strings.Contains(ev.data["name"].(string), "Cleo") {
		t.Fatalf("visitor typing: %v", ev.data)
	}

	// The reply from the composer arrives live, with the agent's name.
	agent.reply(ticket, "Hi Cleo, how can I help?")
	m = msgOf(v.waitFor("msg", func(f map[string]any) bool { return msgOf(f)["from"] == "agent" }))
	if m["body"] != "Hi Cleo, how can I help?" || m["name"] != "Ann Agent" {
		t.Fatalf("agent message: %v", m)
	}
	// Read receipts both ways.
	agentMsg := int64(m["id"].(float64))
	res = agent.do("POST", fmt.Sprintf("/chat/tickets/%d/read", ticket), fmt.Sprintf(`{"entry_id":%d}`, id), true)
	res.Body.Close()
	if f := v.wait("read"); int64(f["id"].(float64)) != id {
		t.Fatalf("read receipt: %v", f)
	}
	v.send(map[string]any{"t": "read", "id": agentMsg})
	deadline := time.Now().Add(5 * time.Second)
	for {
		cs, err := db.ChatSession(ctx, ticket)
		if err != nil {
			t.Fatal(err)
		}
		if cs.VisitorRead == agentMsg {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("visitor read not stored: %+v", cs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Several chats at once: a second visitor gets only their own conversation.
	v2 := newChatVisitor(t, base, "Dan", "")
	v2.connect(0)
	_, ticket2 := v2.say("d1", "Second chat")
	if ticket2 == ticket {
		t.Fatal("second visitor joined the first chat")
	}
	agent.reply(ticket2, "Hello Dan")
	m = msgOf(v2.waitFor("msg", func(f map[string]any) bool { return msgOf(f)["from"] == "agent" }))
	if m["body"] != "Hello Dan" {
		t.Fatalf("second chat: %v", m)
	}
	time.Sleep(200 * time.Millisecond)
	for len(v.frames) > 0 {
		v.pending = append(v.pending, <-v.frames)
	}
	for _, f := range v.pending {
		if f["t"] == "msg" && int64(msgOf(f)["ticket"].(float64)) == ticket2 {
			t.Fatalf("first visitor got the second chat: %v", f)
		}
	}
}

func TestChatReconnectResumesWithoutLossOrDuplicates(t *testing.T) {
	db, _, base := newLiveServer(t)
	agent := newLiveAgent(t, db, base, "ann@example.com", "Ann Agent")
	setAvailable(t, agent)
	v := newChatVisitor(t, base, "Eve", "")
	v.connect(0)
	first, ticket := v.say("e1", "one")
	v.wait("msg")
	v.drop()
	// While the visitor is away: the agent answers twice.
	agent.reply(ticket, "answer 1")
	agent.reply(ticket, "answer 2")
	// The visitor's "two" was sent but the ack was lost: it resends it on
	// reconnect, together with "three".
	v.connect(first)
	got := []string{}
	for len(got) < 2 {
		m := msgOf(v.wait("msg"))
		if int64(m["id"].(float64)) <= first {
			continue // PostgreSQL's look-back resends recent ids; the widget drops ids it has
		}
		got = append(got, m["body"].(string))
	}
	if got[0] != "answer 1" || got[1] != "answer 2" {
		t.Fatalf("missed messages: %v", got)
	}
	two, _ := v.say("e2", "two")
	twoAgain, _ := v.say("e2", "two")
	if two != twoAgain {
		t.Fatalf("resend stored twice: ids %d and %d", two, twoAgain)
	}
	tl, err := db.Timeline(context.Background(), ticket)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range tl {
		if e.Kind == domain.EntryMessage {
			n++
		}
	}
	if n != 4 {
		t.Fatalf("%d messages stored, want 4 (one, answer 1, answer 2, two)", n)
	}
	// A full history reload (last = 0) has each message once.
	v.drop()
	v.connect(0)
	seen := map[float64]bool{}
	for i := 0; i < 4; i++ {
		m := msgOf(v.wait("msg"))
		if seen[m["id"].(float64)] {
			t.Fatalf("duplicate %v", m)
		}
		seen[m["id"].(float64)] = true
	}
}

func TestChatVisitorsAreIsolated(t *testing.T) {
	db, _, base := newLiveServer(t)
	agent := newLiveAgent(t, db, base, "ann@example.com", "Ann Agent")
	setAvailable(t, agent)
	a := newChatVisitor(t, base, "Alice", "")
	a.connect(0)
	_, ticket := a.say("a1", "my secret order 1234")
	file := uploadChatFile(t, base, a, "note.txt", "text/plain", "private")

	// Wrong token for Alice's id: refused, and nothing of hers is sent.
	mallory := &chatVisitor{t: t, base: base, id: a.id, tok: "wrong"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/widget/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"t": "hello", "visitor": mallory.id, "token": mallory.tok})
	_ = ws.Write(ctx, websocket.MessageText, b)
	_, data, err := ws.Read(ctx)
	if err != nil || !strings.Contains(string(data), `"unauthorized"`) || strings.Contains(string(data), "secret") {
		t.Fatalf("wrong token got %q (%v)", data, err)
	}
	if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("socket not closed after a wrong token: %v", err)
	}
	// Another real visitor cannot fetch Alice's file or mark her chat.
	bob := newChatVisitor(t, base, "Bob", "")
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/widget/files/%d", base, file), nil)
	req.Header.Set("X-Visitor-Id", bob.id)
	req.Header.Set("X-Visitor-Token", bob.tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("Bob fetching Alice's file: %d", res.StatusCode)
	}
	req.Header.Set("X-Visitor-Id", a.id)
	req.Header.Set("X-Visitor-Token", "wrong")
	res, _ = http.DefaultClient.Do(req)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong token fetching a file: %d", res.StatusCode)
	}
	// Bob's history is empty even when he claims to have seen nothing.
	bob.connect(0)
	select {
	case f := <-bob.frames:
		t.Fatalf("Bob received %v", f)
	case <-time.After(300 * time.Millisecond):
	}
	agent.reply(ticket, "only for Alice")
	select {
	case f := <-bob.frames:
		t.Fatalf("Bob received %v", f)
	case <-time.After(300 * time.Millisecond):
	}
	// Alice can fetch it, served as a safe download.
	req.Header.Set("X-Visitor-Token", a.tok)
	res, _ = http.DefaultClient.Do(req)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "private" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("Alice's file: %d %q %q", res.StatusCode, body, res.Header.Get("Content-Disposition"))
	}
}

// widgetUpload posts one file to /widget/upload as visitor v, the way the
// widget does (its cid first, then the file).
func widgetUpload(t *testing.T, base string, v *chatVisitor, cid, name, ctype, content string) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("cid", cid)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	h.Set("Content-Type", ctype)
	pw, _ := mw.CreatePart(h)
	_, _ = pw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/widget/upload", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Visitor-Id", v.id)
	req.Header.Set("X-Visitor-Token", v.tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}

func uploadChatFile(t *testing.T, base string, v *chatVisitor, name, ctype, content string) int64 {
	t.Helper()
	status, body := widgetUpload(t, base, v, "f-"+name, name, ctype, content)
	if status != http.StatusCreated {
		t.Fatalf("upload: %d %s", status, body)
	}
	var m domain.ChatMessage
	_ = json.Unmarshal(body, &m)
	if len(m.Files) != 1 {
		t.Fatalf("upload returned %s", body)
	}
	return m.Files[0].ID
}

func TestChatUploadLimits(t *testing.T) {
	_, _, base := newLiveServer(t)
	v := newChatVisitor(t, base, "", "")
	for _, tc := range []struct{ name, ctype, body string }{
		{"page.html", "text/html", "<script>alert(1)</script>"},
		{"big.png", "image/png", strings.Repeat("x", domain.ChatUploadMax+1)},
	} {
		status, _ := widgetUpload(t, base, v, "x", tc.name, tc.ctype, tc.body)
		if status != http.StatusUnprocessableEntity && status != http.StatusBadRequest {
			t.Fatalf("%s accepted: %d", tc.name, status)
		}
	}
}

func TestChatOfflineTakesTicketAndRepliesByEmail(t *testing.T) {
	db, _, base := newLiveServer(t)
	ctx := context.Background()
	res, err := http.Get(base + "/widget/config")
	if err != nil {
		t.Fatal(err)
	}
	var cfg widgetConfigOut
	_ = json.NewDecoder(res.Body).Decode(&cfg)
	res.Body.Close()
	if cfg.Online || cfg.Name == "" || cfg.Color == "" {
		t.Fatalf("config with nobody available: %+v", cfg)
	}
	v := newChatVisitor(t, base, "Fay", "fay@example.com")
	if w := v.connect(0); w["online"] != false {
		t.Fatalf("welcome: %v", w)
	}
	_, ticket := v.say("f1", "Anyone there?")
	if f := v.wait("status"); f["offline"] != true {
		t.Fatalf("status: %v", f)
	}
	agent := newLiveAgent(t, db, base, "ann@example.com", "Ann Agent")
	agent.reply(ticket, "Sorry we missed you: here is the answer.")
	out, err := db.Outbox(ctx, ticket, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].To[0] != "fay@example.com" || !strings.Contains(out[0].Body, "here is the answer") {
		t.Fatalf("reply not queued by email: %+v", out)
	}
	// The chat ends; the visitor asks for the transcript.
	v.send(map[string]any{"t": "end"})
	v.wait("ended")
	b, _ := json.Marshal(map[string]any{"ticket": ticket})
	req, _ := http.NewRequest("POST", base+"/widget/transcript", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Visitor-Id", v.id)
	req.Header.Set("X-Visitor-Token", v.tok)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tr struct{ Status string }
	_ = json.NewDecoder(res.Body).Decode(&tr)
	res.Body.Close()
	// fay@ was only typed into the widget: a confirmation link goes out
	// first (chat_confirm_test.go follows it through), no transcript yet.
	if res.StatusCode != http.StatusAccepted || tr.Status != "confirm" {
		t.Fatalf("transcript: %d %+v", res.StatusCode, tr)
	}
	out, _ = db.Outbox(ctx, ticket, 10)
	for _, o := range out {
		if strings.Contains(o.Subject, "transcript") {
			t.Fatalf("transcript queued to an unproven address: %+v", o)
		}
	}
	// A new message after the end opens a new chat.
	_, ticket2 := v.say("f2", "One more thing")
	if ticket2 == ticket {
		t.Fatal("message after the end went to the ended chat")
	}
}

func TestWidgetScriptSmallAndServed(t *testing.T) {
	if n := len(chat.WidgetJS); n == 0 || n > 30<<10 {
		t.Fatalf("widget.js is %d bytes; budget is 30 KB", n)
	}
	_, _, base := newLiveServer(t)
	res, err := http.Get(base + "/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("GET /widget.js: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if strings.Contains(string(chat.WidgetJS), "innerHTML") {
		t.Fatal("widget.js must build the DOM with textContent, not innerHTML")
	}
}

func TestChatMessageSizeAndRateLimits(t *testing.T) {
	_, _, base := newLiveServer(t)
	v := newChatVisitor(t, base, "Hal", "")
	v.connect(0)
	v.send(map[string]any{"t": "msg", "cid": "big", "body": strings.Repeat("x", domain.MaxChatMessageLen+1)})
	if f := v.waitFor("error", func(f map[string]any) bool { return f["cid"] == "big" }); f["code"] != domain.EInvalid {
		t.Fatalf("oversized message: %v", f)
	}
	// A burst beyond the per-visitor limit is refused, by client id.
	limited := 0
	for i := 0; i < 30; i++ {
		v.send(map[string]any{"t": "msg", "cid": fmt.Sprintf("r%d", i), "body": "spam"})
	}
	for i := 0; i < 30; i++ {
		f := v.waitFor("", func(f map[string]any) bool { return f["t"] == "ack" || f["t"] == "error" })
		if f["t"] == "error" && f["code"] == domain.ERateLimited {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("30 messages at once were all accepted")
	}
}
