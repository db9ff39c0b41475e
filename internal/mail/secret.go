// Package mail is Andon's email channel. Sub-packages: ingest (raw message →
// ticket entry), smtpd (inbound SMTP listener), imap (poller), outbox
// (durable sender) and render (markdown → branded HTML + text). This package
// holds what they share: the secret box for stored credentials and the
// mailbox admin service.
package mail

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Box seals and opens stored credentials with AES-256-GCM.
type Box struct{ aead cipher.AEAD }

// NewBox derives the key from secret (ANDON_SECRET_KEY), or, when secret is
// empty, from a random key file created in dataDir with mode 0600.
func NewBox(secret, dataDir string) (*Box, error) {
	if secret == "" {
		if dataDir == "" {
			return nil, errors.New("secret key: need ANDON_SECRET_KEY or a data dir")
		}
		k, err := loadOrCreateKeyFile(filepath.Join(dataDir, "secret.key"))
		if err != nil {
			return nil, err
		}
		secret = k
	}
	key := sha256.Sum256([]byte(secret))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

func loadOrCreateKeyFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read key file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	k := hex.EncodeToString(raw)
	// O_EXCL: two nodes starting at once must not overwrite each other's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadOrCreateKeyFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("create key file: %w", err)
	}
	if _, err := f.WriteString(k + "\n"); err != nil {
		f.Close()
		return "", err
	}
	return k, f.Close()
}

// Seal encrypts plaintext; "" stays "" (no secret stored).
func (b *Box) Seal(plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return "v1:" + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal.
func (b *Box) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", errors.New("secret: malformed value")
	}
	n := b.aead.NonceSize()
	pt, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", errors.New("secret: cannot decrypt (wrong ANDON_SECRET_KEY?)")
	}
	return string(pt), nil
}
