package scan

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"safeguard/pdq"
)

const (
	// chunkSize is the read size: large reads keep system calls and
	// per-call overhead negligible against the digests.
	chunkSize = 1 << 20
	// parallelMin is the size from which a file's three digests run on
	// three goroutines, chunk by chunk, so one large file does not leave
	// the other cores idle.
	parallelMin = 8 << 20
	// maxImageBytes is the largest image file held in memory to be decoded
	// from the same read; a larger one is read a second time by pdq.
	maxImageBytes = 64 << 20
	// keepImageBuf is the largest image buffer a worker keeps (zeroed)
	// between files.
	keepImageBuf = 8 << 20
)

// Digests are the hashes of one file.
type Digests struct {
	Size   int64
	MD5    [md5.Size]byte
	SHA1   [sha1.Size]byte
	SHA256 [sha256.Size]byte
	// Image is the format when the content is a supported image, else "".
	Image    string
	PDQ      pdq.Hash
	Quality  int
	Dihedral *pdq.Dihedral // only when asked for
	// PDQErr is why an image could not be hashed perceptually; the exact
	// digests are still good.
	PDQErr error
	hashed bool // PDQ was computed (or tried)
}

// HasPDQ reports whether the file has a perceptual hash.
func (d *Digests) HasPDQ() bool { return d.Image != "" && d.PDQErr == nil && d.hashed }

// errChanged is returned for a file whose size or time changed while it
// was read: its digests describe no version of it that existed.
var errChanged = errors.New("file changed while being read (size or modification time differ)")

// mode says how much of an image's perceptual hash to compute.
type mode int

const (
	exactOnly    mode = iota // digests only; images are recognised, not decoded
	withPDQ                  // and the PDQ hash of images
	withDihedral             // and the eight dihedral PDQ hashes
)

// hasher hashes files one at a time; each worker owns one.
type hasher struct {
	md5, sha1, sha256 hash.Hash
	buf               []byte
	img               []byte
	par               *helpers
	pdqOpt            pdq.Options
	mode              mode
	afterStat         func(path string) // for tests: runs between the first stat and reading
	afterRead         func(path string) // for tests: runs between reading and the second stat
}

func newHasher(pdqOpt pdq.Options, m mode) *hasher {
	return &hasher{
		md5: md5.New(), sha1: sha1.New(), sha256: sha256.New(),
		buf: make([]byte, chunkSize), pdqOpt: pdqOpt, mode: m,
	}
}

// close stops the helper goroutines, if any were started.
func (h *hasher) close() {
	if h.par != nil {
		h.par.stop()
		h.par = nil
	}
}

// file hashes the regular file at path with one read. An image is hashed
// perceptually from the same bytes.
func (h *hasher) file(path string) (Digests, error) {
	var d Digests
	f, err := openFile(path)
	if err != nil {
		return d, err
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return d, err
	}
	if !before.Mode().IsRegular() {
		return d, fmt.Errorf("not a regular file (%s)", kind(before.Mode()))
	}
	size := before.Size()
	if h.afterStat != nil {
		h.afterStat(path)
	}
	h.md5.Reset()
	h.sha1.Reset()
	h.sha256.Reset()
	write := h.sequential
	if size >= parallelMin {
		if h.par == nil {
			h.par = startHelpers(h.sha1, h.sha256)
		}
		write = h.parallel
	}

	n, err := io.ReadFull(f, h.buf)
	used := n // no content outlives its file in the worker's buffers
	defer func() { clear(h.buf[:used]) }()
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return d, err
	}
	d.Image, _ = pdq.Sniff(h.buf[:n])
	perceptual := d.Image != "" && h.mode != exactOnly
	inMemory := perceptual && size <= maxImageBytes
	if inMemory {
		defer h.dropImage()
		// Read the whole image into one buffer: digests and decoder share it.
		if int64(cap(h.img)) < size+1 {
			h.img = make([]byte, 0, size+1)
		}
		h.img = append(h.img[:0], h.buf[:n]...)
		// One byte of room past the size: a file that grew shows up below.
		for err == nil && len(h.img) < cap(h.img) {
			var m int
			m, err = io.ReadFull(f, h.img[len(h.img):cap(h.img)])
			h.img = h.img[:len(h.img)+m]
		}
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return d, err
		}
		write(h.img)
		d.Size = int64(len(h.img))
	} else {
		for {
			write(h.buf[:n])
			d.Size += int64(n)
			if err != nil {
				break
			}
			n, err = io.ReadFull(f, h.buf)
			used = max(used, n)
			if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
				return d, err
			}
		}
	}
	if h.afterRead != nil {
		h.afterRead(path)
	}
	after, err := f.Stat()
	if err != nil {
		return d, err
	}
	if d.Size != size || after.Size() != size || !after.ModTime().Equal(before.ModTime()) {
		return d, errChanged
	}
	h.md5.Sum(d.MD5[:0])
	h.sha1.Sum(d.SHA1[:0])
	h.sha256.Sum(d.SHA256[:0])

	if perceptual {
		dihedral := h.mode == withDihedral
		var res pdq.Result
		var perr error
		if inMemory {
			res, perr = pdq.HashReader(bytes.NewReader(h.img), h.pdqOpt, dihedral)
		} else {
			res, perr = pdq.HashFile(path, h.pdqOpt, dihedral)
		}
		d.hashed = true
		if perr != nil {
			d.PDQErr = perr
		} else {
			d.PDQ, d.Quality, d.Dihedral = res.Hash, res.Quality, res.Dihedral
		}
	}
	return d, nil
}

// dropImage zeroes the image bytes, so no content outlives its hashing,
// and lets a large buffer go.
func (h *hasher) dropImage() {
	clear(h.img[:cap(h.img)])
	h.img = h.img[:0]
	if cap(h.img) > keepImageBuf {
		h.img = nil
	}
}

// sequential feeds p to the three digests in turn.
func (h *hasher) sequential(p []byte) {
	for len(p) > 0 {
		c := p[:min(len(p), chunkSize)]
		h.md5.Write(c)
		h.sha1.Write(c)
		h.sha256.Write(c)
		p = p[len(c):]
	}
}

// parallel feeds p to the three digests at once, MD5 (the slowest) here
// and the SHA digests on the helper goroutines.
func (h *hasher) parallel(p []byte) {
	for len(p) > 0 {
		c := p[:min(len(p), chunkSize)]
		h.par.write(h.md5, c)
		p = p[len(c):]
	}
}

// helpers are two goroutines that each feed one digest.
type helpers struct {
	in   [2]chan []byte
	done chan struct{}
}

func startHelpers(a, b hash.Hash) *helpers {
	hp := &helpers{done: make(chan struct{}, 2)}
	for i, d := range []hash.Hash{a, b} {
		ch := make(chan []byte)
		hp.in[i] = ch
		go func() {
			for p := range ch {
				d.Write(p)
				hp.done <- struct{}{}
			}
		}()
	}
	return hp
}

func (hp *helpers) write(inline hash.Hash, p []byte) {
	hp.in[0] <- p
	hp.in[1] <- p
	inline.Write(p)
	<-hp.done
	<-hp.done
}

func (hp *helpers) stop() {
	close(hp.in[0])
	close(hp.in[1])
}

// kind names a non-regular file type for messages.
func kind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeCharDevice != 0:
		return "character device"
	case m&os.ModeDevice != 0:
		return "device"
	case m&os.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "directory"
	}
	return "irregular file"
}
