// Package bankfile reads a hash bank file in any format Safeguard knows,
// telling the format from the content: Project VIC VICS JSON (package vics)
// or a CSV, hashdeep, plain or PDQ list (package hashlist). It only parses:
// it never stores entries or touches the network.
package bankfile

import (
	"io"
	"iter"

	"safeguard"
	"safeguard/hashlist"
	"safeguard/vics"
)

// Options control how a bank file is read.
type Options struct {
	// Scheme is the bank's category scheme; categories are checked against
	// it and never translated. Empty means Project VIC for VICS files and,
	// for lists, the scheme the first category implies.
	Scheme safeguard.Scheme
	// Kind says what a 64-digit hash in a plain list is (default SHA-256).
	Kind hashlist.Kind
}

// Read detects the format of r and returns it with the file's entries,
// streamed: memory does not grow with the file. Detection errors are
// EINVALID; entry errors name the line or JSON path.
func Read(r io.Reader, opt Options) (hashlist.Format, iter.Seq2[*safeguard.BankEntry, error], error) {
	format, br, err := hashlist.Detect(r)
	if err != nil {
		return "", nil, err
	}
	if format == hashlist.FormatVICS {
		scheme := opt.Scheme
		if scheme == "" {
			scheme = safeguard.SchemeVIC
		}
		return format, vics.Read(br, vics.Options{Scheme: scheme}), nil
	}
	return format, hashlist.Read(br, format, hashlist.Options{Scheme: opt.Scheme, Kind: opt.Kind}), nil
}
