package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"safeguard"
)

// operationPage is the coordinator's live picture of one operation, over
// the packages the actor may see: a force user sees the same page for its
// own packages only, because the service filters them.
type operationPage struct {
	Report     *safeguard.OperationReport
	Op         *safeguard.Operation
	Timeline   []*safeguard.TimelineEntry // newest first, at most timelineRows
	More       int                        // time line entries not shown
	HourChart  template.HTML
	ForceChart template.HTML
	CanManage  bool
	Statuses   []string
	Forces     []*safeguard.Force // for the send form
	Send       sendForm
	Hits       []*safeguard.DeconflictHit
	FormError  string
}

// sendForm is the send-a-package form as submitted.
type sendForm struct {
	SubjectRef, ForceCode, Note string
}

// timelineRows is how many of the latest actions the page shows; the
// report has them all.
const timelineRows = 50

// opsDone are the confirmations the operation pages show after a redirect
// with ?done=KEY; only these fixed texts are ever shown.
var opsDone = map[string]string{
	"created":    "The operation has been created.",
	"status":     "The operation's status has been changed.",
	"sent":       "The package has been sent.",
	"accepted":   "The package has been accepted.",
	"returned":   "The package has been returned.",
	"reassigned": "The package has been re-assigned.",
	"recorded":   "The action has been recorded.",
}

// showOperation handles GET /operations/{code}; with ?fragment=live it
// answers only the live sections, which the page's script fetches again
// when an action arrives.
func (s *Server) showOperation(w http.ResponseWriter, r *http.Request) {
	p, err := s.operationPage(r, r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if r.URL.Query().Get("fragment") == "live" {
		s.renderBlock(w, r, "operation_show", "live", &view{Page: p})
		return
	}
	s.renderOperation(w, r, http.StatusOK, p)
}

func (s *Server) renderOperation(w http.ResponseWriter, r *http.Request, status int, p *operationPage) {
	s.render(w, r, status, "operation_show", &view{Page: p, Flash: opsDone[r.URL.Query().Get("done")], Error: p.FormError})
}

// operationPage loads the report and what the page's forms need.
func (s *Server) operationPage(r *http.Request, code string) (*operationPage, error) {
	ctx := r.Context()
	rep, err := s.svc.Operations.OperationReport(ctx, code)
	if err != nil {
		return nil, err
	}
	actor, _ := safeguard.ActorFromContext(ctx)
	p := &operationPage{Report: rep, Op: rep.Operation, CanManage: actor.Can(safeguard.PermManageOps),
		Statuses: []string{safeguard.OpPlanning, safeguard.OpLive, safeguard.OpClosed}}
	for i := len(rep.Timeline) - 1; i >= 0 && len(p.Timeline) < timelineRows; i-- {
		p.Timeline = append(p.Timeline, rep.Timeline[i])
	}
	p.More = len(rep.Timeline) - len(p.Timeline)
	p.HourChart = hourChart(rep.PerHour)
	p.ForceChart = forceChart(rep.Forces)
	if p.CanManage && s.svc.Forces != nil {
		if p.Forces, err = s.svc.Forces.FindForces(ctx); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// renderBlock executes one named block of a page's templates, without
// the layout: a fragment for the page's script.
func (s *Server) renderBlock(w http.ResponseWriter, r *http.Request, page, block string, v *view) {
	t := s.tmpl.pages[page]
	if t == nil {
		s.Error(w, r, fmt.Errorf("no template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, v); err != nil {
		s.Error(w, r, fmt.Errorf("render %s/%s: %w", page, block, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// formInt parses an optional whole number from a form, naming the field
// when it is not one.
func formInt(r *http.Request, field, label string) (int, error) {
	v := r.PostForm.Get(field)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, safeguard.Errorf(safeguard.EINVALID, "%s must be a whole number, not %q.", label, v)
	}
	return n, nil
}
