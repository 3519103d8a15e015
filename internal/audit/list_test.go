package audit_test

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
)

func TestList(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	alice, bob := uuid.New(), uuid.New()
	sezim, akzhurok := uuid.New(), uuid.New()
	caseA, caseB := uuid.NewString(), uuid.NewString()
	day := func(n int) time.Time { return time.Date(2025, 3, n, 9, 0, 0, 0, time.UTC) }
	rows := []struct {
		at          time.Time
		actor, org  uuid.UUID
		action, obj string
	}{
		{day(1), alice, sezim, "case.create", caseA},
		{day(2), alice, sezim, "case.read", caseA},
		{day(3), bob, akzhurok, "case.read", caseB},
		{day(4), alice, sezim, "case.update", caseA},
		{day(5), bob, akzhurok, "case.read", caseA},
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		if err := d.App.Raw(`INSERT INTO audit_entries (at, actor_id, organization_id, role, action, object_type, object_id, outcome)
			VALUES (?, ?, ?, 'caseworker', ?, 'case', ?, 'success') RETURNING id`,
			r.at, r.actor.String(), r.org.String(), r.action, r.obj).Row().Scan(&ids[i]); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name   string
		filter audit.Filter
		want   []int // indexes into rows, newest first
	}{
		{"NoFilterListsAllNewestFirst", audit.Filter{}, []int{4, 3, 2, 1, 0}},
		{"ObjectFilterListsOneCase", audit.Filter{ObjectType: "case", ObjectID: caseA}, []int{4, 3, 1, 0}},
		{"ActorFilterListsOneActor", audit.Filter{ActorID: &bob}, []int{4, 2}},
		{"OrganizationFilterListsOneOrganization", audit.Filter{OrganizationID: &sezim}, []int{3, 1, 0}},
		{"ActionFilterListsOneAction", audit.Filter{Action: "case.read"}, []int{4, 2, 1}},
		{"TimeRangeIncludesFromAndExcludesTo", audit.Filter{From: day(2), To: day(4)}, []int{2, 1}},
		{"CombinedFiltersIntersect", audit.Filter{Action: "case.read", ObjectID: caseA}, []int{4, 1}},
		{"UnmatchedFilterListsNothing", audit.Filter{ObjectID: uuid.NewString()}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := audit.List(ctx, d.App, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if next != "" {
				t.Errorf("next cursor %q on the only page", next)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d entries, want %d", len(got), len(tc.want))
			}
			for i, w := range tc.want {
				if got[i].ID != ids[w] {
					t.Errorf("entry %d is id %d, want %d", i, got[i].ID, ids[w])
				}
			}
		})
	}

	t.Run("PagesFollowTheCursorToTheEnd", func(t *testing.T) {
		var seen []int64
		cursor := ""
		for page := 0; ; page++ {
			got, next, err := audit.List(ctx, d.App, audit.Filter{Limit: 2, Cursor: cursor})
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
		want := []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}
		if len(seen) != len(want) {
			t.Fatalf("paged through %v, want %v", seen, want)
		}
		for i := range want {
			if seen[i] != want[i] {
				t.Fatalf("paged through %v, want %v", seen, want)
			}
		}
	})
	t.Run("ExactlyFullLastPageHasNoNextCursor", func(t *testing.T) {
		got, next, err := audit.List(ctx, d.App, audit.Filter{Limit: 5})
		if err != nil || len(got) != 5 || next != "" {
			t.Fatalf("%d entries, next %q, %v", len(got), next, err)
		}
	})

	badCursors := map[string]string{
		"NotBase64IsBadCursor":        "!!!",
		"NotANumberIsBadCursor":       base64.RawURLEncoding.EncodeToString([]byte("abc")),
		"NegativeIdIsBadCursor":       base64.RawURLEncoding.EncodeToString([]byte("-1")),
		"ZeroIdIsBadCursor":           base64.RawURLEncoding.EncodeToString([]byte("0")),
		"NonCanonicalIdIsBadCursor":   base64.RawURLEncoding.EncodeToString([]byte("007")),
		"OverflowingIdIsBadCursor":    base64.RawURLEncoding.EncodeToString([]byte("99999999999999999999")),
		"PaddedEncodingIsBadCursor":   base64.URLEncoding.EncodeToString([]byte("7")),
		"WhitespaceInIdIsBadCursor":   base64.RawURLEncoding.EncodeToString([]byte(" 7")),
		"EmptyDecodedIdIsBadCursor":   base64.RawURLEncoding.EncodeToString([]byte("+")),
		"FloatingPointIsBadCursor":    base64.RawURLEncoding.EncodeToString([]byte("7.0")),
		"ExponentNotationIsBadCursor": base64.RawURLEncoding.EncodeToString([]byte("7e1")),
	}
	for name, c := range badCursors {
		t.Run(name, func(t *testing.T) {
			if _, _, err := audit.List(ctx, d.App, audit.Filter{Cursor: c}); !errors.Is(err, audit.ErrBadCursor) {
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
		{"FromAfterToIsBadFilter", audit.Filter{From: day(5), To: day(1)}},
	}
	for _, tc := range badFilters {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := audit.List(ctx, d.App, tc.filter); !errors.Is(err, audit.ErrBadFilter) {
				t.Fatalf("got %v, want ErrBadFilter", err)
			}
		})
	}
	t.Run("Limit200IsAccepted", func(t *testing.T) {
		if _, _, err := audit.List(ctx, d.App, audit.Filter{Limit: 200}); err != nil {
			t.Fatal(err)
		}
	})
}
