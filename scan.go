package safeguard

import (
	"context"
	"time"
)

// ScanReport is the result of matching a device's files against banks, as
// written by `safeguard scan`. Document is the report JSON as uploaded; its
// SHA-256 is recorded so the copy can be checked.
type ScanReport struct {
	ID         int64                     `json:"id"`
	SubjectID  *int64                    `json:"subject_id,omitempty"`
	Document   []byte                    `json:"-"`
	SHA256     string                    `json:"sha256"`
	Tool       string                    `json:"tool"`
	Files      int                       `json:"files"`
	Matched    int                       `json:"matched"`
	ByCategory map[Scheme]map[string]int `json:"by_category"`
	UploadedBy string                    `json:"uploaded_by"`
	CreatedAt  time.Time                 `json:"created_at"`
}

// ScanReportService stores scan reports. Reads are audited and force scoped
// through the subject they are attached to.
type ScanReportService interface {
	// CreateScanReport stores r. Requires PermAssess or PermRecordActions.
	CreateScanReport(ctx context.Context, r *ScanReport) error
	// FindScanReportByID returns ENOTFOUND if none or not visible.
	FindScanReportByID(ctx context.Context, id int64) (*ScanReport, error)
	// FindScanReports lists the reports attached to a subject.
	FindScanReports(ctx context.Context, subjectID int64) ([]*ScanReport, error)
}
