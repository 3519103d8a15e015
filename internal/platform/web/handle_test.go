package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

func queryContext(query string) echo.Context {
	return echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/x?"+query, nil), httptest.NewRecorder())
}

// field returns the field a validation error names, or "" for none.
func field(err error) string {
	if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
		return e.Fields[0].Field
	}
	return ""
}

func TestQueryParameters(t *testing.T) {
	for _, tc := range []struct {
		query     string
		read      func(echo.Context) error
		wantField string
	}{
		{"", func(c echo.Context) error { _, err := QueryBool(c, "unread"); return err }, ""},
		{"unread=true", func(c echo.Context) error { _, err := QueryBool(c, "unread"); return err }, ""},
		{"unread=1", func(c echo.Context) error { _, err := QueryBool(c, "unread"); return err }, "unread"},
		{"case_id=00000000-0000-4000-8000-000000000000", func(c echo.Context) error { _, err := QueryUUID(c, "case_id"); return err }, ""},
		{"case_id=12", func(c echo.Context) error { _, err := QueryUUID(c, "case_id"); return err }, "case_id"},
		{"limit=200", func(c echo.Context) error { _, err := QueryLimit(c); return err }, ""},
		{"limit=201", func(c echo.Context) error { _, err := QueryLimit(c); return err }, "limit"},
		{"limit=0", func(c echo.Context) error { _, err := QueryLimit(c); return err }, "limit"},
	} {
		err := tc.read(queryContext(tc.query))
		if (err != nil) != (tc.wantField != "") || field(err) != tc.wantField {
			t.Errorf("%q: error %v, want one naming %q", tc.query, err, tc.wantField)
		}
	}
}

func TestItemsAnswersAnEmptyListNotNull(t *testing.T) {
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/x", nil), rec)
	if err := Items[string](c, nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(rec.Body.String()); got != `{"items":[],"next_cursor":null}` {
		t.Fatalf("body %s", got)
	}
}
