package audit_test

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
)

func TestList(t *testing.T) {
	t.Parallel()
	w := newListWorld(t)
	w.runFilters(t)
	w.runPaging(t)
	w.runBadInput(t)
}

// listWorld is five audit entries by two actors of two organizations on
// two cases, one a day from 1 March 2025.
type listWorld struct {
	d            *dbtest.DB
	alice, bob   uuid.UUID
	sezim, akzh  uuid.UUID
	caseA, caseB string
	ids          []int64 // of the entries, oldest first
}

// listDay is day n of March 2025, at nine.
func listDay(n int) time.Time { return time.Date(2025, 3, n, 9, 0, 0, 0, time.UTC) }

func newListWorld(t *testing.T) *listWorld {
	t.Helper()
	w := &listWorld{d: dbtest.New(t), alice: uuid.New(), bob: uuid.New(), sezim: uuid.New(), akzh: uuid.New(),
		caseA: uuid.NewString(), caseB: uuid.NewString()}
	rows := []struct {
		at          time.Time
		actor, org  uuid.UUID
		action, obj string
	}{
		{listDay(1), w.alice, w.sezim, "case.create", w.caseA},
		{listDay(2), w.alice, w.sezim, "case.read", w.caseA},
		{listDay(3), w.bob, w.akzh, "case.read", w.caseB},
		{listDay(4), w.alice, w.sezim, "case.update", w.caseA},
		{listDay(5), w.bob, w.akzh, "case.read", w.caseA},
	}
	w.ids = make([]int64, len(rows))
	for i, r := range rows {
		if err := w.d.App.Raw(`INSERT INTO audit_entries (at, actor_id, organization_id, role, action, object_type, object_id, outcome)
			VALUES (?, ?, ?, 'caseworker', ?, 'case', ?, 'success') RETURNING id`,
			r.at, r.actor.String(), r.org.String(), r.action, r.obj).Row().Scan(&w.ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// runFilters lists with each filter on one page, newest first.
func (w *listWorld) runFilters(t *testing.T) {
	tests := []struct {
		name   string
		filter audit.Filter
		want   []int // indexes into ids, newest first
	}{
		{"NoFilterListsAllNewestFirst", audit.Filter{}, []int{4, 3, 2, 1, 0}},
		{"ObjectFilterListsOneCase", audit.Filter{ObjectType: "case", ObjectID: w.caseA}, []int{4, 3, 1, 0}},
		{"ActorFilterListsOneActor", audit.Filter{ActorID: &w.bob}, []int{4, 2}},
		{"OrganizationFilterListsOneOrganization", audit.Filter{OrganizationID: &w.sezim}, []int{3, 1, 0}},
		{"ActionFilterListsOneAction", audit.Filter{Action: "case.read"}, []int{4, 2, 1}},
		{"TimeRangeIncludesFromAndExcludesTo", audit.Filter{From: listDay(2), To: listDay(4)}, []int{2, 1}},
		{"CombinedFiltersIntersect", audit.Filter{Action: "case.read", ObjectID: w.caseA}, []int{4, 1}},
		{"UnmatchedFilterListsNothing", audit.Filter{ObjectID: uuid.NewString()}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := audit.List(context.Background(), w.d.App, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if next != "" {
				t.Errorf("next cursor %q on the only page", next)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d entries, want %d", len(got), len(tc.want))
			}
			for i, want := range tc.want {
				if got[i].ID != w.ids[want] {
					t.Errorf("entry %d is id %d, want %d", i, got[i].ID, w.ids[want])
				}
			}
		})
	}
}

// runPaging follows the cursor page by page.
func (w *listWorld) runPaging(t *testing.T) {
	ctx := context.Background()
	t.Run("PagesFollowTheCursorToTheEnd", func(t *testing.T) {
		var seen []int64
		cursor := ""
		for page := 0; ; page++ {
			got, next, err := audit.List(ctx, w.d.App, audit.Filter{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if page > 3 || len(got) > 2 {
				t.Fatalf("page %d has %d entries", page, len(got))
			}
			for _, e := range got {
				seen = append(seen, e.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		want := []int64{w.ids[4], w.ids[3], w.ids[2], w.ids[1], w.ids[0]}
		if !slices.Equal(seen, want) {
			t.Fatalf("paged through %v, want %v", seen, want)
		}
	})
	t.Run("ExactlyFullLastPageHasNoNextCursor", func(t *testing.T) {
		got, next, err := audit.List(ctx, w.d.App, audit.Filter{Limit: 5})
		if err != nil || len(got) != 5 || next != "" {
			t.Fatalf("%d entries, next %q, %v", len(got), next, err)
		}
	})
}

// runBadInput refuses bad cursors and filters, and takes the largest
// limit.
func (w *listWorld) runBadInput(t *testing.T) {
	ctx := context.Background()
	enc := base64.RawURLEncoding.EncodeToString
	badCursors := map[string]string{
		"NotBase64IsBadCursor":        "!!!",
		"NotANumberIsBadCursor":       enc([]byte("abc")),
		"NegativeIdIsBadCursor":       enc([]byte("-1")),
		"ZeroIdIsBadCursor":           enc([]byte("0")),
		"NonCanonicalIdIsBadCursor":   enc([]byte("007")),
		"OverflowingIdIsBadCursor":    enc([]byte("99999999999999999999")),
		"PaddedEncodingIsBadCursor":   base64.URLEncoding.EncodeToString([]byte("7")),
		"WhitespaceInIdIsBadCursor":   enc([]byte(" 7")),
		"EmptyDecodedIdIsBadCursor":   enc([]byte("+")),
		"FloatingPointIsBadCursor":    enc([]byte("7.0")),
		"ExponentNotationIsBadCursor": enc([]byte("7e1")),
	}
	for name, c := range badCursors {
		t.Run(name, func(t *testing.T) {
			if _, _, err := audit.List(ctx, w.d.App, audit.Filter{Cursor: c}); !errors.Is(err, audit.ErrBadCursor) {
				t.Fatalf("got %v, want ErrBadCursor", err)
			}
		})
	}
	badFilters := []struct {
		name   string
		filter audit.Filter
	}{
		{"LimitOver200IsBadFilter", audit.Filter{Limit: 201}},
		{"NegativeLimitIsBadFilter", audit.Filter{Limit: -1}},
		{"FromAfterToIsBadFilter", audit.Filter{From: listDay(5), To: listDay(1)}},
	}
	for _, tc := range badFilters {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := audit.List(ctx, w.d.App, tc.filter); !errors.Is(err, audit.ErrBadFilter) {
				t.Fatalf("got %v, want ErrBadFilter", err)
			}
		})
	}
	t.Run("Limit200IsAccepted", func(t *testing.T) {
		if _, _, err := audit.List(ctx, w.d.App, audit.Filter{Limit: 200}); err != nil {
			t.Fatal(err)
		}
	})
}
