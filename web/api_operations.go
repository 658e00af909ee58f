package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"safeguard"
)

// apiListOperations handles GET /api/v1/operations.
func (s *Server) apiListOperations(w http.ResponseWriter, r *http.Request) {
	ops, err := s.svc.Operations.FindOperations(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if ops == nil {
		ops = []*safeguard.Operation{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ops})
}

// apiCreateOperation handles POST /api/v1/operations.
func (s *Server) apiCreateOperation(w http.ResponseWriter, r *http.Request) {
	var o safeguard.Operation
	if err := decodeJSON(r, &o); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.svc.Operations.CreateOperation(r.Context(), &o); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, &o)
}

// operationWithPackages answers GET /api/v1/operations/{code}.
type operationWithPackages struct {
	*safeguard.Operation
	Packages []*safeguard.Package `json:"packages"`
}

// apiGetOperation handles GET /api/v1/operations/{code}: the operation and
// the packages the token may see.
func (s *Server) apiGetOperation(w http.ResponseWriter, r *http.Request) {
	op, err := s.svc.Operations.FindOperationByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	pkgs, err := s.svc.Operations.FindPackages(r.Context(), op.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, operationWithPackages{Operation: op, Packages: pkgs})
}

// apiUpdateOperation handles PATCH /api/v1/operations/{code}.
func (s *Server) apiUpdateOperation(w http.ResponseWriter, r *http.Request) {
	var upd safeguard.OperationUpdate
	if err := decodeJSON(r, &upd); err != nil {
		s.Error(w, r, err)
		return
	}
	op, err := s.svc.Operations.UpdateOperation(r.Context(), r.PathValue("code"), upd)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, op)
}

// sendInput is the body of POST /api/v1/operations/{code}/packages.
type sendInput struct {
	SubjectRef  string `json:"subject_ref"`
	ForceCode   string `json:"force_code"`
	Note        string `json:"note"`
	Coordinated bool   `json:"coordinated"`
}

// apiError answers err; a deconfliction error answers 409 with the hits,
// so the caller can show who holds the subject.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	var de *safeguard.DeconflictionError
	if errors.As(err, &de) {
		writeJSON(w, http.StatusConflict, map[string]any{
			"error": errorView{Code: safeguard.ECONFLICT, Message: safeguard.ErrorMessage(err), RequestID: safeguard.RequestIDFromContext(r.Context())},
			"hits":  de.Hits,
		})
		return
	}
	s.Error(w, r, err)
}

