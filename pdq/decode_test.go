package pdq

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// encoded returns img encoded in each format the standard and x/image
// packages can write, keyed by Sniff's format name.
func encoded(tb testing.TB, img image.Image) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	for name, enc := range map[string]func(*bytes.Buffer) error{
		"png":  func(b *bytes.Buffer) error { return png.Encode(b, img) },
		"jpeg": func(b *bytes.Buffer) error { return jpeg.Encode(b, img, &jpeg.Options{Quality: 90}) },
		"gif":  func(b *bytes.Buffer) error { return gif.Encode(b, img, nil) },
		"bmp":  func(b *bytes.Buffer) error { return bmp.Encode(b, img) },
		"tiff": func(b *bytes.Buffer) error { return tiff.Encode(b, img, &tiff.Options{Compression: tiff.Deflate}) },
	} {
		var b bytes.Buffer
		if err := enc(&b); err != nil {
			tb.Fatalf("encode %s: %v", name, err)
		}
		out[name] = b.Bytes()
	}
	for _, name := range []string{"gradient-lossy.webp", "checker-lossless.webp", "radial-alpha.webp"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = data
	}
	return out
}

// TestHashReaderFormats decodes each format and checks the result against
// hashing the decoded pixels directly; lossless formats must reproduce
// the original's hash exactly.
func TestHashReaderFormats(t *testing.T) {
	src := pattern(160, 120)
	want, wantQ := mustHash(t, src)
	for name, data := range encoded(t, src) {
		t.Run(name, func(t *testing.T) {
			format, ok := Sniff(data)
			if !ok || !strings.HasPrefix(name, format) && !strings.HasSuffix(name, "."+format) {
				t.Fatalf("Sniff = %q, %v", format, ok)
			}
			res, err := HashReader(bytes.NewReader(data), Options{}, true)
			if err != nil {
				t.Fatal(err)
			}
			if res.Dihedral == nil || res.Dihedral[Original] != res.Hash {
				t.Fatalf("Dihedral = %v, want the plain hash first", res.Dihedral)
			}
			plain, err := HashReader(bytes.NewReader(data), Options{}, false)
			if err != nil || plain.Dihedral != nil || plain.Hash != res.Hash || plain.Quality != res.Quality {
				t.Fatalf("without dihedral: %+v, %v; with: %+v", plain, err, res)
			}
			// From a file, at an offset: the image starts where the reader is.
			file := filepath.Join(t.TempDir(), "img")
			if err := os.WriteFile(file, append([]byte("junk before"), data...), 0o600); err != nil {
				t.Fatal(err)
			}
			fh, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			if _, err := fh.Seek(int64(len("junk before")), io.SeekStart); err != nil {
				t.Fatal(err)
			}
			if at, err := HashReader(fh, Options{}, false); err != nil || at.Hash != res.Hash {
				t.Fatalf("from a file at an offset: %+v, %v; want %v", at, err, res.Hash)
			}
			stream, err := HashReader(streamOnly{bytes.NewReader(data)}, Options{}, true)
			if err != nil || stream.Hash != res.Hash || *stream.Dihedral != *res.Dihedral || stream.Quality != res.Quality {
				t.Fatalf("from a stream: %+v, %v; from a seeker: %+v", stream, err, res)
			}
			switch name {
			case "png", "bmp", "tiff":
				if res.Hash != want || res.Quality != wantQ || res.Width != 160 || res.Height != 120 {
					t.Errorf("lossless %s: %v q=%d %dx%d, want %v q=%d 160x120", name, res.Hash, res.Quality, res.Width, res.Height, want, wantQ)
				}
			case "jpeg", "gif":
				if d := Distance(res.Hash, want); d > 24 {
					t.Errorf("%s: %d bits from the original", name, d)
				}
			}
		})
	}
}

// streamOnly hides every method but Read, so HashReader cannot seek.
type streamOnly struct{ io.Reader }

