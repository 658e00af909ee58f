package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"safeguard"
)

// capacityRequest is the body of PUT /api/v1/forces/{code}/capacity.
type capacityRequest struct {
	Weekly  int                    `json:"weekly_capacity"`
	PerBand map[safeguard.Band]int `json:"band_capacity"`
}

// apiSetCapacity handles PUT /api/v1/forces/{code}/capacity: the force's
// weekly capacity and, optionally, its capacity per band (an empty or
// missing band_capacity clears it). The store checks the permission.
func (s *Server) apiSetCapacity(w http.ResponseWriter, r *http.Request) {
	var req capacityRequest
	if err := decodeJSON(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	f, err := s.svc.Forces.SetForceCapacity(r.Context(), r.PathValue("code"), req.Weekly, req.PerBand)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// setCapacity handles POST /forecast/capacity from the forecast page:
// fields force, weekly_capacity and, each optional, capacity_immediate …
// capacity_low. Back to the forecast, which shows the new figures.
func (s *Server) setCapacity(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, formError(err))
		return
	}
	number := func(field string) (int, bool, error) {
		v := strings.TrimSpace(r.PostForm.Get(field))
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, false, safeguard.Errorf(safeguard.EINVALID, "%s must be a whole number of subjects a week, not %q", strings.ReplaceAll(field, "_", " "), v)
		}
		return n, true, nil
	}
	weekly, _, err := number("weekly_capacity")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var perBand map[safeguard.Band]int
	for _, b := range safeguard.Bands {
		n, ok, err := number("capacity_" + string(b))
		if err != nil {
			s.Error(w, r, err)
			return
		} else if ok {
			if perBand == nil {
				perBand = map[safeguard.Band]int{}
			}
			perBand[b] = n
		}
	}
	code := r.PostForm.Get("force")
	if _, err := s.svc.Forces.SetForceCapacity(r.Context(), code, weekly, perBand); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/forecast?done=capacity&capacity_force="+url.QueryEscape(code), http.StatusSeeOther)
}
