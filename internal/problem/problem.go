// Package problem holds the few error kinds every PC-Covid package shares, so
// that one adapter at the edge (HTTP, CLI) can turn any error into the right
// status code and a message a citizen understands, in Vietnamese or English.
//
// Domain packages wrap these sentinels with context:
//
//	return fmt.Errorf("checkin: venue %s: %w", id, problem.ErrNotFound)
//
// and report bad input with [Field], which names the field (or file and line)
// and says why in both languages.
package problem

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Match them with errors.Is.
var (
	ErrNotFound     = errors.New("not found")
	ErrInvalid      = errors.New("invalid input")
	ErrForbidden    = errors.New("forbidden")
	ErrConflict     = errors.New("conflict")
	ErrUnauthorized = errors.New("not logged in")
	ErrRateLimited  = errors.New("too many requests")
)

// FieldError is bad input in one named place: a form field, a JSON member, or
// a column of a line in an uploaded file. It wraps [ErrInvalid].
type FieldError struct {
	// Field names where the problem is, e.g. "phone", "people.csv:17:cccd".
	Field string
	// Vi and En say what is wrong, in words the person who typed it understands.
	Vi, En string
}

// Field returns a FieldError for field with a Vietnamese and an English reason.
func Field(field, vi, en string) *FieldError {
	return &FieldError{Field: field, Vi: vi, En: en}
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.En
	}
	return e.Field + ": " + e.En
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Message returns the reason in lang ("vi" or "en").
func (e *FieldError) Message(lang string) string {
	if lang == "en" || e.Vi == "" {
		return e.En
	}
	return e.Vi
}

// At returns a copy of e whose Field is prefixed with where, so that a reader
// can say "people.csv:17" around a field error raised by a value parser.
func (e *FieldError) At(where string) *FieldError {
	c := *e
	switch {
	case c.Field == "":
		c.Field = where
	case where != "":
		c.Field = where + ":" + c.Field
	}
	return &c
}

// Fields gathers several field errors so a form can show them all at once.
type Fields []*FieldError

// Add appends a field error; a nil error is ignored so callers can write
// errs.Add(check(x)).
func (fs *Fields) Add(err error) {
	if err == nil {
		return
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		*fs = append(*fs, fe)
		return
	}
	*fs = append(*fs, &FieldError{En: err.Error(), Vi: err.Error()})
}

// Err returns nil when there are no errors, the single error when there is
// one, and the list otherwise.
func (fs Fields) Err() error {
	switch len(fs) {
	case 0:
		return nil
	case 1:
		return fs[0]
	}
	return fs
}

func (fs Fields) Error() string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalid) true and lets errors.As find each
// FieldError.
func (fs Fields) Unwrap() []error {
	out := make([]error, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

// Invalidf returns an error wrapping ErrInvalid with a formatted English
// message, for internal callers (CLI, importers) where no citizen reads it.
func Invalidf(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrInvalid)
}
