package scan

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// job is one regular file to hash.
type job struct {
	path string // to open
	rel  string // as reported: relative to the root, forward slashes
	size int64  // from the walk, for progress
}

// FileError is a file that could not be scanned, and why.
type FileError struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// walk lists the regular files under root (or root itself if it is a
// file) in lexical order, with paths relative to relTo when it is given.
// Symbolic links to files are followed (when relTo is given, only to files
// under it); links to directories are reported and not followed, so a link
// loop cannot trap the walk. Special files (devices, pipes, sockets) are reported and
// skipped. It fails only when root cannot be read at all.
func walk(root string, relTo string) (jobs []job, problems []FileError, err error) {
	if _, err := os.Stat(root); err != nil {
		return nil, nil, err
	}
	rel := func(p string) string {
		if relTo == "" {
			return filepath.ToSlash(p)
		}
		r, err := filepath.Rel(relTo, p)
		if err != nil || r == "." {
			r = filepath.Base(p)
		}
		return filepath.ToSlash(r)
	}
	report := func(p string, msg string) {
		problems = append(problems, FileError{rel(p), msg})
	}
	// A link that leads out of the scanned tree is not followed: on a
	// mounted exhibit an absolute link would otherwise read the examiner's
	// own files.
	realRoot := ""
	if relTo != "" {
		if realRoot, err = filepath.EvalSymlinks(relTo); err != nil {
			return nil, nil, err
		}
	}
	outside := func(p string) bool {
		if realRoot == "" {
			return false
		}
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			return true
		}
		r, err := filepath.Rel(realRoot, target)
		return err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator))
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			report(p, describeErr(err))
			return nil // WalkDir skips what it could not read
		}
		switch t := d.Type(); {
		case d.IsDir():
			return nil
		case t&fs.ModeSymlink != 0:
			fi, err := os.Stat(p)
			switch {
			case errors.Is(err, syscall.ELOOP):
				report(p, "symbolic link loop: not followed")
			case err != nil:
				report(p, "symbolic link: "+describeErr(err))
			case fi.IsDir():
				report(p, "symbolic link to a directory: not followed")
			case outside(p):
				report(p, "symbolic link out of the scanned directory: not followed")
			case fi.Mode().IsRegular():
				jobs = append(jobs, job{p, rel(p), fi.Size()})
			default:
				report(p, "skipped: symbolic link to a "+kind(fi.Mode()))
			}
		case t.IsRegular():
			fi, err := d.Info()
			if err != nil {
				report(p, describeErr(err))
				return nil
			}
			jobs = append(jobs, job{p, rel(p), fi.Size()})
		default:
			report(p, "skipped: "+kind(t))
		}
		return nil
	})
	return jobs, problems, err
}

// describeErr gives the reason of a file-system error without repeating
// the path, which the report already shows.
func describeErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		err = le.Err
	}
	return err.Error()
}
