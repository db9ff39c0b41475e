package mail_test

import (
	"os"
	"path/filepath"
	"testing"

	"andon/internal/mail"
)

func TestBoxKeyFileAndSecret(t *testing.T) {
	dir := t.TempDir()
	a, err := mail.NewBox("", dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	sealed, err := a.Seal("hunter2")
	if err != nil || sealed == "hunter2" || sealed == "" {
		t.Fatalf("seal: %q %v", sealed, err)
	}
	// A restart reads the same key file and can open old values.
	b, _ := mail.NewBox("", dir)
	if pt, err := b.Open(sealed); err != nil || pt != "hunter2" {
		t.Errorf("reopen: %q %v", pt, err)
	}
	// A different ANDON_SECRET_KEY cannot.
	c, _ := mail.NewBox("another key", dir)
	if _, err := c.Open(sealed); err == nil {
		t.Error("opened with the wrong key")
	}
	if s2, _ := a.Seal("hunter2"); s2 == sealed {
		t.Error("sealing is deterministic (nonce reuse)")
	}
}
