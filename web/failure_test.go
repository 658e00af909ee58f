package web_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/web"
)

// TestDatabaseDown: with the database gone, a page and an API call each get
// a clear error with the request id, and the log names the request.
func TestDatabaseDown(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	tok := e.MustToken(t, safeguard.RoleAnalyst)
	e.DB.Close()

	page := b.Get("/queue")
	id := page.Header.Get("X-Request-Id")
	if page.StatusCode < 500 || !strings.Contains(page.Body, id) || strings.Contains(page.Body, "sql:") {
		t.Errorf("page with the database down: %d\n%s", page.StatusCode, page.Body)
	}
	if !strings.Contains(e.LogText(), id) {
		t.Errorf("no log line with request id %s", id)
	}
	api := e.API(t, "GET", "/api/v1/subjects", tok, nil)
	if api.StatusCode < 500 || !strings.Contains(api.Body, `"request_id": "`+api.Header.Get("X-Request-Id")+`"`) {
		t.Errorf("API with the database down: %d %s", api.StatusCode, api.Body)
	}
	if got := b.Get("/healthz").StatusCode; got != 503 {
		t.Errorf("healthz with the database down: %d", got)
	}
}

// TestPanicIsRecovered: a panic becomes a 500 naming the request id, and
// the server goes on serving.
func TestPanicIsRecovered(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t, EnvOptions{Edit: func(s *web.Services) {
		s.Ping = func(context.Context) error { panic("boom in a handler") }
	}})
	b := e.NewBrowser(t)
	resp := b.Get("/healthz")
	id := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != 500 || !strings.Contains(resp.Body, id) || strings.Contains(resp.Body, "boom") {
		t.Errorf("panic: %d\n%s", resp.StatusCode, resp.Body)
	}
	if log := e.LogText(); !strings.Contains(log, "boom in a handler") || !strings.Contains(log, id) {
		t.Errorf("panic not logged with its request id:\n%s", log)
	}
	if got := b.Get("/login").StatusCode; got != 200 {
		t.Errorf("after a panic: %d", got)
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeSelfSigned(t, cert, key)
	e := MustOpenEnv(t, EnvOptions{Config: web.Config{TLSCertFile: cert, TLSKeyFile: key}})
	if !strings.HasPrefix(e.URL, "https://127.0.0.1:") {
		t.Fatalf("URL = %q", e.URL)
	}
	b := e.NewBrowser(t)
	b.Client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	resp := b.Get("/login")
	if resp.ProtoMajor != 2 {
		t.Errorf("over TLS the protocol is %s, want HTTP/2", resp.Proto)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("over TLS: %d HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	for _, c := range resp.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s is not Secure over TLS", c.Name)
		}
	}
	if _, err := web.NewServer(web.Config{TLSCertFile: cert}, e.Svc, nil); err == nil {
		t.Errorf("a certificate without a key was accepted")
	}
}

func TestGracefulClose(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Server.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(e.URL + "/healthz"); err == nil {
		t.Errorf("server still answers after Close")
	}
}

func writeSelfSigned(tb testing.TB, certPath, keyPath string) {
	tb.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "safeguard.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		tb.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		tb.Fatal(err)
	}
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}
