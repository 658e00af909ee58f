package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// errHelp means --help was asked for and printed: exit 0 without a message.
var errHelp = errors.New("help requested")

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ee *exitError
	if errors.Is(err, errHelp) {
		return 0
	} else if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// newFlagSet returns a flag set that prints usage to w and reports errors
// as ordinary errors rather than exiting.
func newFlagSet(w io.Writer, name, synopsis, doc string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: safeguard %s %s\n\n%s\n\nFlags:\n", name, synopsis, doc)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args, returning errHelp for --help (the flag set has
// printed the usage already).
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	return err
}
