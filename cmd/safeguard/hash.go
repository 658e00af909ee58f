package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"

	"safeguard/scan"
)

func init() {
	register(command{name: "hash", summary: "print the MD5, SHA-1, SHA-256 (and PDQ for images) of files", run: runHash})
}

func runHash(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env.Stdout, "hash", "[--json] [--dihedral] PATH...",
		`Print, for every file named or found under a named directory, its size,
MD5, SHA-1 and SHA-256, and for images (recognised by content) the PDQ hash
and its quality. Without --json each file is one tab-separated line:
size, md5, sha1, sha256, pdq, quality (- for a non-image), path. Files that
cannot be read are reported on stderr and the exit status is non-zero.`)
	asJSON := fs.Bool("json", false, `print JSON lines {"path","size","md5","sha1","sha256","pdq","quality"}`)
	dihedral := fs.Bool("dihedral", false, `also print the eight dihedral PDQ hashes ("pdq_dihedral")`)
	jobs := fs.Int("jobs", runtime.NumCPU(), "hash `n` files at once")
	if err := parseFlags(fs, interspersed(fs, args)); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("hash: no path given (usage: safeguard hash [--json] PATH...)")
	} else if *jobs < 1 {
		return fmt.Errorf("hash: --jobs must be at least 1")
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	failed := 0
	err := scan.HashFiles(ctx, fs.Args(), scan.HashOptions{Dihedral: *dihedral, Jobs: *jobs},
		func(fh scan.FileHash) error {
			if *asJSON {
				return enc.Encode(fh)
			}
			return fh.WriteText(env.Stdout)
		},
		func(fe scan.FileError) error {
			failed++
			_, err := fmt.Fprintf(env.Stderr, "safeguard hash: %s: %s\n", fe.Path, fe.Error)
			return err
		})
	if err != nil {
		return fmt.Errorf("hash: %w", err)
	} else if failed > 0 {
		return fmt.Errorf("hash: %d files could not be hashed (see above)", failed)
	}
	return nil
}
