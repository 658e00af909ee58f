package intake

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"safeguard"
	"safeguard/cybertip"
)

// Summary is what an ingest run did, in the JSON form `safeguard ingest`
// prints.
type Summary struct {
	Accepted   int         `json:"accepted"`
	Duplicates int         `json:"duplicates"`
	Rejected   []Rejection `json:"rejected"`
	// Linking is what the linking passes of the run did; it is not part of
	// the printed summary.
	Linking safeguard.LinkSummary `json:"-"`
	// Attributed counts the subjects resolved against imported leases at
	// the run's end; not part of the printed summary either.
	Attributed int `json:"-"`
}

// count counts a stored document, or a duplicate of one stored before.
func (s *Summary) count(dup bool) {
	if dup {
		s.Duplicates++
	} else {
		s.Accepted++
	}
}

// Rejection is one document that was not stored: the file, where in it
// (line, element path), and why.
type Rejection struct {
	File  string `json:"file"`
	Where string `json:"where"`
	Error string `json:"error"`
}

// DefaultMaxLine bounds one JSON lines record.
const DefaultMaxLine = 16 << 20

// Ingester stores referrals from files. Referrals are committed in
// batches (one transaction each, when the service can take batches) and
// counted only once their batch is committed; a repeated run stores
// nothing twice, so a run killed part way can simply be run again.
type Ingester struct {
	Referrals safeguard.ReferralService
	CyberTip  cybertip.Options // limits for XML documents
	MaxLine   int              // longest JSON line or CSV referral; 0 means DefaultMaxLine
	// MaxBatch is the most referrals committed in one transaction: 0
	// means DefaultMaxBatch, less than 0 one transaction a referral.
	MaxBatch int
	// MaxTxTime bounds how long one batch's transaction should hold the
	// database's write lock, so other writers (a server taking referrals
	// through its API, its assessor) wait less than their busy timeout:
	// a batch that took longer makes the next ones smaller. 0 means
	// DefaultMaxTxTime.
	MaxTxTime time.Duration
	Now       func() time.Time // default time.Now
	// Linker, when set, links every referral without a subject after each
	// committed batch and at the end, so a run killed part way and run
	// again leaves every referral linked exactly once.
	Linker safeguard.LinkService
	// Runs, when set, records the run and its rejections for the intake
	// page.
	Runs safeguard.IngestRunService

	queue []pending // read, not yet committed
	batch int       // size of the next batch
}

// Files ingests each file: CyberTipline XML (one <report> or <fileDetails>
// document a file; a report's NCMEC id is taken from a file name made of
// digits, e.g. 123456789.xml) or JSON lines (one referral object a line).
// The format is told from the first byte. FileDetails are put with their
// report from any file of the run, in any order. It returns an error only
// when it cannot go on (the context ended, the database failed); bad
// documents are listed in the summary.
func (in *Ingester) Files(ctx context.Context, paths []string) (sum *Summary, err error) {
	sum = &Summary{Rejected: []Rejection{}}
	if in.Runs != nil {
		run := &safeguard.IngestRun{Origin: safeguard.IngestCLI, Files: paths}
		if err := in.Runs.StartIngestRun(ctx, run); err != nil {
			return sum, err
		}
		defer func() {
			run.Accepted, run.Duplicates, run.Rejected = sum.Accepted, sum.Duplicates, len(sum.Rejected)
			rejs := make([]safeguard.IngestRejection, len(sum.Rejected))
			for i, r := range sum.Rejected {
				rejs[i] = safeguard.IngestRejection{File: r.File, Where: r.Where, Error: r.Error}
			}
			if ferr := in.Runs.FinishIngestRun(context.WithoutCancel(ctx), run, rejs); ferr != nil && err == nil {
				err = ferr
			}
		}()
	}
	return in.files(ctx, paths, sum)
}

