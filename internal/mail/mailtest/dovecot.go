package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Dovecot is a throwaway IMAP server on a loopback port.
type Dovecot struct {
	Host string
	Port int
	Dir  string
	// TLSPort is the IMAPS (implicit TLS) port when started with TLS; Port
	// then also offers STARTTLS.
	TLSPort int
}

// StartDovecotTLS is StartDovecot with TLS on: a self-signed certificate
// for 127.0.0.1, trusted by the returned pool.
func StartDovecotTLS(t testing.TB, users map[string]string) (*Dovecot, *x509.CertPool) {
	t.Helper()
	var pool *x509.CertPool
	d := startDovecot(t, users, func(dir string) string {
		var cert, key string
		pool, cert, key = selfSigned(t, dir)
		return fmt.Sprintf("ssl = yes\nssl_cert = <%s\nssl_key = <%s\n", cert, key)
	})
	return d, pool
}

// StartDovecot runs /usr/sbin/dovecot in the foreground with a config in a
// temp dir: maildir storage, plain-text passwords for users (user → pass).
// Skips when dovecot is missing (fails on CI).
func StartDovecot(t testing.TB, users map[string]string) *Dovecot {
	t.Helper()
	return startDovecot(t, users, nil)
}

func startDovecot(t testing.TB, users map[string]string, withTLS func(dir string) string) *Dovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		bin = "/usr/sbin/dovecot"
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("dovecot is required on CI")
		}
		t.Skip("dovecot not installed")
	}
	// Dovecot drops privileges to "nobody" for mail access: the dir chain
	// must be traversable by it, which t.TempDir (0700) is not.
	dir, err := os.MkdirTemp("", "andon-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, d := range []string{"run", "state", "mail", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.Chmod(dir, 0o755)
	mailUser := "nobody"
	if os.Geteuid() == 0 {
		for _, d := range []string{"mail", "home"} {
			_ = os.Chown(filepath.Join(dir, d), 65534, 65534)
		}
	} else {
		mailUser = ""
	}
	var pw strings.Builder
	for u, p := range users {
		fmt.Fprintf(&pw, "%s:{PLAIN}%s\n", u, p)
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(pw.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	port, tlsPort, ssl := freePort(t), 0, "ssl = no\n"
	if withTLS != nil {
		tlsPort, ssl = freePort(t), withTLS(dir)
	}
	userdb := "home=" + dir + "/home/%u"
	if mailUser != "" {
		userdb = "uid=" + mailUser + " gid=nogroup " + userdb
	}
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
%[4]sdisable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:%[1]s/mail/%%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = static
  args = %[3]s
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[5]d
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
`, dir, port, userdb, ssl, tlsPort)
	cfgPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(cfgPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-F", "-c", cfgPath)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM lets the master stop its own children.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if i > 100 {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot did not start: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &Dovecot{Host: "127.0.0.1", Port: port, Dir: dir, TLSPort: tlsPort}
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t testing.TB, dir string) (*x509.CertPool, string, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "andon test imap"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool, certPath, keyPath
}
