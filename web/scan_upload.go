package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"safeguard"
)

// scanFileField is the form field of the uploaded report.
const scanFileField = "report"

// uploadScan handles POST /subjects/{ref}/scans: a multipart form with the
// JSON report written by `safeguard scan` and, optionally, the SHA-256
// from its .sha256 file to check the copy against. The report is stored as
// received and attached to the subject; a force user can attach reports
// to their own force's subjects only (another force's subject is a 404).
func (s *Server) uploadScan(w http.ResponseWriter, r *http.Request) {
	a := *stateFrom(r.Context()).actor
	if !canAny(a, safeguard.PermAssess, safeguard.PermRecordActions) {
		s.Error(w, r, safeguard.Errorf(safeguard.EFORBIDDEN, "Your role (%s) may not attach scan reports.", a.Role))
		return
	}
	sub, err := s.svc.Subjects.FindSubjectByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	doc, err := formFile(r, scanFileField)
	if err != nil {
		s.uploadScanFailed(w, r, sub, err)
		return
	}
	rep, err := parseScanReport(doc)
	if err != nil {
		s.uploadScanFailed(w, r, sub, err)
		return
	}
	sr := newScanReport(doc, rep, sub.ID)
	sr.SHA256 = expectedSHA256(r.PostForm.Get("sha256"))
	if err := s.svc.Scans.CreateScanReport(r.Context(), sr); err != nil {
		s.uploadScanFailed(w, r, sub, err)
		return
	}
	http.Redirect(w, r, "/subjects/"+url.PathEscape(sub.Ref)+"?done=scan#scans-h", http.StatusSeeOther)
}

// uploadScanFailed shows the subject page again with what was wrong with
// the upload, or the error page for anything but a bad report.
func (s *Server) uploadScanFailed(w http.ResponseWriter, r *http.Request, sub *safeguard.Subject, err error) {
	if safeguard.ErrorCode(err) != safeguard.EINVALID {
		s.Error(w, r, err)
		return
	}
	s.renderSubject(w, r, http.StatusBadRequest, sub, "The scan report was not attached: "+safeguard.ErrorMessage(err))
}

// formFile returns the content of the file uploaded in field; the form was
// parsed when its CSRF token was checked.
func formFile(r *http.Request, field string) ([]byte, error) {
	if r.MultipartForm == nil {
		return nil, safeguard.Errorf(safeguard.EINVALID, "no file uploaded: send the form as multipart/form-data with the report in %q", field)
	}
	f, _, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, safeguard.Errorf(safeguard.EINVALID, "no file uploaded: choose the report's JSON file")
	} else if err != nil {
		return nil, safeguard.WrapError(safeguard.EINVALID, err, "the uploaded file could not be read")
	}
	defer f.Close()
	doc, err := io.ReadAll(f)
	if err != nil {
		return nil, safeguard.WrapError(safeguard.EINVALID, err, "the uploaded file could not be read")
	}
	if len(doc) == 0 {
		return nil, safeguard.Errorf(safeguard.EINVALID, "the uploaded file is empty")
	}
	return doc, nil
}

// expectedSHA256 takes the hash from what a person pasted: the hex digits
// alone, or a line of sha256sum's output as `safeguard scan` writes it.
func expectedSHA256(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.ToLower(f[0])
}
