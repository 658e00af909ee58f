// Package keyring seals personal data with AES-256-GCM and computes keyed
// blind indexes (HMAC-SHA-256) for equality lookups. It holds the only copy
// of the data key in memory and must never log, print or store it.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"os"
	"strings"
	"sync"

	"safeguard"
)

// KeySize is the size of a data key in bytes.
const KeySize = 32

// version prefixes every ciphertext so keys can be rotated later.
const version byte = 1

// Keyring implements safeguard.Sealer with keys derived from one data key:
// one for encryption, one for blind indexes, so neither reveals the other.
type Keyring struct {
	aead     cipher.AEAD
	indexKey []byte
	// macs holds HMACs under indexKey, reset between uses: a new HMAC
	// hashes the key twice before the first byte of the value.
	macs sync.Pool
}

var _ safeguard.Sealer = (*Keyring)(nil)

// New returns a keyring for a 32-byte data key.
func New(key []byte) (*Keyring, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("data key is %d bytes, want %d", len(key), KeySize)
	}
	encKey, err := hkdf.Key(sha256.New, key, nil, "safeguard/encrypt/v1", KeySize)
	if err != nil {
		return nil, err
	}
	idxKey, err := hkdf.Key(sha256.New, key, nil, "safeguard/blind-index/v1", KeySize)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	k := &Keyring{aead: aead, indexKey: idxKey}
	k.macs.New = func() any { return hmac.New(sha256.New, k.indexKey) }
	return k, nil
}

// Seal encrypts plaintext with a random nonce, binding it to context as
// additional data so a value cannot be moved to another column unnoticed.
func (k *Keyring) Seal(plaintext []byte, context string) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize(), 1+k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{version}, nonce...)
	return k.aead.Seal(out, nonce, plaintext, []byte(context)), nil
}

// Open decrypts a value sealed with the same key and context.
func (k *Keyring) Open(ciphertext []byte, context string) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(ciphertext) < 1+n+k.aead.Overhead() || ciphertext[0] != version {
		return nil, errors.New("keyring: malformed ciphertext")
	}
	pt, err := k.aead.Open(nil, ciphertext[1:1+n], ciphertext[1+n:], []byte(context))
	if err != nil {
		return nil, errors.New("keyring: cannot decrypt (wrong key or tampered value)")
	}
	return pt, nil
}

// BlindIndex returns HMAC-SHA-256(kind || 0 || normalized) under the index key.
func (k *Keyring) BlindIndex(kind, normalized string) []byte {
	m := k.macs.Get().(hash.Hash)
	defer k.macs.Put(m)
	m.Reset()
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(normalized))
	return m.Sum(nil)
}

// NewKey returns a fresh random data key.
func NewKey() []byte {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return key
}

// LoadFile reads a data key written by WriteFile: base64 text of 32 bytes.
// It refuses a key file that others can read.
func LoadFile(path string) (*Keyring, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	} else if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s has mode %04o: others may read it (chmod 600)", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("key file %s: not base64: %v", path, err)
	}
	return New(key)
}

// WriteFile writes a fresh data key to path with mode 0600, refusing to
// overwrite an existing file.
func WriteFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(NewKey()) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// LoadOrCreateFile loads the key at path, creating it first if missing.
func LoadOrCreateFile(path string) (*Keyring, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := WriteFile(path); err != nil {
			return nil, err
		}
	}
	return LoadFile(path)
}
