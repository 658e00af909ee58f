package pdq

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// benchPhoto is the 1600×1004 bridge photo the reference's figures are for.
const benchPhoto = "data/bridge-mods/aaa-orig.jpg"

func mustDecodeFile(tb testing.TB, path string) image.Image {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// BenchmarkHashImage measures hashing after decode (resize, luminance,
// filter, DCT, threshold), the part the reference times as "hash".
func BenchmarkHashImage(b *testing.B) {
	img := mustDecodeFile(b, filepath.Join(mustSharedDir(b), benchPhoto))
	b.ReportAllocs()
	for b.Loop() {
		HashImage(img)
	}
}

// BenchmarkHashImageDihedral is BenchmarkHashImage with all eight hashes.
func BenchmarkHashImageDihedral(b *testing.B) {
	img := mustDecodeFile(b, filepath.Join(mustSharedDir(b), benchPhoto))
	b.ReportAllocs()
	for b.Loop() {
		HashImageDihedral(img)
	}
}

// BenchmarkHashFile measures end to end: open, sniff, decode, hash.
func BenchmarkHashFile(b *testing.B) {
	path := filepath.Join(mustSharedDir(b), benchPhoto)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HashFile(path, Options{}, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeJPEG measures the JPEG decode alone, as HashFile does it
// (with the turbojpeg tag: libjpeg-turbo, scaled).
func BenchmarkDecodeJPEG(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(mustSharedDir(b), benchPhoto))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jpegDecode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
