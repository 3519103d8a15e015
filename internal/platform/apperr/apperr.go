// Package apperr defines the errors every domain package returns and the
// HTTP error handler maps to problem details. An *Error keeps the cause for
// the log and a safe detail for the client; a detail never contains a value
// the client sent.
package apperr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies an error; each kind has one HTTP status.
type Kind int

// Kinds of errors.
const (
	KindInternal Kind = iota
	KindInvalid
	KindUnauthorized
	KindForbidden
	KindNotFound
	KindConflict
	KindPreconditionFailed
	KindPreconditionRequired
	KindTooLarge
	KindUnsupportedMedia
	KindTooManyRequests
	KindUnavailable
)

// Sentinels for errors.Is; an *Error of the same kind matches them.
var (
	ErrInvalid              = &Error{Kind: KindInvalid}
	ErrUnauthorized         = &Error{Kind: KindUnauthorized}
	ErrForbidden            = &Error{Kind: KindForbidden}
	ErrNotFound             = &Error{Kind: KindNotFound}
	ErrConflict             = &Error{Kind: KindConflict}
	ErrPreconditionFailed   = &Error{Kind: KindPreconditionFailed}
	ErrPreconditionRequired = &Error{Kind: KindPreconditionRequired}
	ErrTooManyRequests      = &Error{Kind: KindTooManyRequests}
	ErrUnavailable          = &Error{Kind: KindUnavailable}
)

// FieldError names one bad field and why, without its value.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is a classified error.
type Error struct {
	Kind Kind
	// Detail is safe to show the client.
	Detail string
	// Fields lists bad fields for KindInvalid (and a conflicting field for
	// KindConflict, such as consent_id).
	Fields []FieldError
	// RetryAfter is set for KindTooManyRequests and KindUnavailable.
	RetryAfter time.Duration
	// Cause is logged, never shown.
	Cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, " [%s: %s]", f.Field, f.Reason)
	}
	if e.Cause != nil {
		b.WriteString(": " + e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is matches any *Error of the same kind, so errors.Is(err, ErrNotFound)
// works for every not-found error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindUnauthorized:
		return "unauthorized"
	case KindForbidden:
		return "forbidden"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindPreconditionFailed:
		return "precondition failed"
	case KindPreconditionRequired:
		return "precondition required"
	case KindTooLarge:
		return "too large"
	case KindUnsupportedMedia:
		return "unsupported media type"
	case KindTooManyRequests:
		return "too many requests"
	case KindUnavailable:
		return "unavailable"
	}
	return "internal"
}

// Invalid returns a validation error naming one field.
func Invalid(field, reason string) *Error {
	return &Error{Kind: KindInvalid, Detail: "invalid " + field, Fields: []FieldError{{Field: field, Reason: reason}}}
}

// Validation collects field errors; Err returns nil when there are none.
type Validation struct{ fields []FieldError }

// Add records a bad field.
func (v *Validation) Add(field, reason string) {
	v.fields = append(v.fields, FieldError{field, reason})
}

// Err returns the collected errors as one KindInvalid error, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	names := make([]string, len(v.fields))
	for i, f := range v.fields {
		names[i] = f.Field
	}
	return &Error{Kind: KindInvalid, Detail: "invalid " + strings.Join(names, ", "), Fields: v.fields}
}

// NotFound returns the not-found error; the detail never says whether the
// object exists.
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Detail: what + " not found"}
}

// Conflict returns a conflict error with a safe detail, optionally naming a
// field.
func Conflict(detail string, field ...string) *Error {
	e := &Error{Kind: KindConflict, Detail: detail}
	for _, f := range field {
		e.Fields = append(e.Fields, FieldError{Field: f, Reason: detail})
	}
	return e
}

// Forbidden returns a forbidden error with a safe detail.
func Forbidden(detail string) *Error { return &Error{Kind: KindForbidden, Detail: detail} }

// Unauthorized returns an unauthorized error with a safe detail.
func Unauthorized(detail string) *Error { return &Error{Kind: KindUnauthorized, Detail: detail} }

// TooMany returns a throttling error asking the client to wait d.
func TooMany(detail string, d time.Duration) *Error {
	return &Error{Kind: KindTooManyRequests, Detail: detail, RetryAfter: d}
}

// Internal wraps an unexpected error; the client sees a generic detail.
func Internal(cause error) *Error { return &Error{Kind: KindInternal, Cause: cause} }

// Wrap returns err unchanged when it is nil or already an *Error (a
// domain error the client may see), and as Internal otherwise.
func Wrap(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := As(err); ok {
		return err
	}
	return Internal(err)
}

// As returns err as an *Error when it is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