func (in *Ingester) files(ctx context.Context, paths []string, sum *Summary) (*Summary, error) {
	in.queue, in.batch = in.queue[:0], 0 // what an ended run left is not this run's
	asm := cybertip.NewAssembler(in.CyberTip)
	xmlFile := map[any]string{} // report source_ref or *FileDetails → its file
	for _, path := range paths {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if err := in.file(ctx, path, sum, asm, xmlFile); err != nil {
			return sum, err
		}
		if err := in.flush(ctx, sum); err != nil {
			return sum, err
		}
	}
	reports, err := asm.Flush()
	if err != nil {
		sum.Rejected = append(sum.Rejected, Rejection{File: "(cybertip reports of this run)", Error: safeguard.ErrorMessage(err)})
	}
	for _, r := range reports {
		if err := in.store(ctx, r.Referral, sum, xmlFile[r.Referral.SourceRef], ""); err != nil {
			return sum, err
		}
	}
	if err := in.flush(ctx, sum); err != nil {
		return sum, err
	}
	if err := in.attachLate(ctx, asm.TakeLate(), xmlFile, sum); err != nil {
		return sum, err
	}
	if err := in.link(ctx, sum); err != nil {
		return sum, err
	}
	if pa, ok := in.Linker.(pendingAttributor); ok {
		n, err := pa.AttributePending(ctx)
		sum.Attributed += n
		if err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// attachLate attaches each fileDetails whose report was not in the run to
// its report stored by an earlier run (the reporting API sends a report's
// files apart from it, in any order). One whose report is not stored
// either, or that conflicts with a file already attached, is listed.
func (in *Ingester) attachLate(ctx context.Context, late map[string][]*cybertip.FileDetails, xmlFile map[any]string, sum *Summary) error {
	ids := make([]string, 0, len(late))
	for id := range late {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	at, _ := in.Referrals.(safeguard.Attacher)
	for _, id := range ids {
		for _, f := range late[id] {
			reject := func(msg string) {
				sum.Rejected = append(sum.Rejected, Rejection{File: xmlFile[f], Where: "/fileDetails/reportId", Error: msg})
			}
			if at == nil {
				reject(fmt.Sprintf("report %s is not in this run: give its report file in the same run", id))
				continue
			}
			ref := &safeguard.Referral{Source: safeguard.SourceCyberTip, SourceRef: id}
			if err := cybertip.AttachReferral(ref, f); err != nil {
				reject(safeguard.ErrorMessage(err))
				continue
			}
			a := ref.Attachments[0]
			a.ReceivedAt, a.Files, a.IPEvents, a.Identifiers = in.now().UTC(), ref.Files, ref.IPEvents, ref.Identifiers
			dup, err := at.AttachToReferral(ctx, safeguard.SourceCyberTip, id, &a)
			switch safeguard.ErrorCode(err) {
			case "":
				sum.count(dup)
				// Linked again when a duplicate too: a run killed between
				// the attach and its linking is repaired by the next.
				if al, ok := in.Linker.(attachedLinker); ok {
					got, err := al.LinkAttached(ctx, safeguard.SourceCyberTip, id, &a)
					sum.Linking.Add(got)
					if err != nil {
						return err
					}
				}
			case safeguard.ENOTFOUND:
				reject(fmt.Sprintf("report %s is neither in this run nor stored: give its report file, in this run or before it", id))
			case safeguard.EINVALID, safeguard.ECONFLICT:
				reject(safeguard.ErrorMessage(err))
			default:
				return err
			}
		}
	}
	return nil
}

func (in *Ingester) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

func (in *Ingester) file(ctx context.Context, path string, sum *Summary, asm *cybertip.Assembler, xmlFile map[any]string) error {
	f, err := os.Open(path)
	if err != nil {
		sum.Rejected = append(sum.Rejected, Rejection{File: path, Error: err.Error()})
		return nil
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	first, skipped, err := firstByte(br)
	switch {
	case err == io.EOF:
		sum.Rejected = append(sum.Rejected, Rejection{File: path, Error: "empty file"})
		return nil
	case err != nil:
		sum.Rejected = append(sum.Rejected, Rejection{File: path, Error: err.Error()})
		return nil
	case first == '<':
		// The document is kept as received, from its first byte: a byte
		// order mark and white space before the root are part of it (and
		// of its SHA-256), and the parser reads them.
		if _, err := f.Seek(0, io.SeekStart); err == nil {
			br.Reset(f)
		}
		return in.xml(path, br, sum, asm, xmlFile)
	case first == '{':
		return in.jsonLines(ctx, path, br, sum)
	case IsCSVHeader(firstLine(br)):
		return in.csvFile(ctx, path, br, skipped, sum)
	}
	sum.Rejected = append(sum.Rejected, Rejection{File: path, Where: "byte 1",
		Error: "neither CyberTipline XML, JSON lines nor CSV (want '<' or '{' first, or a CSV header naming source and source_ref)"})
	return nil
}

// firstLine returns the first line of what br holds, leaving it unread.
func firstLine(br *bufio.Reader) []byte {
	b, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return b
}

// firstByte returns the first byte that is not white space or a BOM,
// leaving it unread, and how many line feeds it skipped. A UTF-16 byte
// order mark is taken for '<' (only XML is read in UTF-16), left unread.
func firstByte(br *bufio.Reader) (byte, int, error) {
	lines := 0
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, lines, err
		}
		switch b[0] {
		case '\n':
			lines++
			br.ReadByte()
			continue
		case ' ', '\t', '\r':
			br.ReadByte()
			continue
		case 0xef: // a UTF-8 byte order mark
			if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\ufeff")) {
				br.Discard(3)
				continue
			}
		case 0xfe, 0xff: // a UTF-16 byte order mark: only XML comes in UTF-16
			if bom, _ := br.Peek(2); bytes.Equal(bom, []byte{0xfe, 0xff}) || bytes.Equal(bom, []byte{0xff, 0xfe}) {
				return '<', lines, nil
			}
		}
		return b[0], lines, nil
	}
}

func (in *Ingester) xml(path string, r io.Reader, sum *Summary, asm *cybertip.Assembler, xmlFile map[any]string) error {
	limit := in.CyberTip.MaxBytes
	if limit <= 0 {
		limit = cybertip.DefaultMaxBytes
	}
	doc, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		sum.Rejected = append(sum.Rejected, Rejection{File: path, Error: err.Error()})
		return nil
	} else if int64(len(doc)) > limit {
		sum.Rejected = append(sum.Rejected, Rejection{File: path, Error: fmt.Sprintf("document larger than %d bytes", limit)})
		return nil
	}
	id := reportIDFromName(path)
	opts := in.CyberTip
	opts.ReportID = id
	d, err := cybertip.Parse(doc, opts)
	if err != nil {
		sum.Rejected = append(sum.Rejected, rejection(path, err))
		return nil
	}
	if d.Report != nil {
		d.Report.Referral.ReceivedAt = in.now().UTC()
		err = asm.AddReport(d.Report)
		xmlFile[d.Report.Referral.SourceRef] = path
	} else {
		xmlFile[d.FileDetails] = path
		err = asm.AddFileDetails(d.FileDetails)
	}
	if err != nil {
		sum.Rejected = append(sum.Rejected, rejection(path, err))
	}
	return nil
}

