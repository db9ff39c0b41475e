package mail_test

import (
	"bytes"
	"fmt"
	"net"
	"testing"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
)

// imapLogin signs in to the test IMAP server as "support".
func imapLogin(t *testing.T, host string, port int) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(fmt.Sprintf("%s:%d", host, port), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login("support", "imap-pw").Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// imapDeliverer returns a function that appends a raw message (with optional
// flags, e.g. \Seen) to the INBOX of c, as an MTA would deliver it.
func imapDeliverer(t *testing.T, c *imapclient.Client) func(raw []byte, flags ...goimap.Flag) {
	return func(raw []byte, flags ...goimap.Flag) {
		t.Helper()
		var opts *goimap.AppendOptions
		if len(flags) > 0 {
			opts = &goimap.AppendOptions{Flags: flags}
		}
		cmd := c.Append("INBOX", int64(len(raw)), opts)
		cmd.Write(raw)
		cmd.Close()
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// sendMail speaks plain SMTP (the loopback listener offers no TLS).
func sendMail(addr, from string, to []string, raw []byte) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.SendMail(from, to, bytes.NewReader(raw))
}
