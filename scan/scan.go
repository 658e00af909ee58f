package scan

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"safeguard"
	"safeguard/hashindex"
	"safeguard/matcher"
	"safeguard/pdq"
)

// Defaults for Options.
const (
	DefaultRadius     = 31 // HMA's PDQ threshold: distance ≤ 31
	DefaultMinQuality = 50 // PDQ's own advice: do not match under 50
)

// Options control a scan.
type Options struct {
	// Radius is the PDQ match threshold (distance ≤ Radius); negative
	// turns perceptual matching off.
	Radius int
	// MinQuality: file PDQ hashes of lower quality are not matched.
	MinQuality int
	// Jobs is the number of files hashed at once; 0 means runtime.NumCPU().
	Jobs int
	// Progress, if not nil, gets a progress line (for a terminal).
	Progress io.Writer
	// Tool names the program and its version in the report.
	Tool string
	// MaxPixels bounds image decoding (0: pdq's default).
	MaxPixels int64
	// Now is the clock (default time.Now), for tests.
	Now func() time.Time
}

func (o *Options) jobs() int {
	if o.Jobs > 0 {
		return o.Jobs
	}
	return runtime.NumCPU()
}

// Report is the result of a scan.
type Report struct {
	Summary    Summary     `json:"summary"`
	Matches    []Match     `json:"matches"`
	Errors     []FileError `json:"errors"`
	Provenance Provenance  `json:"provenance"`
}

// Summary counts what the scan saw. Files is the number of regular files
// found; each is then matched exactly, matched only perceptually,
// unmatched, or unreadable (and then in Errors, with the special files and
// links that were skipped). ByCategory counts matches by the scheme of
// their bank and category: a file matched in two banks counts in both.
type Summary struct {
	Files             int                                 `json:"files"`
	Bytes             int64                               `json:"bytes"`
	Images            int                                 `json:"images"`
	MatchedExact      int                                 `json:"matched_exact"`
	MatchedPerceptual int                                 `json:"matched_perceptual"`
	Unmatched         int                                 `json:"unmatched"`
	Errors            int                                 `json:"errors"`
	ByCategory        map[safeguard.Scheme]map[string]int `json:"by_category"`
}

