package scan

import (
	"crypto/sha256"
	"embed"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"safeguard"
)

// Formats a report can be written in.
var Formats = []string{"json", "csv", "html"}

// Write writes the report in format (json, csv or html).
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "json":
		return r.WriteJSON(w)
	case "csv":
		return r.WriteCSV(w)
	case "html":
		return r.WriteHTML(w)
	}
	return safeguard.Errorf(safeguard.EINVALID, "unknown report format %q (want json, csv or html)", format)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// CSVHeader is the header of WriteCSV: one row per match.
var CSVHeader = []string{"path", "size", "sha256", "match", "distance", "bank", "entry_id", "category"}

// WriteCSV writes one row per match.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(CSVHeader)
	for _, m := range r.Matches {
		cw.Write([]string{m.Path, strconv.FormatInt(m.Size, 10), m.SHA256, m.Match,
			strconv.Itoa(m.Distance), m.Bank, m.EntryID, m.Category})
	}
	cw.Flush()
	return cw.Error()
}

//go:embed report.html
var templates embed.FS

var reportTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"label": func(s safeguard.Scheme, code string) string { return s.CategoryLabel(code) },
}).ParseFS(templates, "report.html"))

// categoryRow is one line of the HTML category table.
type categoryRow struct {
	Scheme safeguard.Scheme
	Code   string
	Count  int
}

// WriteHTML writes a printable summary: counts, categories, matches,
// errors and provenance. It has no scripts and no images.
func (r *Report) WriteHTML(w io.Writer) error {
	var rows []categoryRow
	for s, m := range r.Summary.ByCategory {
		for _, c := range s.Categories() { // the scheme's order, most serious first
			if n, ok := m[c]; ok {
				rows = append(rows, categoryRow{s, c, n})
			}
		}
		for c, n := range m {
			if !s.ValidCategory(c) {
				rows = append(rows, categoryRow{s, c, n})
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Scheme < rows[j].Scheme }) // uk before vic
	return reportTemplate.Execute(w, struct {
		*Report
		Categories []categoryRow
	}{r, rows})
}

// WriteFile writes the report to path and its SHA-256 to path.sha256 in
// sha256sum's format, so `sha256sum -c` checks it.
func (r *Report) WriteFile(path, format string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	sum := sha256.New()
	if err := r.Write(io.MultiWriter(f, sum), format); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	line := fmt.Sprintf("%s  %s\n", hex.EncodeToString(sum.Sum(nil)), filepath.Base(path))
	return os.WriteFile(path+".sha256", []byte(line), 0o644)
}
