package scan

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
)

// FileHash is one line of `safeguard hash`.
type FileHash struct {
	Path        string   `json:"path"`
	Size        int64    `json:"size"`
	MD5         string   `json:"md5"`
	SHA1        string   `json:"sha1"`
	SHA256      string   `json:"sha256"`
	PDQ         string   `json:"pdq,omitempty"`
	Quality     *int     `json:"quality,omitempty"`
	PDQDihedral []string `json:"pdq_dihedral,omitempty"`
}

// HashOptions control HashFiles.
type HashOptions struct {
	Dihedral  bool  // add the eight dihedral PDQ hashes of images
	Jobs      int   // files hashed at once; 0 means runtime.NumCPU()
	MaxPixels int64 // image decoding limit (0: pdq's default)
}

// HashFiles hashes every file named in paths, walking directories, and
// calls emit for each in order, or fail for each that could not be hashed
// (and for special files and links to directories, which are skipped). It
// stops at the first error emit or fail returns, or when ctx ends.
func HashFiles(ctx context.Context, paths []string, opt HashOptions, emit func(FileHash) error, fail func(FileError) error) error {
	var jobs []job
	for _, p := range paths {
		js, problems, err := walk(p, "")
		if err != nil {
			if err := fail(FileError{p, describeErr(err)}); err != nil {
				return err
			}
			continue
		}
		for _, pr := range problems {
			if err := fail(pr); err != nil {
				return err
			}
		}
		jobs = append(jobs, js...)
	}
	m := withPDQ
	if opt.Dihedral {
		m = withDihedral
	}
	results, err := run(ctx, jobs, Options{Jobs: opt.Jobs, MaxPixels: opt.MaxPixels}, m, nil)
	if err != nil {
		return err
	}
	for i, r := range results {
		if r.err != nil {
			if err := fail(FileError{jobs[i].rel, describeErr(r.err)}); err != nil {
				return err
			}
			continue
		}
		fh := FileHash{
			Path: jobs[i].rel, Size: r.d.Size,
			MD5: hex.EncodeToString(r.d.MD5[:]), SHA1: hex.EncodeToString(r.d.SHA1[:]),
			SHA256: hex.EncodeToString(r.d.SHA256[:]),
		}
		if r.d.Image != "" && r.d.PDQErr != nil {
			if err := fail(FileError{jobs[i].rel, "image not hashed perceptually: " + describeErr(r.d.PDQErr)}); err != nil {
				return err
			}
		}
		if r.d.HasPDQ() {
			q := r.d.Quality
			fh.PDQ, fh.Quality = r.d.PDQ.String(), &q
			if opt.Dihedral && r.d.Dihedral != nil {
				for _, h := range r.d.Dihedral {
					fh.PDQDihedral = append(fh.PDQDihedral, h.String())
				}
			}
		}
		if err := emit(fh); err != nil {
			return err
		}
	}
	return nil
}

// WriteText writes fh as one tab-separated line: size, md5, sha1, sha256,
// pdq and quality ("-" for a file that is not an image), then the path.
func (fh *FileHash) WriteText(w io.Writer) error {
	pdqHash, quality := "-", "-"
	if fh.PDQ != "" {
		pdqHash, quality = fh.PDQ, strconv.Itoa(*fh.Quality)
	}
	_, err := fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", fh.Size, fh.MD5, fh.SHA1, fh.SHA256, pdqHash, quality, fh.Path)
	return err
}
