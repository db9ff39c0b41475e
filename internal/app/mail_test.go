package app

import (
	"context"
	"io"
	"net/http"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

// A message to the inbound SMTP listener of a running andon becomes a
// ticket and is counted in the mail metrics.
func TestServeCountsInboundMail(t *testing.T) {
	tg := newTarget(t)
	addr, smtpAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan error, 1)
	metricsAddr := freeAddr(t)
	args := append([]string{"serve", "--http-addr", addr, "--metrics-addr", metricsAddr, "--smtp-addr", smtpAddr, "--base-url", "http://help.acme.test"}, tg.flags()...)
	go func() { done <- Run(ctx, args, noEnv, strings.NewReader(""), &out, &errb) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	base := "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if i > 600 {
			t.Fatalf("serve did not start: %s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	msg := "From: Ann <ann@example.com>\r\nTo: support@help.acme.test\r\nSubject: Hello\r\nMessage-ID: <m-1@example.com>\r\n\r\nHi there.\r\n"
	if err := smtp.SendMail(smtpAddr, nil, "ann@example.com", []string{"support@help.acme.test"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	want := `andon_mail_messages_total{direction="in",outcome="received"} 1`
	var body string
	for i := 0; i < 100 && !strings.Contains(body, want); i++ {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(body, want) {
		t.Fatalf("metrics lack %s", want)
	}
}
