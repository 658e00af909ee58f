package keyring_test

import (
	"bytes"
	"os"
	"path/filepath"
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
