package web

import (
	"context"
	"net/http"

	"safeguard"
	"safeguard/matcher"
)

// Hash lookup limits.
const (
	maxMatchHashes     = 10000
	defaultMatchRadius = 31 // PDQ's own threshold: distance ≤ 31
	maxMatchRadius     = 64
)

// matchRequest is the body of POST /api/v1/match.
type matchRequest struct {
	Hashes []matcher.Query `json:"hashes"`
	Radius *int            `json:"radius"`
}

// matchResponse is the answer to a hash lookup: every match, and the banks
// (with their versions) that were searched.
type matchResponse struct {
	Matches []matcher.Result `json:"matches"`
	Banks   []matchBank      `json:"banks"`
	Radius  int              `json:"radius"`
}

type matchBank struct {
	Name    string           `json:"name"`
	Version int              `json:"version"`
	Scheme  safeguard.Scheme `json:"scheme"`
	Entries int              `json:"entries"`
}

// apiMatch handles POST /api/v1/match.
func (s *Server) apiMatch(w http.ResponseWriter, r *http.Request) {
	var req matchRequest
	if err := decodeJSON(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	radius := defaultMatchRadius
	if req.Radius != nil {
		radius = *req.Radius
	}
	resp, err := s.lookup(r.Context(), req.Hashes, radius)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// lookup checks a lookup's size and radius and answers it from the
// in-memory banks, loading them first if this server never has. It asks
// the database nothing once they are loaded: keeping them current is
// Set.Watch's job.
func (s *Server) lookup(ctx context.Context, hashes []matcher.Query, radius int) (*matchResponse, error) {
	switch {
	case len(hashes) == 0:
		return nil, safeguard.Errorf(safeguard.EINVALID, "hashes: at least one hash is required")
	case len(hashes) > maxMatchHashes:
		return nil, safeguard.Errorf(safeguard.EINVALID, "at most %d hashes in one lookup (got %d)", maxMatchHashes, len(hashes))
	case radius < 0 || radius > maxMatchRadius:
		return nil, safeguard.Errorf(safeguard.EINVALID, "radius %d is not between 0 and %d", radius, maxMatchRadius)
	}
	if !s.svc.Matcher.Loaded() {
		// Not cancelled with the request: a half-done load would be
		// wasted, and the next lookup would wait for it all over again.
		if err := s.svc.Matcher.Refresh(context.WithoutCancel(ctx)); err != nil {
			return nil, err
		}
	}
	// The banks first: a refresh between the two can only make the
	// results newer than the list, and each result names its version.
	resp := &matchResponse{Radius: radius, Banks: []matchBank{}}
	for _, b := range s.svc.Matcher.Banks() {
		resp.Banks = append(resp.Banks, matchBank{Name: b.Name, Version: b.Version, Scheme: b.Scheme, Entries: b.Entries})
	}
	var err error
	if resp.Matches, err = s.svc.Matcher.Lookup(hashes, radius); err != nil {
		return nil, err
	}
	return resp, nil
}
