package keyring_test

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"safeguard/keyring"
)

func TestSealOpen(t *testing.T) {
	k, err := keyring.New(keyring.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	ct, err := k.Seal([]byte("Fictional Person Zebedee"), "subject.name")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("Zebedee")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	got, err := k.Open(ct, "subject.name")
	if err != nil || string(got) != "Fictional Person Zebedee" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(ct, "subject.address"); err == nil {
		t.Fatal("Open with another context succeeded")
	}
	ct[len(ct)-1] ^= 1
	if _, err := k.Open(ct, "subject.name"); err == nil {
		t.Fatal("Open of a tampered value succeeded")
	}
	ct2, _ := k.Seal([]byte("Fictional Person Zebedee"), "subject.name")
	if bytes.Equal(ct2[:20], ct[:20]) {
		t.Fatal("two seals of one value share a nonce")
	}
}

func TestBlindIndex(t *testing.T) {
	k1, _ := keyring.New(keyring.NewKey())
	k2, _ := keyring.New(keyring.NewKey())
	a := k1.BlindIndex("email", "a@example.com")
	if !bytes.Equal(a, k1.BlindIndex("email", "a@example.com")) {
		t.Fatal("blind index not deterministic")
	}
	if bytes.Equal(a, k1.BlindIndex("phone", "a@example.com")) {
		t.Fatal("blind index ignores kind")
	}
	if bytes.Equal(a, k2.BlindIndex("email", "a@example.com")) {
		t.Fatal("blind index does not depend on the key")
	}
}

// TestBlindIndex_Formula pins the blind index to HMAC-SHA-256 under the
// key derived for indexes, so stored indexes stay findable whatever the
// keyring does to compute them faster, and checks that concurrent and
// repeated uses (the keyring reuses its HMACs) give the same answers.
func TestBlindIndex_Formula(t *testing.T) {
	key := bytes.Repeat([]byte{7}, keyring.KeySize)
	k, err := keyring.New(key)
	if err != nil {
		t.Fatal(err)
	}
	idxKey, err := hkdf.Key(sha256.New, key, nil, "safeguard/blind-index/v1", keyring.KeySize)
	if err != nil {
		t.Fatal(err)
	}
	want := func(kind, v string) []byte {
		m := hmac.New(sha256.New, idxKey)
		m.Write([]byte(kind + "\x00" + v))
		return m.Sum(nil)
	}
	values := []string{"", "a@example.com", "+447700900123", strings.Repeat("x", 200)}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				v := values[(g+i)%len(values)]
				if got := k.BlindIndex("email", v); !bytes.Equal(got, want("email", v)) {
					t.Errorf("BlindIndex(email, %q) = %x, want %x", v, got, want("email", v))
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	k1, err := keyring.LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Fatalf("key file mode = %04o, want 0600", got)
	}
	k2, err := keyring.LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := k1.Seal([]byte("x"), "c")
	if _, err := k2.Open(ct, "c"); err != nil {
		t.Fatal("reloaded key cannot open: ", err)
	}
	if err := keyring.WriteFile(path); err == nil {
		t.Fatal("WriteFile overwrote an existing key")
	}
	os.Chmod(path, 0o644)
	if _, err := keyring.LoadFile(path); err == nil {
		t.Fatal("LoadFile accepted a world-readable key")
	}
	if _, err := keyring.New([]byte("short")); err == nil {
		t.Fatal("New accepted a short key")
	}
}
