package scan

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"hash"
	"os"
	"path/filepath"
	"testing"

	"safeguard/pdq"
)

// BenchmarkDigest measures each digest alone on one core: the limit any
// exact hashing of the same bytes runs into (bench/scan.sh prints it).
func BenchmarkDigest(b *testing.B) {
	buf := make([]byte, chunkSize)
	for i := range buf {
		buf[i] = byte(i)
	}
	for _, d := range []struct {
		name string
		new  func() hash.Hash
	}{{"md5", md5.New}, {"sha1", sha1.New}, {"sha256", sha256.New}} {
		b.Run(d.name, func(b *testing.B) {
			h := d.new()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				h.Write(buf)
			}
		})
	}
}

// BenchmarkFile measures a worker hashing one 64 MiB file (from the page
// cache) with all three digests, sequentially and in parallel chunks.
func BenchmarkFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "f")
	data := make([]byte, 64<<20)
	for i := range data {
		data[i] = byte(i * 31)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	h := newHasher(pdq.Options{}, exactOnly)
	defer h.close()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := h.file(path); err != nil {
			b.Fatal(err)
		}
	}
}
