package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// The steps most handlers share, each written once: read the object's id,
// bind the body, take the expected version, call the service with the
// request's context, and answer. A handler that does more spells its steps
// out with the same pieces (PathUUID, Bind, IdempotentBody, ExpectedVersion).
//
// The order of the steps is part of the API: the body is checked (415, 413,
// 400) before the id (404), so that a malformed request never tells whether
// an object exists.

// HeaderIdempotencyKey is the request header that makes a creating POST
// safe to retry.
const HeaderIdempotencyKey = "Idempotency-Key"

// PathID reads the id of the object a route acts on.
type PathID func(echo.Context) (uuid.UUID, error)

// ID is the PathID of the routes on a what named by the path parameter :id:
// a malformed id answers 404 naming what, like an id that does not exist.
func ID(what string) PathID {
	return func(c echo.Context) (uuid.UUID, error) { return PathUUID(c, "id", what) }
}

// Answer writes a handler's result.
type Answer[O any] func(c echo.Context, out O) error

// OK answers 200 with out as JSON.
func OK[O any](c echo.Context, out O) error { return c.JSON(http.StatusOK, out) }

// Created answers 201 with out as JSON.
func Created[O any](c echo.Context, out O) error { return c.JSON(http.StatusCreated, out) }

// Items answers 200 with items as a list that has no next page.
func Items[O any](c echo.Context, items []O) error {
	return c.JSON(http.StatusOK, ListFrom(items, ""))
}

// Tagged answers status with out as JSON and version as its ETag.
func Tagged(c echo.Context, status, version int, out any) error {
	c.Response().Header().Set("ETag", ETag(version))
	return c.JSON(status, out)
}

// TaggedAs is the Answer of status with the result as JSON and its version
// (read by version) as the ETag.
func TaggedAs[O any](status int, version func(O) int) Answer[O] {
	return func(c echo.Context, out O) error { return Tagged(c, status, version(out), out) }
}

// Attachment answers 200 with body as a file to download named name.
func Attachment(c echo.Context, name, contentType string, body []byte) error {
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return c.Blob(http.StatusOK, contentType, body)
}

// OnID calls call on the object the route names and answers its result.
func OnID[O any](c echo.Context, id PathID, call func(context.Context, uuid.UUID) (O, error), answer Answer[O]) error {
	oid, err := id(c)
	if err != nil {
		return err
	}
	return answerCall(c, answer)(call(c.Request().Context(), oid))
}

// WithBody binds the JSON body into an I (see Bind), calls call with it and
// answers its result.
func WithBody[I, O any](c echo.Context, call func(context.Context, I) (O, error), answer Answer[O]) error {
	var in I
	if err := Bind(c, &in); err != nil {
		return err
	}
	return answerCall(c, answer)(call(c.Request().Context(), in))
}

// WithBodyOnID binds the JSON body into an I, then calls call with it on the
// object the route names and answers its result.
func WithBodyOnID[I, O any](c echo.Context, id PathID, call func(context.Context, uuid.UUID, I) (O, error), answer Answer[O]) error {
	var in I
	if err := Bind(c, &in); err != nil {
		return err
	}
	oid, err := id(c)
	if err != nil {
		return err
	}
	return answerCall(c, answer)(call(c.Request().Context(), oid, in))
}

// CreateOnID is a creating POST under the object the route names: it
// decodes the body into an I and calls call with it, the idempotency key
// and the body (which a retry must repeat), and answers its result.
func CreateOnID[I, O any](c echo.Context, id PathID,
	call func(context.Context, uuid.UUID, I, string, []byte) (O, error), answer Answer[O]) error {
	var in I
	key, body, err := IdempotentBody(c, &in)
	if err != nil {
		return err
	}
	oid, err := id(c)
	if err != nil {
		return err
	}
	return answerCall(c, answer)(call(c.Request().Context(), oid, in, key, body))
}

