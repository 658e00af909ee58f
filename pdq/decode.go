package pdq

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/png"
	"io"
	"math"
	"os"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// DefaultMaxPixels is the pixel limit used when Options.MaxPixels is 0.
const DefaultMaxPixels = 100_000_000

var (
	// ErrTooLarge is returned, wrapped with the dimensions, for an image
	// with more pixels than the limit; nothing of it has been decoded.
	ErrTooLarge = errors.New("pdq: image too large")
	// ErrUnsupported is returned, wrapped, for content that is not one of
	// the supported image formats.
	ErrUnsupported = errors.New("pdq: unsupported image format")
)

// Options control decoding of untrusted input.
type Options struct {
	// MaxPixels is the largest width×height that will be decoded;
	// 0 means DefaultMaxPixels.
	MaxPixels int64
}

func (o Options) maxPixels() int64 {
	if o.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return o.MaxPixels
}

// Result is the outcome of hashing one file.
type Result struct {
	Hash    Hash
	Quality int // 0 to 100; do not match hashes under 50
	// Width and Height are the decoded image's, before any resizing.
	Width, Height int
	// Dihedral holds the eight dihedral hashes; non-nil only when asked.
	Dihedral *Dihedral
}

// format is one supported container: its sniffed name and decoders.
type format struct {
	name   string
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var formats = []format{
	{"jpeg", jpegConfig, jpegDecode},
	{"png", png.DecodeConfig, png.Decode},
	{"gif", gif.DecodeConfig, gif.Decode}, // gif.Decode returns the first frame
	{"webp", webp.DecodeConfig, webp.Decode},
	{"bmp", bmp.DecodeConfig, bmp.Decode},
	{"tiff", tiff.DecodeConfig, tiff.Decode},
}

// sniffLen is how many leading bytes Sniff needs to recognise every format.
const sniffLen = 12

// Sniff reports which supported image format the content starting with
// header is, by magic bytes alone: "jpeg", "png", "gif", "webp", "bmp" or
// "tiff". It needs the first 12 bytes to recognise WebP, fewer for others.
func Sniff(header []byte) (format string, ok bool) {
	has := func(prefix string) bool { return bytes.HasPrefix(header, []byte(prefix)) }
	switch {
	case has("\xff\xd8\xff"):
		return "jpeg", true
	case has("\x89PNG\r\n\x1a\n"):
		return "png", true
	case has("GIF87a"), has("GIF89a"):
		return "gif", true
	case len(header) >= 12 && has("RIFF") && string(header[8:12]) == "WEBP":
		return "webp", true
	case len(header) >= 10 && has("BM") && string(header[6:10]) == "\x00\x00\x00\x00":
		// The four reserved bytes after the file size are zero in every
		// BMP; "BM" alone is too weak a signature.
		return "bmp", true
	case has("II*\x00"), has("MM\x00*"):
		return "tiff", true
	}
	return "", false
}

// HashReader decodes one image of any supported format from r and hashes
// it; with dihedral set it also fills Result.Dihedral. The dimensions are
// read and checked against opt.MaxPixels before any pixel is decoded. An
// io.ReadSeeker (a file) is read from its current offset, twice; any other
// reader once, buffering what the header pass reads, and at most
// MaxPixels×8 bytes plus 4 MiB of it.
//
// Returns an error wrapping ErrUnsupported for content that is not a
// supported image, ErrTooLarge for an image over the limit, and a decode
// error for a malformed file; it never panics on bad input.
func HashReader(r io.Reader, opt Options, dihedral bool) (Result, error) {
	var img image.Image
	var cfg image.Config
	var err error
	if rs, ok := r.(io.ReadSeeker); ok {
		img, cfg, err = decodeSeeker(rs, opt)
	} else {
		img, cfg, err = decodeStream(r, opt)
	}
	if err != nil {
		return Result{}, err
	}
	if b := img.Bounds(); int64(b.Dx())*int64(b.Dy()) > int64(cfg.Width)*int64(cfg.Height) {
		// A decoder must not yield more than its header promised.
		return Result{}, fmt.Errorf("pdq: decoded %dx%d, header said %dx%d", b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	return hashDecoded(img, dihedral), nil
}

// decodeStream decodes from a plain reader: what the header pass reads is
// kept and replayed to the full decode.
func decodeStream(r io.Reader, opt Options) (image.Image, image.Config, error) {
	// The replay buffer would grow with whatever the header pass reads (all
	// of a TIFF); bound it by what any image within the limit could need.
	r = &cappedReader{r: r, left: opt.maxPixels()*8 + 4<<20}
	br := bufio.NewReaderSize(r, 32<<10)
	header, _ := br.Peek(sniffLen)
	f, err := sniffFormat(header)
	if err != nil {
		return nil, image.Config{}, err
	}
	var seen bytes.Buffer
	cfg, err := safeConfig(f, io.TeeReader(br, &seen))
	if err != nil {
		return nil, cfg, err
	}
	if err := checkSize(cfg, opt); err != nil {
		return nil, cfg, err
	}
	img, err := safeDecode(f, io.MultiReader(&seen, br))
	return img, cfg, err
}

// decodeSeeker decodes from a file or another seekable reader: the header
// pass and the full decode each start from the beginning. TIFF gets random
// access (io.ReaderAt) where the reader offers it, as its decoder would
// otherwise copy the whole stream into memory.
func decodeSeeker(rs io.ReadSeeker, opt Options) (image.Image, image.Config, error) {
	start, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, image.Config{}, err
	}
	rewound := func() (io.Reader, error) {
		_, err := rs.Seek(start, io.SeekStart)
		return rs, err
	}
	header := make([]byte, sniffLen)
	n, _ := io.ReadFull(rs, header)
	f, err := sniffFormat(header[:n])
	if err != nil {
		return nil, image.Config{}, err
	}
	open := func() (io.Reader, error) {
		r, err := rewound()
		if err != nil {
			return nil, err
		}
		if f.name == "tiff" {
			if ra, ok := rs.(io.ReaderAt); ok {
				// TIFF offsets count from the start of the image.
				return io.NewSectionReader(ra, start, math.MaxInt64-start), nil
			}
			return &cappedReader{r: r, left: opt.maxPixels()*8 + 4<<20}, nil
		}
		return bufio.NewReaderSize(r, 32<<10), nil
	}
	r, err := open()
	if err != nil {
		return nil, image.Config{}, err
	}
	cfg, err := safeConfig(f, r)
	if err != nil {
		return nil, cfg, err
	}
	if err := checkSize(cfg, opt); err != nil {
		return nil, cfg, err
	}
	if r, err = open(); err != nil {
		return nil, cfg, err
	}
	img, err := safeDecode(f, r)
	return img, cfg, err
}

// sniffFormat returns the decoders for the content starting with header.
func sniffFormat(header []byte) (format, error) {
	name, ok := Sniff(header)
	if !ok {
		return format{}, fmt.Errorf("%w (leading bytes %x)", ErrUnsupported, header)
	}
	for _, f := range formats {
		if f.name == name {
			return f, nil
		}
	}
	panic("pdq: Sniff returned unknown format " + name)
}

// HashFile opens path and hashes its content as HashReader does; the file
// name and extension play no part in choosing the decoder.
func HashFile(path string, opt Options, dihedral bool) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	res, err := HashReader(f, opt, dihedral)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", path, err)
	}
	return res, nil
}

