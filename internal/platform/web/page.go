package web

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// Page is a list request: at most Limit items after the cursor position.
type Page struct {
	Limit int
	// After is the (time, id) of the last item of the previous page; zero
	// for the first page.
	AfterTime time.Time
	AfterID   uuid.UUID
}

// List is the shape of every list response.
type List[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// DefaultLimit is the page size when none is asked for.
const DefaultLimit = 50

// MaxLimit is the largest page size.
const MaxLimit = 200

// ParsePage reads ?limit= and ?cursor=. Bad values answer 400 naming the
// parameter.
func ParsePage(c echo.Context) (Page, error) {
	p := Page{Limit: DefaultLimit}
	n, err := QueryLimit(c)
	if err != nil {
		return p, err
	}
	if n > 0 {
		p.Limit = n
	}
	if v := c.QueryParam("cursor"); v != "" {
		t, id, err := decodeCursor(v)
		if err != nil {
			return p, apperr.Invalid("cursor", "is not a cursor this service issued")
		}
		p.AfterTime, p.AfterID = t, id
	}
	return p, nil
}

// HasCursor reports whether the page continues a previous one.
func (p Page) HasCursor() bool { return p.AfterID != uuid.Nil }

// Keyset writes the end of a query paged by keyset on the ordering
// (timeCol DESC, idCol DESC), the one every list of the API uses: cond
// keeps the rows after the cursor (` AND (timeCol, idCol) < (@after_time,
// @after_id)`, empty on the first page), tail orders them and fetches one
// row more than the page (` ORDER BY ... LIMIT @limit`), from which NewList
// tells whether another page follows and makes next_cursor. It adds the
// named arguments it uses to args; the query is run with named arguments
// (tx.Raw(q, args)).
func (p Page) Keyset(timeCol, idCol string, args map[string]any) (cond, tail string) {
	if p.HasCursor() {
		cond = ` AND (` + timeCol + `, ` + idCol + `) < (@after_time, @after_id)`
		args["after_time"], args["after_id"] = p.AfterTime, p.AfterID
	}
	args["limit"] = p.Limit + 1
	return cond, ` ORDER BY ` + timeCol + ` DESC, ` + idCol + ` DESC LIMIT @limit`
}

// Cursor returns the opaque cursor after an item.
func Cursor(t time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + "." + id.String()))
}

func decodeCursor(s string) (time.Time, uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, uuid.Nil, err
	}
	ts, ids, ok := strings.Cut(string(b), ".")
	if !ok {
		return time.Time{}, uuid.Nil, apperr.ErrInvalid
	}
	us, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, uuid.Nil, err
	}
	id, err := uuid.Parse(ids)
	if err != nil {
		return time.Time{}, uuid.Nil, err
	}
	return time.UnixMicro(us).UTC(), id, nil
}

// NewList builds a list response from up to limit+1 fetched items: the
// extra item, if any, means there is a next page.
func NewList[T any](items []T, limit int, key func(T) (time.Time, uuid.UUID)) List[T] {
	l := List[T]{Items: items}
	if l.Items == nil {
		l.Items = []T{}
	}
	if len(items) > limit {
		l.Items = items[:limit]
		t, id := key(l.Items[limit-1])
		c := Cursor(t, id)
		l.NextCursor = &c
	}
	return l
}

// ListFrom builds a list response from a page of items and the cursor of
// the next page (empty when there is none).
func ListFrom[T any](items []T, next string) List[T] {
	l := List[T]{Items: items}
	if l.Items == nil {
		l.Items = []T{}
	}
	if next != "" {
		l.NextCursor = &next
	}
	return l
}

// PathUUID parses a path parameter as a UUID. A malformed id answers 404,
// like an id that does not exist.
func PathUUID(c echo.Context, name, what string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, apperr.NotFound(what)
	}
	return id, nil
}

// ETag returns the quoted version.
func ETag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// ExpectedVersion returns the version a PATCH expects: If-Match wins over
// the body's version. Neither answers 428; a malformed If-Match answers 400.
func ExpectedVersion(c echo.Context, bodyVersion *int) (int, error) {
	if h := c.Request().Header.Get("If-Match"); h != "" {
		v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(strings.TrimSpace(h), "W/"), `"`))
		if err != nil || v < 1 {
			return 0, apperr.Invalid("If-Match", "must be the quoted version from the ETag")
		}
		return v, nil
	}
	if bodyVersion != nil {
		return *bodyVersion, nil
	}
	return 0, &apperr.Error{Kind: apperr.KindPreconditionRequired, Detail: "send If-Match with the ETag, or version in the body"}
}

// Stale is the error for an update against an old version.
func Stale() error {
	return &apperr.Error{Kind: apperr.KindPreconditionFailed, Detail: "the object was changed by someone else; reload it"}
}
