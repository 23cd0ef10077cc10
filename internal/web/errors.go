package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/problem"
)

// handlerFunc is a handler that returns its error to the adapter.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// ServeHTTP runs the handler and hands any error to the adapter.
func (s *Server) serve(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}

// apiError is the JSON body of every API error: a stable code, the field at
// fault when there is one, and the message in both languages.
type apiError struct {
	Error struct {
		Code      string        `json:"code"`
		Field     string        `json:"field,omitempty"`
		Message   string        `json:"message"`
		MessageVi string        `json:"message_vi"`
		MessageEn string        `json:"message_en"`
		Fields    []apiFieldErr `json:"fields,omitempty"`
		RequestID string        `json:"request_id"`
	} `json:"error"`
}

type apiFieldErr struct {
	Field     string `json:"field"`
	MessageVi string `json:"message_vi"`
	MessageEn string `json:"message_en"`
}

// classify maps an error to its HTTP status, stable code, and message.
func classify(err error) (status int, code, vi, en string) {
	var fe *problem.FieldError
	var re *access.RateError
	switch {
	case errors.As(err, &fe) && !isMulti(err):
		return http.StatusBadRequest, "invalid", fe.Vi, fe.En
	case errors.Is(err, problem.ErrInvalid):
		return http.StatusBadRequest, "invalid", "Dữ liệu không hợp lệ", "the request is not valid"
	case errors.Is(err, problem.ErrUnauthorized):
		return http.StatusUnauthorized, "unauthorized", "Bạn cần đăng nhập", "you need to log in"
	case errors.Is(err, problem.ErrForbidden):
		return http.StatusForbidden, "forbidden", "Bạn không có quyền xem nội dung này", "you may not see this"
	case errors.Is(err, problem.ErrNotFound):
		return http.StatusNotFound, "not_found", "Không tìm thấy", "not found"
	case errors.Is(err, problem.ErrConflict):
		return http.StatusConflict, "conflict", "Dữ liệu đã thay đổi hoặc đã có", "conflict with existing data"
	case errors.As(err, &re) || errors.Is(err, problem.ErrRateLimited):
		return http.StatusTooManyRequests, "rate_limited", "Bạn thao tác quá nhiều lần, hãy thử lại sau", "too many requests; try again later"
	}
	return http.StatusInternalServerError, "internal", "Hệ thống đang gặp sự cố, hãy thử lại sau", "something went wrong on our side; try again later"
}

func isMulti(err error) bool {
	var fs problem.Fields
	return errors.As(err, &fs)
}

// fail renders err as JSON for API requests and as a page otherwise. Server
// faults are logged with the request id; their details never reach the client.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code, vi, en := classify(err)
	st := stateOf(r)
	if status >= 500 {
		s.Log.ErrorContext(r.Context(), "request failed", "err", err)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	if isAPI(r) {
		var body apiError
		body.Error.Code, body.Error.MessageVi, body.Error.MessageEn, body.Error.RequestID = code, vi, en, st.id
		body.Error.Message = pick(st.lang, vi, en)
		var fe *problem.FieldError
		if errors.As(err, &fe) {
			body.Error.Field = fe.Field
		}
		var fs problem.Fields
		if errors.As(err, &fs) {
			for _, f := range fs {
				body.Error.Fields = append(body.Error.Fields, apiFieldErr{f.Field, f.Vi, f.En})
			}
		}
		writeJSON(w, status, body)
		return
	}
	if status == http.StatusUnauthorized {
		target := "/login"
		if isConsolePath(r.URL.Path) {
			target = "/console/login"
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	msg := pick(st.lang, vi, en)
	if rerr := s.render(w, r, status, "citizen/error", msg, errorPage{Status: status, Message: msg, RequestID: st.id}); rerr != nil {
		http.Error(w, msg, status)
	}
}

type errorPage struct {
	Status    int
	Message   string
	RequestID string
}

func pick(lang, vi, en string) string {
	if lang == "en" {
		return en
	}
	return vi
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// readJSON decodes a request body of at most 1 MiB, refusing unknown fields
// so that a misspelt member is an error, not silently ignored.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return problem.Field("body", "Nội dung yêu cầu không phải JSON hợp lệ: "+err.Error(), "the request body is not valid JSON: "+err.Error())
	}
	return nil
}

// fieldMap turns an error's field errors into field → message for a form.
func fieldMap(err error, lang string) map[string]string {
	out := map[string]string{}
	var fs problem.Fields
	if errors.As(err, &fs) {
		for _, f := range fs {
			out[f.Field] = f.Message(lang)
		}
		return out
	}
	var fe *problem.FieldError
	if errors.As(err, &fe) {
		out[fe.Field] = fe.Message(lang)
	}
	return out
}