func checkSize(cfg image.Config, opt Options) error {
	w, h := int64(cfg.Width), int64(cfg.Height)
	if w <= 0 || h <= 0 {
		return fmt.Errorf("pdq: image has no pixels (%dx%d)", w, h)
	}
	if limit := opt.maxPixels(); w*h > limit {
		return fmt.Errorf("%w: %dx%d is over the limit of %d pixels", ErrTooLarge, w, h, limit)
	}
	return nil
}

// safeConfig and safeDecode turn a decoder panic on hostile input into an
// error for that file.
func safeConfig(f format, r io.Reader) (cfg image.Config, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("pdq: %s header: decoder panic: %v", f.name, p)
		}
	}()
	cfg, err = f.config(r)
	if err != nil {
		return cfg, fmt.Errorf("pdq: %s header: %w", f.name, err)
	}
	return cfg, nil
}

func safeDecode(f format, r io.Reader) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("pdq: decoding %s: decoder panic: %v", f.name, p)
		}
	}()
	img, err = f.decode(r)
	if err != nil {
		return nil, fmt.Errorf("pdq: decoding %s: %w", f.name, err)
	}
	return img, nil
}

// cappedReader fails with ErrTooLarge once more than left bytes are read.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, fmt.Errorf("%w: more input than an image within the pixel limit needs", ErrTooLarge)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
