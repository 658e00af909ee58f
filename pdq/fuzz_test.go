package pdq

import (
	"bytes"
	"image"
	"strings"
	"testing"
)

// fuzzMaxPixels keeps fuzzed images small so one input cannot exhaust memory.
const fuzzMaxPixels = 1 << 20

// FuzzHashReader feeds arbitrary bytes to the decode-and-hash path: it must
// return an error or a sane result, never panic or hang.
func FuzzHashReader(f *testing.F) {
	for _, img := range []image.Image{pattern(20, 14), greyPattern(9, 6), pattern(3, 40)} {
		for _, data := range encoded(f, img) {
			f.Add(data)
			f.Add(data[:len(data)/2])
		}
	}
	f.Add([]byte("GIF89a"))
	f.Add(pngHeader(1, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := Options{MaxPixels: fuzzMaxPixels}
		res, err := HashReader(bytes.NewReader(data), opt, true)
		stream, serr := HashReader(streamOnly{bytes.NewReader(data)}, opt, true)
		if (err == nil) != (serr == nil) || err == nil && (stream.Hash != res.Hash || stream.Quality != res.Quality) {
			t.Fatalf("seeker: %+v, %v; stream: %+v, %v", res, err, stream, serr)
		}
		if err != nil {
			if res != (Result{}) {
				t.Fatalf("error %v with a non-zero result %+v", err, res)
			}
			return
		}
		if res.Width <= 0 || res.Height <= 0 || int64(res.Width)*int64(res.Height) > fuzzMaxPixels {
			t.Fatalf("dimensions %dx%d", res.Width, res.Height)
		}
		if res.Quality < 0 || res.Quality > 100 {
			t.Fatalf("quality %d", res.Quality)
		}
		if res.Dihedral == nil || res.Dihedral[Original] != res.Hash {
			t.Fatalf("dihedral %v, hash %v", res.Dihedral, res.Hash)
		}
		if n := Distance(res.Hash, Hash{}); n > 128 {
			t.Fatalf("%d bits set; the median threshold allows at most 128", n)
		}
	})
}

// FuzzParseHash: whatever ParseHash accepts prints back as its input in
// lower case, and whatever it rejects gets an error, not a zero hash.
func FuzzParseHash(f *testing.F) {
	f.Add("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	f.Add("D8F8F0CEE0F4A84F0637022A078F67F0B36E2ED596621E1D33E6339C4E9C9B22")
	f.Add("not a hash")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHash(s)
		if err != nil {
			if h != (Hash{}) {
				t.Fatalf("error %v with hash %v", err, h)
			}
			return
		}
		if got := h.String(); got != strings.ToLower(s) {
			t.Fatalf("ParseHash(%q).String() = %q", s, got)
		}
	})
}