// Match is the strongest match of one file in one bank: exact before
// perceptual, then the smallest distance.
type Match struct {
	Path     string `json:"path"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Match    string `json:"match"` // md5, sha1, sha256 or pdq
	Distance int    `json:"distance"`
	Bank     string `json:"bank"`
	EntryID  string `json:"entry_id"`
	Category string `json:"category"`
}

// Provenance says how the report was made, so it can be reproduced.
type Provenance struct {
	Tool    string      `json:"tool"`
	Host    string      `json:"host"`
	Start   string      `json:"start"`
	End     string      `json:"end"`
	Banks   []*Bank     `json:"banks"`
	Options ReportFlags `json:"options"`
}

// ReportFlags are the options a scan ran with.
type ReportFlags struct {
	Dir        string `json:"dir"`
	Radius     int    `json:"radius"`
	MinQuality int    `json:"min_quality"`
	Jobs       int    `json:"jobs"`
}

// result is what a worker found for one file.
type result struct {
	d       Digests
	err     error
	matches []Match
}

// Scan hashes every regular file under dir and matches it against banks.
// A file that cannot be read is reported in the report's Errors and the
// scan goes on; Scan itself fails only if dir cannot be read or ctx ends.
func Scan(ctx context.Context, dir string, banks []*Bank, opt Options) (*Report, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	jobs, problems, err := walk(dir, dir)
	if err != nil {
		return nil, err
	}
	// Dihedral hashes cost little more than one (they share the DCT) and
	// let rotated and flipped copies match. Without PDQ in any bank, images
	// are not decoded at all.
	m := exactOnly
	if opt.Radius >= 0 && slices.ContainsFunc(banks, func(b *Bank) bool { return b.m.PDQCount() > 0 }) {
		m = withDihedral
	}
	results, err := run(ctx, jobs, opt, m, func(j *job, r *result) {
		if r.err == nil {
			r.matches = match(j, &r.d, banks, opt)
		}
	})
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	rep := &Report{
		Matches: []Match{},
		Errors:  problems,
		Provenance: Provenance{
			Tool: opt.Tool, Host: host, Banks: banks,
			Options: ReportFlags{Dir: dir, Radius: opt.Radius, MinQuality: opt.MinQuality, Jobs: opt.jobs()},
		},
	}
	s := &rep.Summary
	s.ByCategory = map[safeguard.Scheme]map[string]int{}
	s.Files = len(jobs)
	schemes := map[string]safeguard.Scheme{}
	for _, b := range banks {
		schemes[b.Name] = b.Scheme
	}
	for i := range results {
		r := &results[i]
		if r.err != nil {
			rep.Errors = append(rep.Errors, FileError{jobs[i].rel, describeErr(r.err)})
			continue
		}
		s.Bytes += r.d.Size
		if r.d.Image != "" {
			s.Images++
			if r.d.hashed && r.d.PDQErr != nil {
				rep.Errors = append(rep.Errors, FileError{jobs[i].rel, "image not hashed perceptually: " + describeErr(r.d.PDQErr)})
			}
		}
		exact, perceptual := false, false
		for _, m := range r.matches {
			if m.Match == "pdq" {
				perceptual = true
			} else {
				exact = true
			}
			sc := schemes[m.Bank]
			if s.ByCategory[sc] == nil {
				s.ByCategory[sc] = map[string]int{}
			}
			s.ByCategory[sc][m.Category]++
		}
		switch {
		case exact:
			s.MatchedExact++
		case perceptual:
			s.MatchedPerceptual++
		default:
			s.Unmatched++
		}
		rep.Matches = append(rep.Matches, r.matches...)
	}
	sort.SliceStable(rep.Errors, func(i, j int) bool { return rep.Errors[i].Path < rep.Errors[j].Path })
	if rep.Errors == nil {
		rep.Errors = []FileError{}
	}
	s.Errors = len(rep.Errors)
	rep.Provenance.Start = start.UTC().Format(time.RFC3339)
	rep.Provenance.End = now().UTC().Format(time.RFC3339)
	return rep, nil
}

// match finds the strongest match of a file in each bank.
func match(j *job, d *Digests, banks []*Bank, opt Options) []Match {
	var out []Match
	p := matcher.Probe{MD5: &d.MD5, SHA1: &d.SHA1, SHA256: &d.SHA256}
	if opt.Radius >= 0 && d.HasPDQ() && d.Quality >= opt.MinQuality {
		if d.Dihedral != nil {
			for _, h := range d.Dihedral {
				p.PDQ = append(p.PDQ, hashindex.Hash(h))
			}
		} else {
			p.PDQ = append(p.PDQ, hashindex.Hash(d.PDQ))
		}
	}
	sum := hex.EncodeToString(d.SHA256[:])
	var scratch []hashindex.Match
	for _, b := range banks {
		var hit matcher.Hit
		var ok bool
		hit, ok, scratch = b.m.Best(p, opt.Radius, scratch)
		if ok {
			out = append(out, Match{Path: j.rel, Size: d.Size, SHA256: sum, Match: hit.Kind, Distance: hit.Distance,
				Bank: b.Name, EntryID: hit.Ref.EntryID, Category: hit.Ref.Category})
		}
	}
	return out
}

// run hashes jobs on a pool of workers, calling then for each file in its
// worker, and returns the results in job order.
func run(ctx context.Context, jobs []job, opt Options, m mode, then func(*job, *result)) ([]result, error) {
	results := make([]result, len(jobs))
	var total int64
	for _, j := range jobs {
		total += j.size
	}
	var doneFiles, doneBytes atomic.Int64
	stopProgress := startProgress(opt.Progress, len(jobs), total, &doneFiles, &doneBytes)
	defer stopProgress()

	// Largest first, so that no big file is left running alone at the end.
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return jobs[order[a]].size > jobs[order[b]].size })
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(opt.jobs(), max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := newHasher(pdq.Options{MaxPixels: opt.MaxPixels}, m)
			defer h.close()
			for ctx.Err() == nil {
				k := int(next.Add(1) - 1)
				if k >= len(jobs) {
					return
				}
				i := order[k]
				r := &results[i]
				r.d, r.err = h.file(jobs[i].path)
				if then != nil {
					then(&jobs[i], r)
				}
				doneFiles.Add(1)
				doneBytes.Add(jobs[i].size)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

// startProgress prints a progress line to w every so often until the
// returned function is called; nothing when w is nil.
func startProgress(w io.Writer, files int, total int64, doneFiles, doneBytes *atomic.Int64) func() {
	if w == nil {
		return func() {}
	}
	began := time.Now()
	line := func() {
		el := time.Since(began).Seconds()
		f, b := doneFiles.Load(), doneBytes.Load()
		rate := float64(b) / max(el, 1e-3)
		eta := "--:--"
		if b > 0 && total >= b {
			left := time.Duration(float64(total-b) / rate * float64(time.Second)).Round(time.Second)
			eta = fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)
		}
		pct := 100.0
		if total > 0 {
			pct = 100 * float64(b) / float64(total)
		}
		fmt.Fprintf(w, "\r%5.1f%%  %d/%d files  %.0f/%.0f MB  %.0f files/s  %.1f MB/s  ETA %s   ",
			pct, f, files, float64(b)/1e6, float64(total)/1e6, float64(f)/max(el, 1e-3), rate/1e6, eta)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				line()
				fmt.Fprintln(w)
				return
			case <-t.C:
				line()
			}
		}
	}()
	return func() { close(stop); <-done }
}
