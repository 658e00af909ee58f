package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"safeguard"
)

// operationForm is the new-operation form as submitted.
type operationForm struct {
	Code, Name, StartsAt, EndsAt, Forces, Coordinators, AcceptHours, Status string
}

// showOperationCreate handles GET /operations/new.
func (s *Server) showOperationCreate(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "operation_new", &view{Page: operationForm{AcceptHours: strconv.Itoa(safeguard.DefaultAcceptHours)}})
}

// splitList splits a list typed with commas or spaces.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })
}

// parseFormTime parses an optional datetime-local value as UTC.
func parseFormTime(v, label string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse("2006-01-02T15:04", v)
	if err != nil {
		return nil, safeguard.Errorf(safeguard.EINVALID, "%s must be a date and time (UTC), e.g. 2026-03-14T09:30, not %q.", label, v)
	}
	return &t, nil
}

// createOperation handles POST /operations.
func (s *Server) createOperation(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, formError(err))
		return
	}
	f := r.PostForm
	form := operationForm{Code: strings.ToUpper(strings.TrimSpace(f.Get("code"))), Name: strings.TrimSpace(f.Get("name")),
		StartsAt: f.Get("starts_at"), EndsAt: f.Get("ends_at"), Forces: f.Get("forces"), Coordinators: f.Get("coordinators"),
		AcceptHours: strings.TrimSpace(f.Get("accept_hours")), Status: f.Get("status")}
	o := &safeguard.Operation{Code: form.Code, Name: form.Name, Status: form.Status,
		Forces: splitList(strings.ToUpper(form.Forces)), Coordinators: splitList(form.Coordinators)}
	err := func() error {
		var err error
		if o.AcceptHours, err = formInt(r, "accept_hours", "Hours to accept"); err != nil {
			return err
		}
		starts, err := parseFormTime(form.StartsAt, "Starts")
		if err != nil {
			return err
		} else if starts != nil {
			o.StartsAt = *starts
		}
		if o.EndsAt, err = parseFormTime(form.EndsAt, "Ends"); err != nil {
			return err
		}
		return s.svc.Operations.CreateOperation(r.Context(), o)
	}()
	if code, msg, _, ok := formFailure(err); ok || safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
		if !ok {
			code, msg = http.StatusBadRequest, safeguard.ErrorMessage(err)
		}
		s.render(w, r, code, "operation_new", &view{Page: form, Error: msg})
		return
	} else if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/operations/"+o.Code+"?done=created", http.StatusSeeOther)
}

// updateOperationStatus handles POST /operations/{code}/status.
func (s *Server) updateOperationStatus(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, formError(err))
		return
	}
	status := r.PostForm.Get("status")
	o, err := s.svc.Operations.UpdateOperation(r.Context(), r.PathValue("code"), safeguard.OperationUpdate{Status: &status})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/operations/"+o.Code+"?done=status", http.StatusSeeOther)
}

// sendPackage handles POST /operations/{code}/packages. When
// deconfliction finds holders, the page shows them and asks the user to
// confirm coordination before sending.
func (s *Server) sendPackage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, formError(err))
		return
	}
	ctx := r.Context()
	form := sendForm{SubjectRef: strings.TrimSpace(r.PostForm.Get("subject_ref")), ForceCode: r.PostForm.Get("force_code"),
		Note: strings.TrimSpace(r.PostForm.Get("note"))}
	code := r.PathValue("code")
	var pkg *safeguard.Package
	err := func() error {
		op, err := s.svc.Operations.FindOperationByCode(ctx, code)
		if err != nil {
			return err
		}
		subj, err := s.svc.Subjects.FindSubjectByRef(ctx, form.SubjectRef)
		if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
			return safeguard.Errorf(safeguard.EINVALID, "There is no subject %q.", form.SubjectRef)
		} else if err != nil {
			return err
		}
		pkg = &safeguard.Package{OperationID: op.ID, SubjectID: subj.ID, ForceCode: form.ForceCode, Note: form.Note,
			Coordinated: r.PostForm.Get("coordinated") == "yes"}
		return s.svc.Operations.SendPackage(ctx, pkg)
	}()
	if status, msg, hits, ok := formFailure(err); ok {
		p, perr := s.operationPage(r, code)
		if perr != nil {
			s.Error(w, r, perr)
			return
		}
		p.Send, p.Hits, p.FormError = form, hits, msg
		s.renderOperation(w, r, status, p)
		return
	} else if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/packages/"+strconv.FormatInt(pkg.ID, 10)+"?done=sent", http.StatusSeeOther)
}