// reportIDFromName returns the NCMEC report id a file is named after
// ("123456789.xml"), or "".
func reportIDFromName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if base == "" || len(base) > 18 {
		return ""
	}
	for _, c := range base {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return base
}

func (in *Ingester) jsonLines(ctx context.Context, path string, r io.Reader, sum *Summary) error {
	max := in.MaxLine
	if max <= 0 {
		max = DefaultMaxLine
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), max)
	line := 0
	for sc.Scan() {
		line++
		if err := ctx.Err(); err != nil {
			return err
		}
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		ref, err := DecodeJSON(text, in.now())
		if err != nil {
			sum.Rejected = append(sum.Rejected, Rejection{File: path, Where: fmt.Sprintf("line %d", line), Error: safeguard.ErrorMessage(err)})
			continue
		}
		if err := in.store(ctx, ref, sum, path, fmt.Sprintf("line %d", line)); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		where := fmt.Sprintf("line %d", line+1)
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line longer than %d bytes; the rest of the file was not read", max)
		}
		sum.Rejected = append(sum.Rejected, Rejection{File: path, Where: where, Error: err.Error()})
	}
	return nil
}

// batchCreator is a ReferralService that can store many referrals in one
// transaction (store.ReferralService does).
type batchCreator interface {
	CreateReferrals(ctx context.Context, refs []*safeguard.Referral) (dups []bool, err error)
}

// pendingAttributor is a LinkService that marks the subjects it links for
// attribution and resolves them when asked (store.LinkService does, when
// its Attribute is set).
type pendingAttributor interface {
	AttributePending(ctx context.Context) (int, error)
}

// attachedLinker is a LinkService that links what an attachment added to
// a stored referral (store.LinkService does).
type attachedLinker interface {
	LinkAttached(ctx context.Context, source, sourceRef string, a *safeguard.Attachment) (safeguard.LinkSummary, error)
}

// batchLinker is a LinkService that can store and link a batch in one
// transaction (store.LinkService does).
type batchLinker interface {
	CreateAndLinkReferrals(ctx context.Context, refs []*safeguard.Referral) (dups []bool, sum safeguard.LinkSummary, err error)
}

