package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"safeguard"
)

// codeTooLarge is the JSON error code for a request body over the limit; the
// domain has no code for it because only HTTP limits bodies.
const codeTooLarge = "too_large"

// codeMethod is the JSON error code for a known path asked with a method it
// does not take.
const codeMethod = "method_not_allowed"

// errorStatus maps a domain error code to an HTTP status. It is the only
// place that does.
func errorStatus(code string) int {
	switch code {
	case safeguard.EINVALID:
		return http.StatusBadRequest
	case safeguard.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case safeguard.EFORBIDDEN:
		return http.StatusForbidden
	case safeguard.ENOTFOUND:
		return http.StatusNotFound
	case safeguard.ECONFLICT:
		return http.StatusConflict
	case safeguard.ETOOMANY:
		return http.StatusTooManyRequests
	case safeguard.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case codeTooLarge:
		return http.StatusRequestEntityTooLarge
	case codeMethod:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

// errorView is what the error page and the JSON error show.
type errorView struct {
	Status    int    `json:"-"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

// classify returns the code and the safe message for err. Internal errors
// get a generic message: their cause is for the log only.
func classify(err error) (code, msg string) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return codeTooLarge, fmt.Sprintf("Request body too large: the limit is %s.", formatBytes(mbe.Limit))
	}
	var me *methodError
	if errors.As(err, &me) {
		return codeMethod, "Method " + me.method + " is not allowed here; use " + strings.Join(me.allowed, " or ") + "."
	}
	code = safeguard.ErrorCode(err)
	switch code {
	case safeguard.EINTERNAL:
		return code, "Internal error. Quote the request id if you report it."
	case safeguard.EUNAVAILABLE:
		msg = safeguard.ErrorMessage(err)
		if msg == "" {
			msg = "Service unavailable; try again shortly."
		}
		return code, msg
	}
	return code, safeguard.ErrorMessage(err)
}

// Error answers a request with err: an HTML error page, or a JSON error
// object for the API. Internal and unavailable errors are logged here, once,
// with the request id.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := classify(err)
	v := errorView{Status: errorStatus(code), Code: code, Message: msg,
		RequestID: safeguard.RequestIDFromContext(r.Context())}
	switch code {
	case safeguard.EINTERNAL:
		s.logger.Error("internal error", "request_id", v.RequestID, "method", r.Method, "path", r.URL.Path, "error", err)
	case safeguard.EUNAVAILABLE:
		s.logger.Warn("service unavailable", "request_id", v.RequestID, "path", r.URL.Path, "error", err)
	case safeguard.ETOOMANY:
		w.Header().Set("Retry-After", "60")
	case safeguard.EUNAUTHORIZED:
		if isAPI(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="safeguard"`)
		}
	}
	if isAPI(r) {
		writeJSON(w, v.Status, map[string]errorView{"error": v})
		return
	}
	s.renderError(w, r, v)
}

// writeJSON writes v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"Internal error."}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// decodeJSON reads one JSON value from the request body into v, refusing
// unknown fields and trailing data. Its errors say where the body is wrong.
func decodeJSON(r *http.Request, v any) error {
	if r.Body == nil {
		return safeguard.Errorf(safeguard.EINVALID, "request body is empty; want a JSON object")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return safeguard.Errorf(safeguard.EINVALID, "malformed JSON: unexpected data after the object at byte offset %d", dec.InputOffset())
	}
	return nil
}

// jsonError turns a decoding error into an EINVALID error that says where
// the JSON is wrong. A body over the size limit passes through for 413.
func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &syn):
		return safeguard.WrapError(safeguard.EINVALID, err, "malformed JSON at byte offset %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		return safeguard.WrapError(safeguard.EINVALID, err, "malformed JSON at byte offset %d: field %s: cannot use a JSON %s as %s", typ.Offset, field, typ.Value, typ.Type)
	case errors.Is(err, io.EOF):
		return safeguard.Errorf(safeguard.EINVALID, "request body is empty; want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return safeguard.WrapError(safeguard.EINVALID, err, "malformed JSON: the body ends in the middle of a value")
	}
	return safeguard.WrapError(safeguard.EINVALID, err, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}
