package mail_test

import (
	"bytes"
	"net"

	"github.com/emersion/go-smtp"
)

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
