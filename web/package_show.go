package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"safeguard"
)

// packagePage is one package as its force (or the national centre) sees
// it: status, deadline, history, actions, and the forms to answer,
// re-assign and record actions.
type packagePage struct {
	Package    *safeguard.Package
	Actions    []*safeguard.Action
	Superseded map[int64]int64
	Kinds      []string
	Forces     []*safeguard.Force
	CanAnswer  bool
	CanManage  bool
	CanAct     bool
	// CanReadSubject links the subject's page: identifiers, attribution
	// with its reasons, the band with its explanation, category counts.
	CanReadSubject bool
	Action         actionForm
	Hits           []*safeguard.DeconflictHit
	FormError      string
}

// actionForm is the record-an-action form as submitted. Key is an
// idempotency key made when the form is drawn, so a form submitted twice
// records one action.
type actionForm struct {
	Kind, Count, At, Officer, Note, Override, Supersedes, Correction, Key string
}

func packageID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, safeguard.Errorf(safeguard.ENOTFOUND, "There is no package %q.", r.PathValue("id"))
	}
	return id, nil
}

// showPackage handles GET /packages/{id}.
func (s *Server) showPackage(w http.ResponseWriter, r *http.Request) {
	id, err := packageID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderPackage(w, r, http.StatusOK, id, &packagePage{Action: actionForm{Key: newIdempotencyKey()}})
}

func newIdempotencyKey() string {
	var b [12]byte
	rand.Read(b[:])
	return "form-" + hex.EncodeToString(b[:])
}

// renderPackage loads the package into p and renders it with status.
func (s *Server) renderPackage(w http.ResponseWriter, r *http.Request, status int, id int64, p *packagePage) {
	ctx := r.Context()
	pkg, err := s.svc.Operations.FindPackage(ctx, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	acts, err := s.svc.Operations.FindActions(ctx, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	actor, _ := safeguard.ActorFromContext(ctx)
	p.Package, p.Actions, p.Kinds = pkg, acts, safeguard.ActionKinds
	p.CanAnswer = actor.Can(safeguard.PermAcceptPackages) && pkg.Status == safeguard.PackageSent
	p.CanManage, p.CanAct = actor.Can(safeguard.PermManageOps), actor.Can(safeguard.PermRecordActions)
	p.CanReadSubject = actor.Can(safeguard.PermReadPersonal) && s.svc.Subjects != nil
	p.Superseded = map[int64]int64{}
	for _, a := range acts {
		if a.Supersedes != nil {
			p.Superseded[*a.Supersedes] = a.ID
		}
	}
	if p.Action.At == "" {
		p.Action.At = time.Now().UTC().Format("2006-01-02T15:04")
	}
	if p.CanManage && s.svc.Forces != nil {
		if p.Forces, err = s.svc.Forces.FindForces(ctx); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.render(w, r, status, "package_show", &view{Page: p, Flash: opsDone[r.URL.Query().Get("done")], Error: p.FormError})
}

// formFailure re-renders a form's page for an error the user can fix,
// and hands any other to the error page.
func formFailure(err error) (status int, msg string, hits []*safeguard.DeconflictHit, ok bool) {
	var de *safeguard.DeconflictionError
	if errors.As(err, &de) {
		return http.StatusConflict, safeguard.ErrorMessage(err), de.Hits, true
	}
	switch code := safeguard.ErrorCode(err); code {
	case safeguard.EINVALID, safeguard.ECONFLICT:
		return errorStatus(code), safeguard.ErrorMessage(err), nil, true
	}
	return 0, "", nil, false
}

// answerPackage handles POST /packages/{id}/answer: answer=accepted or
// answer=returned with a reason.
func (s *Server) answerPackage(w http.ResponseWriter, r *http.Request) {
	s.packageFormChange(w, r, func(id int64) (string, error) {
		status := r.PostForm.Get("answer")
		_, err := s.svc.Operations.AnswerPackage(r.Context(), id, status, strings.TrimSpace(r.PostForm.Get("reason")))
		return status, err
	})
}

// reassignPackage handles POST /packages/{id}/reassign.
func (s *Server) reassignPackage(w http.ResponseWriter, r *http.Request) {
	s.packageFormChange(w, r, func(id int64) (string, error) {
		_, err := s.svc.Operations.ReassignPackage(r.Context(), id, r.PostForm.Get("force_code"), strings.TrimSpace(r.PostForm.Get("reason")))
		return "reassigned", err
	})
}

// packageFormChange parses the form, applies change to the package named
// in the path, and redirects to the package with the done message change
// names, or shows the page again with an error the user can fix.
func (s *Server) packageFormChange(w http.ResponseWriter, r *http.Request, change func(id int64) (done string, err error)) {
	id, err := packageID(r)
	if err == nil {
		err = r.ParseForm()
	}
	if err != nil {
		s.Error(w, r, formError(err))
		return
	}
	done, err := change(id)
	if code, msg, _, ok := formFailure(err); ok {
		s.renderPackage(w, r, code, id, &packagePage{FormError: msg, Action: actionForm{Key: newIdempotencyKey()}})
		return
	} else if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/packages/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
}

// recordAction handles POST /packages/{id}/actions: a new action, or a
// correction when supersedes names an earlier one.
func (s *Server) recordAction(w http.ResponseWriter, r *http.Request) {
	id, err := packageID(r)
	if err == nil {
		err = r.ParseForm()
	}
	if err != nil {
		s.Error(w, r, formError(err))
		return
	}
	f := r.PostForm
	form := actionForm{Kind: f.Get("kind"), Count: strings.TrimSpace(f.Get("count")), At: f.Get("at"), Officer: strings.TrimSpace(f.Get("officer")), Note: strings.TrimSpace(f.Get("note")),
		Override: strings.TrimSpace(f.Get("override_reason")), Supersedes: f.Get("supersedes"),
		Correction: strings.TrimSpace(f.Get("correction_reason")), Key: f.Get("idempotency_key")}
	a := &safeguard.Action{PackageID: id, Kind: form.Kind, Officer: form.Officer, Note: form.Note, OverrideReason: form.Override,
		CorrectionNote: form.Correction, IdempotencyKey: form.Key, Coordinated: f.Get("coordinated") == "yes"}
	err = func() error {
		n, err := formInt(r, "count", "Count")
		if err != nil {
			return err
		}
		a.Count = n
		if a.At, err = time.Parse("2006-01-02T15:04", form.At); err != nil {
			return safeguard.Errorf(safeguard.EINVALID, "When must be a date and time (UTC), e.g. 2026-03-14T09:30, not %q.", form.At)
		}
		if form.Supersedes != "" {
			sup, err := strconv.ParseInt(form.Supersedes, 10, 64)
			if err != nil {
				return safeguard.Errorf(safeguard.EINVALID, "Corrects must name an earlier action.")
			}
			a.Supersedes = &sup
		}
		_, err = s.svc.Operations.RecordAction(r.Context(), a)
		return err
	}()
	if code, msg, hits, ok := formFailure(err); ok {
		s.renderPackage(w, r, code, id, &packagePage{FormError: msg, Action: form, Hits: hits})
		return
	} else if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/packages/"+strconv.FormatInt(id, 10)+"?done=recorded", http.StatusSeeOther)
}
