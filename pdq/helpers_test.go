package pdq

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sharedDir is where CI copies the shared test data: beside the repository.
const sharedDir = "../../shared/testdata/pdq"

// mustSharedDir returns the shared test data directory or fails the test.
func mustSharedDir(tb testing.TB) string {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(sharedDir, "expected")); err != nil {
		tb.Fatalf("shared PDQ test data not found at %s (relative to the pdq package; it must be copied beside the repository): %v", sharedDir, err)
	}
	return sharedDir
}

// expectedRow is one line of a reference CSV: hashes, quality, path.
type expectedRow struct {
	hashes  []Hash
	quality int
	path    string
}

// mustReadExpected reads a reference CSV of the form hash...,quality,path.
func mustReadExpected(tb testing.TB, name string) []expectedRow {
	tb.Helper()
	f, err := os.Open(filepath.Join(mustSharedDir(tb), "expected", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var rows []expectedRow
	for _, rec := range recs {
		n := len(rec)
		if n < 3 {
			tb.Fatalf("%s: short record %q", name, rec)
		}
		q, err := strconv.Atoi(rec[n-2])
		if err != nil {
			tb.Fatalf("%s: quality in %q: %v", name, rec, err)
		}
		row := expectedRow{quality: q, path: rec[n-1]}
		for _, s := range rec[:n-2] {
			h, err := ParseHash(s)
			if err != nil {
				tb.Fatalf("%s: %v", name, err)
			}
			row.hashes = append(row.hashes, h)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		tb.Fatalf("%s: no rows", name)
	}
	return rows
}

// readPNM decodes a binary PNM (P5 grey or P6 RGB, maxval 255) into an
// image.Gray or image.NRGBA.
func readPNM(r io.Reader) (image.Image, error) {
	br := bufio.NewReader(r)
	var magic string
	var w, h, maxval int
	if _, err := fmt.Fscan(br, &magic, &w, &h, &maxval); err != nil {
		return nil, err
	}
	if _, err := br.ReadByte(); err != nil { // the single whitespace after maxval
		return nil, err
	}
	if maxval != 255 {
		return nil, fmt.Errorf("maxval %d", maxval)
	}
	switch magic {
	case "P5":
		m := image.NewGray(image.Rect(0, 0, w, h))
		_, err := io.ReadFull(br, m.Pix)
		return m, err
	case "P6":
		m := image.NewNRGBA(image.Rect(0, 0, w, h))
		rgb := make([]byte, 3*w*h)
		if _, err := io.ReadFull(br, rgb); err != nil {
			return nil, err
		}
		for i := range w * h {
			copy(m.Pix[4*i:], rgb[3*i:3*i+3])
			m.Pix[4*i+3] = 255
		}
		return m, nil
	}
	return nil, fmt.Errorf("unsupported PNM %q", magic)
}

func mustReadPNMGz(tb testing.TB, path string) image.Image {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	img, err := readPNM(zr)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return img
}

// detailsRow is one line of the reference's --details output.
type detailsRow struct {
	hash        Hash
	norm, delta int
	file        string
}

func mustReadDetails(tb testing.TB) []detailsRow {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(mustSharedDir(tb), "expected", "cpp-pdq-photo-hasher-details.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	var rows []detailsRow
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var row detailsRow
		for _, field := range strings.Split(line, ",") {
			k, v, _ := strings.Cut(field, "=")
			switch k {
			case "hash":
				row.hash, err = ParseHash(v)
			case "norm":
				row.norm, err = strconv.Atoi(v)
			case "delta":
				row.delta, err = strconv.Atoi(v)
			case "filename":
				row.file = v
			}
			if err != nil {
				tb.Fatalf("details line %q: %v", line, err)
			}
		}
		rows = append(rows, row)
	}
	if len(rows) < 2 {
		tb.Fatal("details: too few lines")
	}
	return rows
}