// PatchOnID is a PATCH of the object the route names: it decodes the body
// (JSON or a merge patch) into a P, takes the version the caller expects
// from If-Match or else from the patch (read by version; see
// ExpectedVersion), and calls call with both.
func PatchOnID[P, O any](c echo.Context, id PathID, version func(P) *int,
	call func(context.Context, uuid.UUID, int, P) (O, error), answer Answer[O]) error {
	body, err := ReadBody(c, true)
	if err != nil {
		return err
	}
	var p P
	if err := Decode(body, &p); err != nil {
		return err
	}
	expected, err := ExpectedVersion(c, version(p))
	if err != nil {
		return err
	}
	oid, err := id(c)
	if err != nil {
		return err
	}
	return answerCall(c, answer)(call(c.Request().Context(), oid, expected, p))
}

// Paged answers 200 with a page of a list: it reads the page (see
// ParsePage), then the list's filter (read by filter, which answers 400 for
// a bad parameter), and calls call with both.
func Paged[F, O any](c echo.Context, filter func(echo.Context) (F, error), call func(context.Context, F, Page) (O, error)) error {
	pg, err := ParsePage(c)
	if err != nil {
		return err
	}
	f, err := filter(c)
	if err != nil {
		return err
	}
	return answerCall(c, OK[O])(call(c.Request().Context(), f, pg))
}

// MergePatchRules say how a JSON merge patch (RFC 7396) of a kind of object
// is read, for a service that applies the patch field by field. T is the
// object's fields, each optional, into which the patch is decoded strictly
// as well, so that each field's type and text are checked before the
// object is loaded.
type MergePatchRules[T any] struct {
	// ReadOnly are the fields a patch may not name (400 naming the field).
	ReadOnly []string
	// Version reads the version the patch names (see ExpectedVersion).
	Version func(*T) *int
	// Check, when set, checks the patch's own values.
	Check func(*T) error
}

// MergePatchOnID is a PATCH applied field by field: it reads the body (JSON
// or a merge patch) by rules, takes the version the caller expects, and
// calls call with it and the patch (without its version field) on the
// object the route names.
func MergePatchOnID[T, O any](c echo.Context, id PathID, rules MergePatchRules[T],
	call func(context.Context, uuid.UUID, int, map[string]json.RawMessage) (O, error), answer Answer[O]) error {
	body, err := ReadBody(c, true)
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := Decode(body, &patch); err != nil {
		return err
	}
	for _, k := range rules.ReadOnly {
		if _, ok := patch[k]; ok {
			return apperr.Invalid(k, "is read-only")
		}
	}
	delete(patch, "version")
	var typed T
	if err := Decode(body, &typed); err != nil {
		return err
	}
	if rules.Check != nil {
		if err := rules.Check(&typed); err != nil {
			return err
		}
	}
	expected, err := ExpectedVersion(c, rules.Version(&typed))
	if err != nil {
		return err
	}
	oid, err := id(c)
	if err != nil {
		return err
	}
	return answerCall(c, answer)(call(c.Request().Context(), oid, expected, patch))
}

// IdempotentBody reads the body of a creating POST and decodes it into dst
// (see Bind), and returns it with the request's idempotency key: a retry
// with the same key must repeat the body.
func IdempotentBody(c echo.Context, dst any) (key string, body []byte, err error) {
	body, err = ReadBody(c, false)
	if err != nil {
		return "", nil, err
	}
	if err := Decode(body, dst); err != nil {
		return "", nil, err
	}
	return c.Request().Header.Get(HeaderIdempotencyKey), body, nil
}

func answerCall[O any](c echo.Context, answer Answer[O]) func(O, error) error {
	return func(out O, err error) error {
		if err != nil {
			return err
		}
		return answer(c, out)
	}
}

// QueryBool reads the query parameter name as true or false; absent is
// false. Anything else answers 400 naming the parameter.
func QueryBool(c echo.Context, name string) (bool, error) {
	switch c.QueryParam(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, apperr.Invalid(name, "must be true or false")
}

// QueryUUID reads the query parameter name as a UUID; absent is uuid.Nil.
// A malformed one answers 400 naming the parameter.
func QueryUUID(c echo.Context, name string) (uuid.UUID, error) {
	v := c.QueryParam(name)
	if v == "" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.Nil, apperr.Invalid(name, "must be a UUID")
	}
	return id, nil
}

// QueryLimit reads ?limit=, the size of a page: an integer from 1 to
// MaxLimit, or 0 when absent. Anything else answers 400 naming it.
func QueryLimit(c echo.Context) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, apperr.Invalid("limit", "must be an integer from 1 to 200")
	}
	return n, nil
}
