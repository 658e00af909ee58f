package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/term"

	"safeguard/hashlist"
	"safeguard/scan"
)

func init() {
	register(command{name: "scan", summary: "match the files under a directory against hash banks", run: runScan})
}

// bankFlags collects repeated --bank flags.
type bankFlags []string

func (b *bankFlags) String() string     { return strings.Join(*b, ",") }
func (b *bankFlags) Set(v string) error { *b = append(*b, v); return nil }

func runScan(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env.Stdout, "scan", "--bank FILE [--bank FILE...] [flags] DIR",
		`Hash every file under DIR (MD5, SHA-1, SHA-256 and, for images found by
their content, PDQ over all eight rotations and flips) and match it against
the banks: VICS JSON (1.x or 2.0, hash sets or cases), CSV hash lists, hashdeep
files, one-hash-a-line lists or ThreatExchange PDQ lists, detected from the
content. Reports the strongest match per file and bank (exact before
perceptual, then the smallest distance), with counts by category. Unreadable
files, special files, and links to directories or out of DIR are listed under
"errors" and the scan goes on. With --out F the report's SHA-256 is written
to F.sha256.
A progress line goes to stderr when it is a terminal. Flags may follow DIR;
other arguments beside DIR are taken as banks. Exits non-zero only when the
scan cannot run (bad flags, an unreadable bank, DIR missing).`)
	var banks bankFlags
	fs.Var(&banks, "bank", "a hash bank `file` (repeat for more)")
	radius := fs.Int("radius", scan.DefaultRadius, "PDQ match threshold: Hamming `distance` ≤ radius (negative: no perceptual matching)")
	minQuality := fs.Int("min-quality", scan.DefaultMinQuality, "do not match PDQ hashes of lower `quality` (0-100)")
	format := fs.String("format", "json", "report `format`: json, csv or html")
	out := fs.String("out", "", "write the report to `file` (and its SHA-256 to file.sha256) instead of stdout")
	jobs := fs.Int("jobs", runtime.NumCPU(), "hash `n` files at once")
	plainKind := fs.String("plain-kind", "sha256", "what 64-digit hashes in a one-hash-a-line bank are: sha256 or pdq")
	if err := parseFlags(fs, interspersed(fs, args)); err != nil {
		return err
	}
	pos := fs.Args()
	if len(pos) == 0 {
		return fmt.Errorf("scan: no directory given (usage: safeguard scan --bank FILE DIR)")
	}
	dir, extra, err := splitDir(pos)
	if err != nil {
		return err
	}
	banks = append(banks, extra...)
	switch {
	case len(banks) == 0:
		return fmt.Errorf("scan: no bank given (--bank FILE)")
	case !slices.Contains(scan.Formats, *format):
		return fmt.Errorf("scan: unknown --format %q (want json, csv or html)", *format)
	case *minQuality < 0 || *minQuality > 100:
		return fmt.Errorf("scan: --min-quality %d is not from 0 to 100", *minQuality)
	case *jobs < 1:
		return fmt.Errorf("scan: --jobs must be at least 1")
	case *plainKind != "sha256" && *plainKind != "pdq":
		return fmt.Errorf("scan: unknown --plain-kind %q (want sha256 or pdq)", *plainKind)
	}
	var loaded []*scan.Bank
	seen := map[string]int{}
	for _, path := range banks {
		b, err := scan.LoadBank(path, scan.BankOptions{MinQuality: *minQuality, PlainKind: hashlist.Kind(*plainKind)})
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		if seen[b.Name]++; seen[b.Name] > 1 { // names identify banks in the report
			b.Name = fmt.Sprintf("%s#%d", b.Name, seen[b.Name])
		}
		loaded = append(loaded, b)
	}
	opt := scan.Options{Radius: *radius, MinQuality: *minQuality, Jobs: *jobs, Tool: toolVersion()}
	if isTerminal(env.Stderr) {
		opt.Progress = env.Stderr
	}
	rep, err := scan.Scan(ctx, dir, loaded, opt)
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	if *out != "" {
		return rep.WriteFile(*out, *format)
	}
	return rep.Write(env.Stdout, *format)
}

// splitDir picks DIR out of the positional arguments: the only one when
// there is one, else the one directory among them; the others are banks.
func splitDir(pos []string) (dir string, banks []string, err error) {
	if len(pos) == 1 {
		if fi, err := os.Stat(pos[0]); err != nil {
			return "", nil, fmt.Errorf("scan: %w", err)
		} else if !fi.IsDir() {
			return "", nil, fmt.Errorf("scan: %s is not a directory", pos[0])
		}
		return pos[0], nil, nil
	}
	for _, p := range pos {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			if dir != "" {
				return "", nil, fmt.Errorf("scan: more than one directory given (%s, %s)", dir, p)
			}
			dir = p
		} else {
			banks = append(banks, p)
		}
	}
	if dir == "" {
		return "", nil, fmt.Errorf("scan: none of %s is a directory", strings.Join(pos, ", "))
	}
	return dir, banks, nil
}

// interspersed moves flags before positional arguments, so that
// "safeguard scan DIR --bank F" parses as "safeguard scan --bank F DIR"
// (the flag package stops at the first non-flag). A flag that is not
// boolean takes the next argument as its value unless written -f=v;
// everything after "--" stays positional.
func interspersed(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // parse reports it
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return append(append(flags, "--"), pos...)
}

// isTerminal reports whether w is a terminal, for the progress line.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
