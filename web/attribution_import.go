package web

import (
	"bytes"
	"errors"
	"net/http"

	"safeguard"
)

// attributionFileField is the form field of an uploaded ISP file.
const attributionFileField = "file"

// importKindLabels name the import kinds on the page, in order.
var importKindLabels = []struct{ Kind, Label string }{
	{safeguard.ImportISPCSV, "ISP response CSV (ip, port_start, port_end, start, end, subscriber_id, name, install_address, billing_address)"},
	{safeguard.ImportRADIUS, "RADIUS accounting log (Acct-Status-Type Start/Stop)"},
	{safeguard.ImportProxyList, "Known VPN, proxy and Tor exits (one address or prefix a line)"},
}

// attributionPage is the attribution import page: the form, the result
// of the import just made, and the latest imports.
type attributionPage struct {
	Kinds   []struct{ Kind, Label string }
	Kind    string // the kind chosen last
	Result  *safeguard.AttributionImport
	Imports []*safeguard.AttributionImport
}

// showAttribution handles GET /attribution.
func (s *Server) showAttribution(w http.ResponseWriter, r *http.Request) {
	s.renderAttribution(w, r, http.StatusOK, &attributionPage{Kind: safeguard.ImportISPCSV}, "")
}

// importAttribution handles POST /attribution/imports: a multipart form
// with the kind and the file. The file is stored all or nothing; a bad one
// is shown with its file and line and nothing is stored. The subjects
// whose events fall in the imported span are re-resolved in the request.
func (s *Server) importAttribution(w http.ResponseWriter, r *http.Request) {
	p := &attributionPage{Kind: r.PostFormValue("kind")}
	imp := &safeguard.AttributionImport{Kind: p.Kind}
	doc, name, err := uploadedFile(r, attributionFileField)
	if err == nil {
		imp.FileName = name
		err = s.svc.Attribution.ImportAttributionFile(r.Context(), imp, bytes.NewReader(doc))
	}
	if err != nil && imp.ID == 0 {
		if safeguard.ErrorCode(err) != safeguard.EINVALID {
			s.Error(w, r, err)
			return
		}
		s.renderAttribution(w, r, http.StatusBadRequest, p, "Nothing was imported: "+safeguard.ErrorMessage(err))
		return
	}
	p.Result = imp
	msg := ""
	if err != nil {
		msg = safeguard.ErrorMessage(err)
	}
	s.renderAttribution(w, r, http.StatusOK, p, msg)
}

func (s *Server) renderAttribution(w http.ResponseWriter, r *http.Request, status int, p *attributionPage, msg string) {
	p.Kinds = importKindLabels
	var err error
	if p.Imports, err = s.svc.Attribution.FindAttributionImports(r.Context(), 50); err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, status, "attribution_import", &view{Page: p, Error: msg})
}

// uploadedFile returns the content and base name of the file uploaded in
// field; the form was parsed when its CSRF token was checked.
func uploadedFile(r *http.Request, field string) ([]byte, string, error) {
	if r.MultipartForm == nil {
		return nil, "", safeguard.Errorf(safeguard.EINVALID, "no file uploaded: send the form as multipart/form-data with the file in %q", field)
	}
	_, fh, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, "", safeguard.Errorf(safeguard.EINVALID, "no file uploaded: choose the file to import")
	} else if err != nil {
		return nil, "", safeguard.WrapError(safeguard.EINVALID, err, "the uploaded file could not be read")
	}
	doc, err := formFile(r, field)
	return doc, fh.Filename, err
}
