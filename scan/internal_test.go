package scan

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"safeguard/pdq"
)

// TestVanishedFile: a file listed by the walk and gone when its turn
// comes is an error for that file only.
func TestVanishedFile(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a", "b", "c"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	jobs, problems, err := walk(dir, dir)
	if err != nil || len(jobs) != 3 || len(problems) != 0 {
		t.Fatalf("walk: %v %v %v", jobs, problems, err)
	}
	os.Remove(filepath.Join(dir, "b"))
	res, err := run(context.Background(), jobs, Options{Jobs: 2}, exactOnly, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].err != nil || res[2].err != nil || !os.IsNotExist(res[1].err) {
		t.Errorf("errors %v %v %v", res[0].err, res[1].err, res[2].err)
	}
	if got := describeErr(res[1].err); got != "no such file or directory" {
		t.Errorf("described as %q", got)
	}
}

// TestChangedFile: a file that grows while it is read is reported, not
// given digests of a state it never had.
func TestChangedFile(t *testing.T) {
	for _, size := range []int{100, parallelMin + 5} { // in one read; in chunks, in parallel
		path := filepath.Join(t.TempDir(), "grows")
		if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		h := newHasher(pdq.Options{}, exactOnly)
		if _, err := h.file(path); err != nil {
			t.Fatal(err)
		}
		h.afterRead = func(p string) {
			f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			f.Write([]byte("more"))
			f.Close()
		}
		if _, err := h.file(path); err != errChanged {
			t.Errorf("size %d: err = %v, want %v", size, err, errChanged)
		}
		h.close()
	}
}

// TestImageGrows: an image that grows between the stat and the read is
// reported, whether it is read into memory for PDQ or not.
func TestImageGrows(t *testing.T) {
	img, err := os.ReadFile("../../shared/testdata/pdq/data/bridge-mods/aaa-orig.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []mode{exactOnly, withPDQ} {
		path := filepath.Join(t.TempDir(), "img")
		os.WriteFile(path, img, 0o644)
		h := newHasher(pdq.Options{}, m)
		h.afterStat = func(p string) {
			f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			f.Write([]byte("more"))
			f.Close()
		}
		if _, err := h.file(path); err != errChanged {
			t.Errorf("mode %d: err = %v, want %v", m, err, errChanged)
		}
	}
}

// TestDigestPaths checks the sequential, parallel and in-memory image paths
// agree with the standard library on the same bytes.
func TestDigestPaths(t *testing.T) {
	dir := t.TempDir()
	big := make([]byte, parallelMin+chunkSize/2+3)
	for i := range big {
		big[i] = byte(i * 7)
	}
	img, err := os.ReadFile("../../shared/testdata/pdq/data/misc-images/wee.jpg")
	if err != nil {
		t.Fatal(err)
	}
	h := newHasher(pdq.Options{}, withDihedral)
	defer h.close()
	for name, content := range map[string][]byte{"small": []byte("hello\n"), "big": big, "image": img, "empty": nil} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, content, 0o644)
		d, err := h.file(p)
		if err != nil {
			t.Fatal(err)
		}
		want := sums(content)
		if got := hexSums(&d); got != want || d.Size != int64(len(content)) {
			t.Errorf("%s: got %s %d, want %s %d", name, got, d.Size, want, len(content))
		}
		if (name == "image") != d.HasPDQ() || (name == "image" && d.Dihedral == nil) {
			t.Errorf("%s: image %q pdq %v", name, d.Image, d.HasPDQ())
		}
	}
	if strings.Trim(string(h.img[:cap(h.img)]), "\x00") != "" || strings.Trim(string(h.buf), "\x00") != "" {
		t.Error("file content left in the worker's buffers")
	}
}

// TestExactOnly: with no PDQ in any bank, images are recognised but not
// decoded.
func TestExactOnly(t *testing.T) {
	h := newHasher(pdq.Options{}, exactOnly)
	d, err := h.file("../../shared/testdata/pdq/data/misc-images/wee.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if d.Image != "jpeg" || d.HasPDQ() || d.hashed || d.PDQ != (pdq.Hash{}) {
		t.Errorf("got image %q, pdq %v", d.Image, d.HasPDQ())
	}
}

func TestProgress(t *testing.T) {
	var b strings.Builder
	var files, bytes atomic.Int64
	stop := startProgress(&b, 10, 4_000_000, &files, &bytes)
	files.Store(5)
	bytes.Store(2_000_000)
	time.Sleep(250 * time.Millisecond)
	stop()
	out := b.String()
	for _, want := range []string{"\r", "5/10 files", "2/4 MB", "files/s", "MB/s", "ETA "} {
		if !strings.Contains(out, want) {
			t.Errorf("progress %q lacks %q", out, want)
		}
	}
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("progress %q does not end the line", out)
	}
	if stop := startProgress(nil, 1, 1, &files, &bytes); stop == nil {
		t.Error("nil writer")
	}
}

// TestBrokenImage: content that looks like a JPEG but does not decode
// still gets its digests, and the PDQ error is kept for the report.
func TestBrokenImage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken")
	content := append([]byte("\xff\xd8\xff\xe0"), make([]byte, 100)...)
	os.WriteFile(path, content, 0o644)
	h := newHasher(pdq.Options{}, withDihedral)
	d, err := h.file(path)
	if err != nil {
		t.Fatal(err)
	}
	if d.Image != "jpeg" || d.PDQErr == nil || d.HasPDQ() || hexSums(&d) != sums(content) {
		t.Errorf("got image %q, pdq error %v", d.Image, d.PDQErr)
	}
}

// TestBankQuality: bank PDQ hashes of known low quality are left out.
func TestBankQuality(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "te.txt")
	os.WriteFile(path, []byte(strings.Repeat("ab", 32)+",10\n"+strings.Repeat("cd", 32)+",90\n"+strings.Repeat("ef", 32)+"\n"), 0o644)
	b, err := LoadBank(path, BankOptions{MinQuality: 50})
	if err != nil {
		t.Fatal(err)
	}
	if b.Entries != 3 || b.m.PDQCount() != 2 {
		t.Errorf("%d entries, %d PDQ; want 3, 2", b.Entries, b.m.PDQCount())
	}
}
