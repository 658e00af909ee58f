package cybertip

import (
	"strings"

	"safeguard"
)

// Assembler puts reports and their fileDetails together. The reporting API
// takes a report and then its files as separate documents, so they may
// reach us in any order. It is not safe for concurrent use.
type Assembler struct {
	opts    Options
	reports map[string]*Report
	order   []string // report ids in arrival order
	files   map[string][]*FileDetails
	forder  []string // report ids of held files, in arrival order
}

// NewAssembler returns an empty Assembler that parses with opts (its
// ReportID is ignored: each report's id is given to Add).
func NewAssembler(opts Options) *Assembler {
	opts.ReportID = ""
	return &Assembler{opts: opts, reports: map[string]*Report{}, files: map[string][]*FileDetails{}}
}

// Add parses one document of either root and holds it. reportID is the
// NCMEC id of a report document (see Options.ReportID); it is ignored for
// fileDetails, which name their report. Returns EINVALID for a document
// that does not parse and ECONFLICT for a different report with an id
// already held.
func (a *Assembler) Add(doc []byte, reportID string) error {
	opts := a.opts
	opts.ReportID = reportID
	d, err := Parse(doc, opts)
	if err != nil {
		return err
	}
	if d.Report != nil {
		return a.AddReport(d.Report)
	}
	return a.AddFileDetails(d.FileDetails)
}

// AddReport holds a parsed report. The same document twice is ignored.
func (a *Assembler) AddReport(r *Report) error {
	id := r.Referral.SourceRef
	if old, ok := a.reports[id]; ok {
		if old.Referral.DocumentSHA256 == r.Referral.DocumentSHA256 {
			return nil
		}
		return safeguard.Errorf(safeguard.ECONFLICT, "cybertip: two different reports with id %s", id)
	}
	a.reports[id] = r
	a.order = append(a.order, id)
	return nil
}

// AddFileDetails holds a parsed fileDetails until its report is flushed.
func (a *Assembler) AddFileDetails(f *FileDetails) error {
	if _, ok := a.files[f.ReportID]; !ok {
		a.forder = append(a.forder, f.ReportID)
	}
	a.files[f.ReportID] = append(a.files[f.ReportID], f)
	return nil
}

// Flush returns every held report with the held fileDetails that name it
// attached, in the order the reports arrived, and forgets them. FileDetails
// whose report has not arrived stay held (see TakeLate). A report with a
// conflicting fileDetails (a second, different document for one fileId)
// is not returned: it stays held with its files, and the error (ECONFLICT)
// names it. The other reports are returned all the same, so one bad
// report does not hold back the rest of a run.
func (a *Assembler) Flush() ([]*Report, error) {
	out := make([]*Report, 0, len(a.order))
	var held []string
	var errs []error
	for _, id := range a.order {
		r := a.reports[id]
		err := checkAttach(r, a.files[id])
		if err == nil {
			err = r.Attach(a.files[id]...)
		}
		if err != nil {
			held = append(held, id)
			errs = append(errs, err)
			continue
		}
		delete(a.files, id)
		delete(a.reports, id)
		out = append(out, r)
	}
	a.order = held
	a.forder = pruned(a.forder, a.files)
	switch len(errs) {
	case 0:
		return out, nil
	case 1:
		return out, errs[0]
	}
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = safeguard.ErrorMessage(err)
	}
	return out, safeguard.Errorf(safeguard.ECONFLICT, "%s", strings.Join(msgs, "; "))
}

// checkAttach reports whether Attach would succeed, without changing r.
func checkAttach(r *Report, files []*FileDetails) error {
	seen := map[string]string{}
	for _, f := range r.Files {
		seen[f.FileID] = f.DocumentSHA256
	}
	for _, f := range files {
		if s, ok := seen[f.FileID]; ok && s != f.DocumentSHA256 {
			return safeguard.Errorf(safeguard.ECONFLICT, "cybertip: two different fileDetails for file %s of report %s", f.FileID, f.ReportID)
		}
		seen[f.FileID] = f.DocumentSHA256
	}
	return nil
}

// TakeLate returns and forgets the held fileDetails whose report is not
// held, keyed by report id: their report was flushed (and stored) earlier
// or has not come yet. The caller attaches them to the stored referral (for
// example with Report.Attach, or by adding each File, IPCapture and device
// id), or adds them back later.
func (a *Assembler) TakeLate() map[string][]*FileDetails {
	out := map[string][]*FileDetails{}
	for _, id := range a.forder {
		if _, ok := a.reports[id]; ok {
			continue
		}
		out[id] = a.files[id]
		delete(a.files, id)
	}
	a.forder = pruned(a.forder, a.files)
	return out
}

// Pending returns how many reports and fileDetails are held.
func (a *Assembler) Pending() (reports, files int) {
	for _, fs := range a.files {
		files += len(fs)
	}
	return len(a.reports), files
}

func pruned(ids []string, held map[string][]*FileDetails) []string {
	var out []string
	for _, id := range ids {
		if _, ok := held[id]; ok {
			out = append(out, id)
		}
	}
	return out
}
