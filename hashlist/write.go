package hashlist

import (
	"encoding/csv"
	"io"
	"iter"
	"strconv"

	"safeguard"
)

// CSVHeader is the header WriteCSV writes; ReadCSV reads it back.
var CSVHeader = []string{"md5", "sha1", "sha256", "pdq", "category", "entry_id", "quality", "size", "photodna"}

// WriteCSV writes entries as CSV with CSVHeader, stopping at the first
// error from entries. Extra is not written: CSV has no place for it (VICS
// export keeps it).
func WriteCSV(w io.Writer, entries iter.Seq2[*safeguard.BankEntry, error]) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	rec := make([]string, len(CSVHeader))
	for e, err := range entries {
		if err != nil {
			return err
		}
		rec[0], rec[1], rec[2], rec[3] = e.MD5, e.SHA1, e.SHA256, e.PDQ
		rec[4], rec[5], rec[6], rec[7], rec[8] = e.Category, e.EntryID, "", "", e.PhotoDNA
		if e.Quality != nil {
			rec[6] = strconv.Itoa(*e.Quality)
		}
		if e.Size != nil {
			rec[7] = strconv.FormatInt(*e.Size, 10)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
