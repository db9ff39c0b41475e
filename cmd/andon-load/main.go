// Command andon-load is the live-chat load generator: it holds N visitor
// WebSockets against a running `andon serve`, sends messages at a fixed total
// rate, follows the agent's workspace event stream, and reports
// visitor→agent delivery latency (send → the agent's /events announces the
// entry) and the server's memory per connection (from -pid's RSS).
//
//	andon-load -url http://127.0.0.1:8080 -email agent@example.com -password ... -n 10000 -rate 1000 -duration 30s -pid $(pgrep -n andon)
//
// Run the server and this tool as separate processes. Each connection uses
// its own X-Forwarded-For address, so run the server on loopback (the
// per-address limits then see many addresses, as behind a load balancer).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "andon-load:", err)
		os.Exit(1)
	}
}

type visitor struct {
	id, token string
	ws        *websocket.Conn
	mu        sync.Mutex
}

type results struct {
	mu     sync.Mutex
	sentAt map[string]time.Time
	idOf   map[int64]string
	gotAt  map[int64]time.Time
	acked  int
	errs   int
}

func run() error {
	base := flag.String("url", "http://127.0.0.1:8080", "Andon base URL")
	email := flag.String("email", "", "agent email (the agent follows /events)")
	password := flag.String("password", "", "agent password")
	n := flag.Int("n", 1000, "visitor connections")
	rate := flag.Int("rate", 500, "messages per second, all visitors together")
	dur := flag.Duration("duration", 20*time.Second, "measured sending time")
	pid := flag.Int("pid", 0, "server process id, for memory per connection")
	flag.Parse()
	ctx := context.Background()

	jar, _ := cookiejar.New(nil)
	agent := &http.Client{Jar: jar}
	res, err := agent.PostForm(*base+"/login", url.Values{"email": {*email}, "password": {*password}})
	if err != nil {
		return err
	}
	res.Body.Close()
	page, err := agent.Get(*base + "/")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	m := regexp.MustCompile(`name="csrf-token" content="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		return errors.New("login failed (no CSRF token on the inbox page)")
	}
	req, _ := http.NewRequest("POST", *base+"/chat/status", strings.NewReader(`{"status":"available"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", string(m[1]))
	if res, err = agent.Do(req); err != nil {
		return err
	}
	res.Body.Close()

	r := &results{sentAt: map[string]time.Time{}, idOf: map[int64]string{}, gotAt: map[int64]time.Time{}}
	if err := follow(agent, *base, r); err != nil {
		return err
	}
	rssBefore := rss(*pid)
	vs := make([]*visitor, *n)
	start := time.Now()
	for i := range vs {
		v, err := connect(ctx, *base, i, r)
		if err != nil {
			return fmt.Errorf("visitor %d: %w", i, err)
		}
		vs[i] = v
	}
	time.Sleep(2 * time.Second)
	fmt.Printf("%d connections open in %v\n", *n, time.Since(start).Round(time.Millisecond))
	if *pid > 0 {
		fmt.Printf("server RSS %d MB → %d MB: %.1f KB per connection\n", rssBefore>>20, rss(*pid)>>20, float64(rss(*pid)-rssBefore)/float64(*n)/1024)
	}

	send := func(v *visitor, cid string, measure bool) {
		b, _ := json.Marshal(map[string]string{"t": "msg", "cid": cid, "body": "load " + cid})
		if measure {
			r.mu.Lock()
			r.sentAt[cid] = time.Now()
			r.mu.Unlock()
		}
		v.mu.Lock()
		_ = v.ws.Write(ctx, websocket.MessageText, b)
		v.mu.Unlock()
	}
	// Warm-up: every visitor opens a chat (a ticket each), unmeasured.
	warm := time.NewTicker(time.Second / time.Duration(*rate))
	for i, v := range vs {
		<-warm.C
		send(v, "w"+strconv.Itoa(i), false)
	}
	warm.Stop()
	time.Sleep(3 * time.Second)

	total := int(dur.Seconds() * float64(*rate))
	tick := time.NewTicker(time.Second / time.Duration(*rate))
	start = time.Now()
	for i := 0; i < total; i++ {
		<-tick.C
		send(vs[i%len(vs)], "m"+strconv.Itoa(i), true)
	}
	tick.Stop()
	took := time.Since(start)
	time.Sleep(5 * time.Second)

	r.mu.Lock()
	defer r.mu.Unlock()
	var lat []time.Duration
	for id, cid := range r.idOf {
		s, ok1 := r.sentAt[cid]
		g, ok2 := r.gotAt[id]
		if ok1 && ok2 {
			lat = append(lat, g.Sub(s))
		}
	}
	if len(lat) == 0 {
		return errors.New("no message measured")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[int(float64(len(lat)-1)*q)].Round(100 * time.Microsecond) }
	fmt.Printf("%d messages in %v (%.0f msg/s), %d measured, %d errors\n", total, took.Round(time.Millisecond), float64(total)/took.Seconds(), len(lat), r.errs)
	fmt.Printf("visitor→agent latency: p50 %v  p90 %v  p99 %v  max %v\n", p(0.5), p(0.9), p(0.99), lat[len(lat)-1].Round(100*time.Microsecond))
	return nil
}

// fakeAddr gives visitor i its own address for the per-address limits.
func fakeAddr(i int) string { return fmt.Sprintf("10.%d.%d.%d", (i>>16)&255, (i>>8)&255, i&255) }

func connect(ctx context.Context, base string, i int, r *results) (*visitor, error) {
	hdr := http.Header{"X-Forwarded-For": {fakeAddr(i)}}
	req, _ := http.NewRequest("POST", base+"/widget/visitors", bytes.NewReader([]byte(`{"name":"Load `+strconv.Itoa(i)+`"}`)))
	req.Header = hdr.Clone()
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	var reg struct{ Visitor, Token string }
	err = json.NewDecoder(res.Body).Decode(&reg)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("register: %d %v", res.StatusCode, err)
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/widget/ws", &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		return nil, err
	}
	v := &visitor{id: reg.Visitor, token: reg.Token, ws: ws}
	b, _ := json.Marshal(map[string]any{"t": "hello", "visitor": v.id, "token": v.token})
	if err := ws.Write(dctx, websocket.MessageText, b); err != nil {
		return nil, err
	}
	go func() {
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			var f struct {
				T   string `json:"t"`
				CID string `json:"cid"`
				ID  int64  `json:"id"`
			}
			_ = json.Unmarshal(b, &f)
			switch f.T {
			case "ack":
				r.mu.Lock()
				r.idOf[f.ID] = f.CID
				r.acked++
				r.mu.Unlock()
			case "error":
				r.mu.Lock()
				r.errs++
				r.mu.Unlock()
			}
		}
	}()
	return v, nil
}

// follow reads the agent's workspace stream, noting when each entry is announced.
func follow(agent *http.Client, base string, r *results) error {
	res, err := agent.Get(base + "/events")
	if err != nil {
		return err
	}
	if res.StatusCode != 200 {
		return fmt.Errorf("GET /events: %d", res.StatusCode)
	}
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "data: ") || !strings.Contains(line, `"entry.created"`) {
				continue
			}
			var c struct {
				EntryID int64 `json:"entry_id"`
			}
			if json.Unmarshal([]byte(line[6:]), &c) == nil {
				r.mu.Lock()
				r.gotAt[c.EntryID] = time.Now()
				r.mu.Unlock()
			}
		}
	}()
	return nil
}

// rss is a process's resident memory in bytes (Linux), 0 if unknown.
func rss(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
