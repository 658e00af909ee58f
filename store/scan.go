package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"strings"

	"safeguard"
)

// ScanReportService stores scan reports. The uploaded document is sealed;
// its SHA-256 and the counts are kept in clear. Reads are audited and
// scoped through the subject a report is attached to: force users see only
// reports on their own force's subjects.
type ScanReportService struct{ db *DB }

var _ safeguard.ScanReportService = (*ScanReportService)(nil)

// NewScanReportService returns a ScanReportService over db.
func NewScanReportService(db *DB) *ScanReportService { return &ScanReportService{db: db} }

// ctxScanDocument binds a sealed scan report document to its column.
const ctxScanDocument = "scan_report.document"

// CreateScanReport stores r, setting its ID, SHA-256 (of Document),
// UploadedBy and CreatedAt. Requires PermAssess or PermRecordActions. A
// force user must attach the report to one of their force's subjects.
// Returns EINVALID for an empty document, a SHA-256 that does not match
// it, bad counts or an unknown scheme or category; ENOTFOUND (audited as
// scan_report.create.denied when it exists) for a subject the actor may
// not see; EINTERNAL if no data key is configured.
func (s *ScanReportService) CreateScanReport(ctx context.Context, r *safeguard.ScanReport) error {
	return s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("scan_report.create", safeguard.PermAssess, safeguard.PermRecordActions)
		if err != nil {
			return err
		}
		sum, byCat, err := checkScanReport(r)
		if err != nil {
			return err
		}
		if r.SubjectID == nil {
			if a.Role.ForceScoped() && a.Kind != safeguard.ActorSystem {
				return safeguard.Errorf(safeguard.EINVALID, "attach the scan report to one of your force's subjects")
			}
		} else {
			force, err := subjectForceCode(tx, *r.SubjectID)
			if err != nil {
				return err
			} else if !seesForce(a, force) {
				if err := tx.audit("scan_report.create.denied", "subject", id(*r.SubjectID), "force="+force); err != nil {
					return err
				}
				return commitThen(errNoSubjectForScan())
			}
		}
		doc, err := sealScanDocument(tx, r.Document)
		if err != nil {
			return err
		}
		r.SHA256, r.UploadedBy, r.CreatedAt = sum, a.Label(), tx.now
		r.ID, err = tx.insert(`INSERT INTO scan_reports (subject_id, document_enc, sha256, tool, files, matched,
			by_category, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			r.SubjectID, doc, r.SHA256, r.Tool, r.Files, r.Matched, byCat, r.UploadedBy, tx.now)
		if err != nil {
			return err
		}
		subject := ""
		if r.SubjectID != nil {
			subject = " subject=" + id(*r.SubjectID)
		}
		return tx.audit("scan_report.create", "scan_report", id(r.ID),
			"sha256="+r.SHA256+subject)
	})
}

// checkScanReport validates r and returns its document's SHA-256 and its
// counts by category as JSON.
func checkScanReport(r *safeguard.ScanReport) (string, string, error) {
	if len(r.Document) == 0 {
		return "", "", safeguard.Errorf(safeguard.EINVALID, "scan report document is empty")
	}
	h := sha256.Sum256(r.Document)
	sum := hex.EncodeToString(h[:])
	if r.SHA256 != "" && !strings.EqualFold(r.SHA256, sum) {
		return "", "", safeguard.Errorf(safeguard.EINVALID, "the document's SHA-256 is %s, not %s as given", sum, r.SHA256)
	}
	if r.Files < 0 || r.Matched < 0 || r.Matched > r.Files {
		return "", "", safeguard.Errorf(safeguard.EINVALID, "matched (%d) must be between 0 and files (%d)", r.Matched, r.Files)
	}
	for scheme, counts := range r.ByCategory {
		if !scheme.Valid() {
			return "", "", safeguard.Errorf(safeguard.EINVALID, "unknown category scheme %q", scheme)
		}
		for cat, n := range counts {
			if !scheme.ValidCategory(cat) {
				return "", "", safeguard.Errorf(safeguard.EINVALID, "category %q is not in the %s scheme", cat, scheme)
			} else if n < 0 {
				return "", "", safeguard.Errorf(safeguard.EINVALID, "negative count for category %s", cat)
			}
		}
	}
	byCat := r.ByCategory
	if byCat == nil {
		byCat = map[safeguard.Scheme]map[string]int{}
	}
	b, err := json.Marshal(byCat)
	if err != nil {
		return "", "", safeguard.WrapError(safeguard.EINVALID, err, "bad counts by category")
	}
	return sum, string(b), nil
}

// sealScanDocument encrypts a scan report document with the data key.
func sealScanDocument(tx *Tx, doc []byte) ([]byte, error) {
	sealer := tx.db.opts.Sealer
	if sealer == nil {
		return nil, safeguard.Errorf(safeguard.EINTERNAL, "no data key configured: scan reports cannot be stored or read")
	}
	ct, err := sealer.Seal(doc, ctxScanDocument)
	if err != nil {
		return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "cannot encrypt the scan report")
	}
	return ct, nil
}

// openScanDocument decrypts what sealScanDocument stored.
func openScanDocument(tx *Tx, ct []byte) ([]byte, error) {
	sealer := tx.db.opts.Sealer
	if sealer == nil {
		return nil, safeguard.Errorf(safeguard.EINTERNAL, "no data key configured: scan reports cannot be stored or read")
	}
	pt, err := sealer.Open(ct, ctxScanDocument)
	if err != nil {
		return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "cannot decrypt the scan report (wrong data key?)")
	}
	return pt, nil
}

// subjectForceCode returns the force holding a subject ("" if none yet),
// or ENOTFOUND.
func subjectForceCode(tx *Tx, subjectID int64) (string, error) {
	var force sql.NullString
	err := tx.queryRow(`SELECT force_code FROM subjects WHERE id = $1`, []any{subjectID}, &force)
	if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
		return "", errNoSubjectForScan()
	}
	return force.String, err
}

func errNoSubjectForScan() error { return safeguard.Errorf(safeguard.ENOTFOUND, "no such subject") }

func errNoScanReport() error { return safeguard.Errorf(safeguard.ENOTFOUND, "no such scan report") }

// scanReportColumns are read with the subject's force, which decides who
// may see the report.
const scanReportColumns = `r.id, r.subject_id, r.sha256, r.tool, r.files, r.matched, r.by_category,
	r.uploaded_by, r.created_at, s.force_code`

const scanReportFrom = ` FROM scan_reports r LEFT JOIN subjects s ON s.id = r.subject_id`

func scanScanReport(sc interface{ Scan(...any) error }, extra ...any) (*safeguard.ScanReport, string, error) {
	r := &safeguard.ScanReport{}
	var subject sql.NullInt64
	var byCat string
	var force sql.NullString
	dest := append([]any{&r.ID, &subject, &r.SHA256, &r.Tool, &r.Files, &r.Matched, &byCat,
		&r.UploadedBy, timeCol{&r.CreatedAt}, &force}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, "", translate(err)
	}
	if subject.Valid {
		r.SubjectID = &subject.Int64
	}
	if err := json.Unmarshal([]byte(byCat), &r.ByCategory); err != nil {
		return nil, "", safeguard.WrapError(safeguard.EINTERNAL, err, "corrupt scan report counts")
	}
	return r, force.String, nil
}

// FindScanReportByID returns the report with its document and audits the
// read (scan_report.read). Requires PermReadPersonal, PermAssess or
// PermRecordActions. Returns ENOTFOUND if there is none or the actor may
// not see it: a force user sees only reports attached to their force's
// subjects; the refusal is audited as scan_report.read.denied.
func (s *ScanReportService) FindScanReportByID(ctx context.Context, reportID int64) (*safeguard.ScanReport, error) {
	var r *safeguard.ScanReport
	err := s.db.view(ctx, func(tx *Tx) error {
		a, err := tx.require("scan_report.read", safeguard.PermReadPersonal, safeguard.PermAssess, safeguard.PermRecordActions)
		if err != nil {
			return err
		}
		var force string
		var doc []byte
		row := tx.tx.QueryRowContext(tx.ctx, `SELECT `+scanReportColumns+`, r.document_enc`+scanReportFrom+` WHERE r.id = $1`, reportID)
		if r, force, err = scanScanReport(row, &doc); safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
			return errNoScanReport()
		} else if err != nil {
			return err
		}
		if !seesForce(a, force) { // an unattached report has no force: national roles only
			r = nil
			if err := tx.audit("scan_report.read.denied", "scan_report", id(reportID), "force="+force); err != nil {
				return err
			}
			return commitThen(errNoScanReport())
		}
		if r.Document, err = openScanDocument(tx, doc); err != nil {
			return err
		}
		return tx.audit("scan_report.read", "scan_report", id(r.ID), "")
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// FindScanReports lists the reports attached to a subject, oldest first,
// without their documents, and audits the listing (scan_report.list).
// Requires PermReadPersonal, PermAssess or PermRecordActions. Returns
// ENOTFOUND if there is no such subject or the actor's force may not see
// it (audited as scan_report.list.denied).
func (s *ScanReportService) FindScanReports(ctx context.Context, subjectID int64) ([]*safeguard.ScanReport, error) {
	var reports []*safeguard.ScanReport
	err := s.db.view(ctx, func(tx *Tx) error {
		a, err := tx.require("scan_report.list", safeguard.PermReadPersonal, safeguard.PermAssess, safeguard.PermRecordActions)
		if err != nil {
			return err
		}
		force, err := subjectForceCode(tx, subjectID)
		if err != nil {
			return err
		} else if !seesForce(a, force) {
			if err := tx.audit("scan_report.list.denied", "subject", id(subjectID), "force="+force); err != nil {
				return err
			}
			return commitThen(errNoSubjectForScan())
		}
		rows, err := tx.query(`SELECT `+scanReportColumns+scanReportFrom+` WHERE r.subject_id = $1 ORDER BY r.id`, subjectID)
		if err != nil {
			return err
		}
		defer rows.Close()
		reports = reports[:0]
		var ids []string
		for rows.Next() {
			r, _, err := scanScanReport(rows)
			if err != nil {
				return err
			}
			reports = append(reports, r)
			ids = append(ids, id(r.ID))
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		return tx.audit("scan_report.list", "subject", id(subjectID), "reports="+strings.Join(ids, ","))
	})
	if err != nil {
		return nil, err
	}
	return reports, nil
}