// apiSendPackage handles POST /api/v1/operations/{code}/packages.
func (s *Server) apiSendPackage(w http.ResponseWriter, r *http.Request) {
	var in sendInput
	if err := decodeJSON(r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	ctx := r.Context()
	op, err := s.svc.Operations.FindOperationByCode(ctx, r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if in.SubjectRef == "" {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "subject_ref is required"))
		return
	}
	subj, err := s.svc.Subjects.FindSubjectByRef(ctx, in.SubjectRef)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := &safeguard.Package{OperationID: op.ID, SubjectID: subj.ID, ForceCode: in.ForceCode, Note: in.Note, Coordinated: in.Coordinated}
	if err := s.svc.Operations.SendPackage(ctx, p); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

// packageWithActions answers GET /api/v1/packages/{id}.
type packageWithActions struct {
	*safeguard.Package
	Actions []*safeguard.Action `json:"actions"`
}

// apiGetPackage handles GET /api/v1/packages/{id}.
func (s *Server) apiGetPackage(w http.ResponseWriter, r *http.Request) {
	id, err := packageID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p, err := s.svc.Operations.FindPackage(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	acts, err := s.svc.Operations.FindActions(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if acts == nil {
		acts = []*safeguard.Action{}
	}
	writeJSON(w, http.StatusOK, packageWithActions{Package: p, Actions: acts})
}

// apiAnswerPackage handles POST /api/v1/packages/{id}/answer with
// {"status": "accepted"|"returned", "reason": "…"}.
func (s *Server) apiAnswerPackage(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	s.apiPackageChange(w, r, &in, func(id int64) (*safeguard.Package, error) {
		return s.svc.Operations.AnswerPackage(r.Context(), id, in.Status, strings.TrimSpace(in.Reason))
	})
}

// apiReassignPackage handles POST /api/v1/packages/{id}/reassign with
// {"force_code": "…", "reason": "…"}.
func (s *Server) apiReassignPackage(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ForceCode string `json:"force_code"`
		Reason    string `json:"reason"`
	}
	s.apiPackageChange(w, r, &in, func(id int64) (*safeguard.Package, error) {
		return s.svc.Operations.ReassignPackage(r.Context(), id, in.ForceCode, strings.TrimSpace(in.Reason))
	})
}

// apiPackageChange decodes the body into in, applies change to the
// package named in the path and answers with the package.
func (s *Server) apiPackageChange(w http.ResponseWriter, r *http.Request, in any, change func(id int64) (*safeguard.Package, error)) {
	id, err := packageID(r)
	if err == nil {
		err = decodeJSON(r, in)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p, err := change(id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// actionInput is the body of POST /api/v1/operations/{code}/actions.
type actionInput struct {
	PackageID        int64     `json:"package_id"`
	Kind             string    `json:"kind"`
	Count            int       `json:"count"`
	At               time.Time `json:"at"`
	Officer          string    `json:"officer"`
	Note             string    `json:"note"`
	OverrideReason   string    `json:"override_reason"`
	Supersedes       *int64    `json:"supersedes"`
	CorrectionReason string    `json:"correction_reason"`
	IdempotencyKey   string    `json:"idempotency_key"`
	Coordinated      bool      `json:"coordinated"`
}

// apiRecordAction handles POST /api/v1/operations/{code}/actions. The
// idempotency key comes from the Idempotency-Key header or the body
// (they must agree): a retry answers with the action first recorded and
// records nothing.
func (s *Server) apiRecordAction(w http.ResponseWriter, r *http.Request) {
	var in actionInput
	if err := decodeJSON(r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if key != "" && in.IdempotencyKey != "" && key != in.IdempotencyKey {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "the Idempotency-Key header and idempotency_key differ"))
		return
	} else if key == "" {
		key = in.IdempotencyKey
	}
	if len(key) > 200 {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "an idempotency key is at most 200 characters"))
		return
	}
	if in.PackageID < 1 {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "package_id is required"))
		return
	}
	if in.At.IsZero() {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "at is required: when the action happened, RFC 3339 with an offset"))
		return
	}
	a, err := s.svc.Operations.RecordAction(r.Context(), &safeguard.Action{PackageID: in.PackageID, Kind: in.Kind, Count: in.Count,
		At: in.At, Officer: strings.TrimSpace(in.Officer), Note: in.Note, OverrideReason: in.OverrideReason, Supersedes: in.Supersedes,
		CorrectionNote: in.CorrectionReason, IdempotencyKey: key, Coordinated: in.Coordinated, OperationCode: r.PathValue("code")})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/packages/"+strconv.FormatInt(a.PackageID, 10))
	writeJSON(w, http.StatusCreated, a)
}

// apiOperationReport handles GET /api/v1/operations/{code}/report.
func (s *Server) apiOperationReport(w http.ResponseWriter, r *http.Request) {
	rep, err := s.svc.Operations.OperationReport(r.Context(), r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// deconflictInput is the body of POST /api/v1/deconflict.
type deconflictInput struct {
	SubjectRef  string                 `json:"subject_ref"`
	Identifiers []safeguard.Identifier `json:"identifiers"`
	Address     string                 `json:"address"`
	ForceCode   string                 `json:"force_code"`
}

// apiDeconflict handles POST /api/v1/deconflict: who already holds these
// identifiers, this address or this subject.
func (s *Server) apiDeconflict(w http.ResponseWriter, r *http.Request) {
	var in deconflictInput
	if err := decodeJSON(r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	req := safeguard.DeconflictRequest{Identifiers: in.Identifiers, Address: in.Address, ForceCode: in.ForceCode}
	if in.SubjectRef != "" {
		subj, err := s.svc.Subjects.FindSubjectByRef(r.Context(), in.SubjectRef)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		req.SubjectID = subj.ID
	}
	hits, err := s.svc.Operations.Deconflict(r.Context(), req)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if hits == nil {
		hits = []*safeguard.DeconflictHit{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"hits": hits, "held": len(hits) > 0})
}
