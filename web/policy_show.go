package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"safeguard"
	"safeguard/risk"
)

// whatIfLimit is how many moved subjects the what-if lists.
const whatIfLimit = 200

// policyPage is one policy's page: the document and, for a candidate, what
// applying it would do to the backlog.
type policyPage struct {
	Policy    *safeguard.RiskPolicy
	Builtin   bool
	Document  string // indented
	WhatIf    *safeguard.PolicyWhatIf
	Moves     []moveCount
	Forces    []forceMoves
	CanDecide bool
}

// moveCount is how many subjects move between two bands.
type moveCount struct {
	Move  string // "high>immediate"
	From  string
	To    string
	Count int
}

// forceMoves is one force's moves, in the columns of the national moves.
type forceMoves struct {
	Force  string // "" is the national centre
	Counts []int
	Total  int
}

// showPolicy handles GET /policies/{version}. A candidate's what-if runs
// over the whole open backlog without saving anything (audited by the
// store); only policy managers may run it.
func (s *Server) showPolicy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	version := r.PathValue("version")
	list, err := s.svc.Risk.FindPolicies(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := &policyPage{}
	for _, pol := range list {
		if pol.Version == version {
			p.Policy = pol
		}
	}
	switch {
	case p.Policy != nil:
	case version == risk.Builtin().Version:
		p.Builtin = true
		p.Policy = &safeguard.RiskPolicy{Version: version, Name: risk.Builtin().Name, Document: risk.BuiltinJSON(), Status: safeguard.PolicyRetired}
		if activeVersion(list) == version {
			p.Policy.Status = safeguard.PolicyActive
		}
	default:
		s.Error(w, r, safeguard.Errorf(safeguard.ENOTFOUND, "No risk policy %q.", version))
		return
	}
	p.Document = indentJSON(p.Policy.Document)
	a, _ := safeguard.ActorFromContext(ctx)
	if p.Policy.Status == safeguard.PolicyCandidate && a.Can(safeguard.PermManagePolicies) {
		if p.WhatIf, err = s.svc.Risk.WhatIf(ctx, version, whatIfLimit); err != nil {
			s.Error(w, r, err)
			return
		}
		p.Moves, p.Forces = whatIfTables(p.WhatIf)
		p.CanDecide = true
	}
	s.render(w, r, http.StatusOK, "policy_show", &view{Page: p})
}

// whatIfTables lays out a what-if's moves, most urgent destination first,
// and a row per force in the same columns.
func whatIfTables(w *safeguard.PolicyWhatIf) ([]moveCount, []forceMoves) {
	var moves []moveCount
	for k, n := range w.Moves {
		from, to, _ := strings.Cut(k, ">")
		moves = append(moves, moveCount{Move: k, From: from, To: to, Count: n})
	}
	sort.Slice(moves, func(i, j int) bool {
		a, b := moves[i], moves[j]
		if ra, rb := safeguard.Band(a.To).Rank(), safeguard.Band(b.To).Rank(); ra != rb {
			return ra < rb
		}
		return safeguard.Band(a.From).Rank() < safeguard.Band(b.From).Rank()
	})
	var forces []forceMoves
	for code, counts := range w.ByForce {
		row := forceMoves{Force: code}
		for _, m := range moves {
			row.Counts = append(row.Counts, counts[m.Move])
			row.Total += counts[m.Move]
		}
		forces = append(forces, row)
	}
	sort.Slice(forces, func(i, j int) bool { return forces[i].Force < forces[j].Force })
	return moves, forces
}

// indentJSON indents a policy document for reading, or shows it as stored
// if it does not parse.
func indentJSON(doc []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, doc, "", "  "); err != nil {
		return string(doc)
	}
	return buf.String()
}

// applyPolicy handles POST /policies/{version}/apply: the candidate
// becomes active and the assessor re-assesses the backlog in the
// background.
func (s *Server) applyPolicy(w http.ResponseWriter, r *http.Request) {
	s.decidePolicy(w, r, s.svc.Risk.ApplyPolicy, "policy-applied")
}

// discardPolicy handles POST /policies/{version}/discard.
func (s *Server) discardPolicy(w http.ResponseWriter, r *http.Request) {
	s.decidePolicy(w, r, s.svc.Risk.DiscardPolicy, "policy-discarded")
}

func (s *Server) decidePolicy(w http.ResponseWriter, r *http.Request, decide func(context.Context, string) error, done string) {
	version := r.PathValue("version")
	if err := decide(r.Context(), version); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/policies/"+url.PathEscape(version)+"?done="+done, http.StatusSeeOther)
}