func TestSniff(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"},
		{"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", "png"},
		{"GIF87a\x01\x00", "gif"},
		{"GIF89a\x01\x00", "gif"},
		{"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"},
		{"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00", "bmp"},
		{"II*\x00\x08\x00\x00\x00", "tiff"},
		{"MM\x00*\x00\x00\x00\x08", "tiff"},
		{"", ""},
		{"\xff\xd8", ""},                 // too short
		{"RIFF\x24\x00\x00\x00WAVE", ""}, // RIFF but not WebP
		{"BM hello world", ""},           // reserved bytes not zero
		{"GIF90a", ""},
		{"<svg xmlns=", ""},
		{"%PDF-1.7", ""},
		{"\x00\x00\x00\x18ftypheic", ""}, // HEIC is not supported
	}
	for _, tt := range tests {
		got, ok := Sniff([]byte(tt.in))
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Sniff(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestHashReaderErrors(t *testing.T) {
	pngData := encoded(t, pattern(100, 80))["png"]
	if _, err := HashReader(bytes.NewReader(pngData), Options{MaxPixels: 7999}, false); !errors.Is(err, ErrTooLarge) {
		t.Errorf("100x80 with limit 7999: %v, want ErrTooLarge", err)
	}
	if _, err := HashReader(streamOnly{bytes.NewReader(pngData)}, Options{MaxPixels: 7999}, false); !errors.Is(err, ErrTooLarge) {
		t.Errorf("100x80 stream with limit 7999: %v, want ErrTooLarge", err)
	}
	if _, err := HashReader(bytes.NewReader(pngData), Options{MaxPixels: 8000}, false); err != nil {
		t.Errorf("100x80 with limit 8000: %v", err)
	}
	if _, err := HashReader(strings.NewReader("just some text, not an image"), Options{}, false); !errors.Is(err, ErrUnsupported) {
		t.Errorf("text: %v, want ErrUnsupported", err)
	}
	if _, err := HashReader(streamOnly{strings.NewReader("GIF8")}, Options{}, false); !errors.Is(err, ErrUnsupported) {
		t.Errorf("short stream: %v, want ErrUnsupported", err)
	}
	// An endless stream behind a header must not be buffered without end.
	endless := io.MultiReader(bytes.NewReader([]byte("II*\x00\xff\xff\xff\x7f")), zeros{})
	if _, err := HashReader(endless, Options{MaxPixels: 1 << 10}, false); !errors.Is(err, ErrTooLarge) {
		t.Errorf("endless TIFF stream: %v, want ErrTooLarge", err)
	}
	if _, err := HashReader(strings.NewReader(""), Options{}, false); !errors.Is(err, ErrUnsupported) {
		t.Errorf("empty: %v, want ErrUnsupported", err)
	}
	// A header promising 60000×60000 pixels must be refused from the header
	// alone, before anything is allocated for it.
	huge := pngHeader(60000, 60000)
	if _, err := HashReader(bytes.NewReader(huge), Options{}, false); !errors.Is(err, ErrTooLarge) {
		t.Errorf("60000x60000 header: %v, want ErrTooLarge", err)
	}
	// Truncated files are errors. BMP has no structure to notice a short
	// tail by; TIFF's tail may be data that no entry points to.
	for name, data := range encoded(t, pattern(100, 80)) {
		for _, cut := range []int{len(data) / 3, len(data) - 10} {
			_, err := HashReader(bytes.NewReader(data[:cut]), Options{}, false)
			lenient := name == "bmp" || name == "tiff" && cut > len(data)/3
			if err == nil && !lenient {
				t.Errorf("%s truncated to %d of %d bytes: no error", name, cut, len(data))
			}
		}
	}
	if _, err := HashFile(filepath.Join(t.TempDir(), "missing.jpg"), Options{}, false); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// zeros is an endless stream of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// pngHeader returns a PNG signature and a valid IHDR chunk for w×h, 8-bit
// RGB, with no image data.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// TestModesAgree: the bridge photo saved in other colour modes and
// containers (CMYK and YCCK JPEG, grey, palette, WebP...) hashes within a
// few bits of the original; the CMYK file in particular.
func TestModesAgree(t *testing.T) {
	dir := filepath.Join(mustSharedDir(t), "data", "misc-images", "modes")
	orig, err := HashFile(filepath.Join(dir, "original.jpg"), Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	cmyk, err := HashFile(filepath.Join(dir, "CMYK.jpg"), Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if d := Distance(orig.Hash, cmyk.Hash); d > 4 {
		t.Errorf("CMYK.jpg: %d bits from original.jpg", d)
	}
}

// TestHashFileIgnoresExtension: the decoder follows the content, so a PNG
// named .jpg hashes as a PNG, and a text file named .png is unsupported.
func TestHashFileIgnoresExtension(t *testing.T) {
	dir := t.TempDir()
	src := pattern(90, 70)
	want, _ := HashImage(src)
	misnamed := filepath.Join(dir, "really-a-png.jpg")
	if err := os.WriteFile(misnamed, encoded(t, src)["png"], 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := HashFile(misnamed, Options{}, false)
	if err != nil || res.Hash != want || res.Width != 90 || res.Height != 70 {
		t.Errorf("PNG named .jpg: %+v, %v; want %v 90x70", res, err, want)
	}
	text := filepath.Join(dir, "notes.png")
	if err := os.WriteFile(text, []byte("not an image at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := HashFile(text, Options{}, false); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), text) {
		t.Errorf("text named .png: %v, want ErrUnsupported naming the file", err)
	}
}
