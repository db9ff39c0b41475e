package domain

import "testing"

func TestStoredPasswordNeedsRetypingForANewServer(t *testing.T) {
	old := Mailbox{IMAPHost: "imap.acme.test", IMAPPort: 993, IMAPUser: "help", IMAPPasswordSet: true,
		SMTPHost: "smtp.acme.test", SMTPPort: 587, SMTPUser: "help", SMTPPasswordSet: true}
	cases := []struct {
		name   string
		change func(m *Mailbox)
		field  string // "" when allowed
	}{
		{"display name only", func(m *Mailbox) { m.DisplayName = "Care" }, ""},
		{"smtp port", func(m *Mailbox) { m.SMTPPort = 2525 }, "smtp_password"},
		{"smtp host", func(m *Mailbox) { m.SMTPHost = "evil.test" }, "smtp_password"},
		{"smtp user", func(m *Mailbox) { m.SMTPUser = "other" }, "smtp_password"},
		{"imap host", func(m *Mailbox) { m.IMAPHost = "evil.test" }, "imap_password"},
		{"imap port", func(m *Mailbox) { m.IMAPPort = 143 }, "imap_password"},
		{"imap user", func(m *Mailbox) { m.IMAPUser = "x" }, "imap_password"},
		{"smtp port with password", func(m *Mailbox) { m.SMTPPort = 2525; m.SMTPPassword = "pw" }, ""},
		{"imap host with password", func(m *Mailbox) { m.IMAPHost = "new.test"; m.IMAPPassword = "pw" }, ""},
		{"smtp host cleared", func(m *Mailbox) { m.SMTPHost = "" }, ""},
		{"tls mode only", func(m *Mailbox) { m.SMTPTLS = TLSImplicit }, ""},
	}
	for _, c := range cases {
		m := old
		c.change(&m)
		err := CheckCredentialTarget(&old, &m)
		f := ErrorFields(err)
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.field != "" && (err == nil || f[c.field] == "" || ErrorCode(err) != EInvalid):
			t.Errorf("%s: want an invalid error on %s, got %v", c.name, c.field, err)
		}
	}
	// Nothing stored: nothing can leak, any change is fine.
	bare := Mailbox{SMTPHost: "smtp.acme.test", SMTPPort: 587}
	m := bare
	m.SMTPHost = "elsewhere.test"
	if err := CheckCredentialTarget(&bare, &m); err != nil {
		t.Errorf("no stored password, refused: %v", err)
	}
}