// Batches start small, so the first referrals of a run are committed at
// once, and double up to MaxBatch while a batch's transaction stays well
// within MaxTxTime; one that took longer scales the next down to fit.
// The default is half the store's SQLite busy timeout (10 s).
const (
	firstBatch       = 16
	DefaultMaxBatch  = 20000
	DefaultMaxTxTime = 5 * time.Second
)

// pending is a referral waiting for its batch, with where it came from.
type pending struct {
	ref         *safeguard.Referral
	file, where string
}

// store queues one referral for its batch, or commits it at once when the
// service cannot take batches. It is counted only once committed.
func (in *Ingester) store(ctx context.Context, ref *safeguard.Referral, sum *Summary, file, where string) error {
	if _, ok := in.Referrals.(batchCreator); !ok || in.MaxBatch < 0 {
		return in.storeOne(ctx, ref, sum, file, where)
	}
	in.queue = append(in.queue, pending{ref, file, where})
	if in.batch == 0 {
		in.batch = firstBatch
	}
	if len(in.queue) >= in.batch {
		return in.flush(ctx, sum)
	}
	return nil
}

// nextBatch sizes the batch after one of n referrals whose transaction
// took took: double while it took under half of MaxTxTime, scaled down
// when it took longer, never under firstBatch or over MaxBatch.
func (in *Ingester) nextBatch(n int, took time.Duration) {
	limit, most := in.MaxBatch, in.MaxTxTime
	if limit == 0 {
		limit = DefaultMaxBatch
	}
	if most <= 0 {
		most = DefaultMaxTxTime
	}
	switch {
	case n < in.batch: // the run's last, short batch says nothing
	case took > most:
		in.batch = int(float64(n) * float64(most) / float64(took))
	case took < most/2:
		in.batch = n * 2
	}
	in.batch = max(min(in.batch, limit), firstBatch)
}

// flush commits the queued referrals in one transaction. If the batch is
// refused because one referral is bad, each is stored on its own so the
// others still land and the bad one is listed where it was read.
func (in *Ingester) flush(ctx context.Context, sum *Summary) error {
	if len(in.queue) == 0 {
		return nil
	}
	queue := in.queue
	in.queue = in.queue[:0]
	refs := make([]*safeguard.Referral, len(queue))
	for i, p := range queue {
		refs[i] = p.ref
	}
	var dups []bool
	var err error
	started := time.Now()
	bl, fused := in.Linker.(batchLinker)
	if fused {
		var got safeguard.LinkSummary
		dups, got, err = bl.CreateAndLinkReferrals(ctx, refs)
		sum.Linking.Add(got)
	} else {
		dups, err = in.Referrals.(batchCreator).CreateReferrals(ctx, refs)
	}
	in.nextBatch(len(refs), time.Since(started))
	switch safeguard.ErrorCode(err) {
	case "":
		for _, dup := range dups {
			sum.count(dup)
		}
		if fused {
			return nil // linked in the batch's transaction; the run's end links any a killed run left
		}
		return in.link(ctx, sum)
	case safeguard.EINVALID, safeguard.ECONFLICT, safeguard.ENOTFOUND:
		for _, p := range queue {
			if err := in.storeOne(ctx, p.ref, sum, p.file, p.where); err != nil {
				return err
			}
		}
		return in.link(ctx, sum)
	}
	return err
}

// link links every referral that has no subject yet: those just
// committed, and any a killed run committed but did not link.
func (in *Ingester) link(ctx context.Context, sum *Summary) error {
	if in.Linker == nil {
		return nil
	}
	got, err := in.Linker.LinkPending(ctx, 0)
	sum.Linking.Add(got)
	return err
}

// storeOne commits one referral. A referral the store refuses as invalid
// is listed; any other failure stops the run.
func (in *Ingester) storeOne(ctx context.Context, ref *safeguard.Referral, sum *Summary, file, where string) error {
	dup, err := in.Referrals.CreateReferral(ctx, ref)
	switch safeguard.ErrorCode(err) {
	case "":
		sum.count(dup)
		return nil
	case safeguard.EINVALID, safeguard.ECONFLICT:
		sum.Rejected = append(sum.Rejected, Rejection{File: file, Where: where, Error: safeguard.ErrorMessage(err)})
		return nil
	}
	return err
}

// rejection lists a document refused by the parser, with where it went
// wrong when the parser says.
func rejection(path string, err error) Rejection {
	var pe *cybertip.ParseError
	if errors.As(err, &pe) {
		return Rejection{File: path, Where: pe.Where(), Error: pe.Reason}
	}
	return Rejection{File: path, Error: safeguard.ErrorMessage(err)}
}
