package stats

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// BenchmarkTables times every predefined table for one half-year over a
// synthetic caseload of JARDAM_STATS_BENCH_CASES cases (default 100 000)
// identified over 2020-2025, half of them with assistance:
//
//	JARDAM_STATS_BENCH_CASES=1000000 go test -run '^$' -bench Tables -benchtime 5x ./internal/stats/
func BenchmarkTables(b *testing.B) {
	n := 100000
	if v := os.Getenv("JARDAM_STATS_BENCH_CASES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	d := dbtest.New(b)
	org := uuid.New()
	d.Exec(b, `INSERT INTO organizations (id, code, name_ru, name_ky, name_en, kind, region)
		VALUES ($1, 'BENCH', 'b', 'b', 'b', 'crisis_center', 'chui')`, org)
	start := time.Now()
	d.Exec(b, `INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, identified_at,
			identification_channel, sex, age_bracket, region_of_origin, exploitation_types, countries_of_exploitation)
		SELECT gen_random_uuid(), 'BENCH-' || g, $1, $1,
			(ARRAY['identification','shelter','rehabilitation','reintegration'])[1 + g % 4], 'open',
			timestamptz '2020-01-01 00:00+06' + (g % 2190) * interval '1 day' + (g % 86400) * interval '1 second',
			(ARRAY['hotline','police','consulate','ngo_outreach'])[1 + g % 4],
			(ARRAY['female','male','female','unknown'])[1 + g % 4],
			(ARRAY['0-8','9-17','18-20','21-23','24-26','27-29','30-38','39-47','48+'])[1 + g % 9],
			(ARRAY['bishkek_city','osh_city','batken','jalal_abad','issyk_kul','naryn','osh','talas','chui'])[1 + g % 9],
			ARRAY[(ARRAY['forced_labour','sexual_exploitation','forced_marriage'])[1 + g % 3]],
			ARRAY[(ARRAY['RU','KZ','TR','AE'])[1 + g % 4]]
		FROM generate_series(1, $2) g`, org, n)
	d.Exec(b, `INSERT INTO assistance (id, case_id, type, provider_organization_id, status, started_on)
		SELECT gen_random_uuid(), c.id, (ARRAY['shelter','medical','legal'])[1 + (hashtext(c.code) & 3) % 3], $1, 'completed',
			(c.identified_at AT TIME ZONE 'Asia/Bishkek')::date + 3
		FROM cases c WHERE hashtext(c.code) % 2 = 0`, org)
	d.Exec(b, `ANALYZE`)
	b.Logf("seeded %d cases in %s", n, time.Since(start).Round(time.Millisecond))

	s := NewService(d.App, Settings{}, nil)
	s.now = func() time.Time { return time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC) }
	ctx := reqctx.WithPrincipal(context.Background(), reqctx.Principal{UserID: uuid.New(), OrganizationID: org, Role: "coordinator"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, t := range tables {
			if _, err := s.Table(ctx, t.name, "2024-H1"); err != nil {
				b.Fatal(err)
			}
		}
		for _, t := range series {
			if _, err := s.Series(ctx, t.name); err != nil {
				b.Fatal(err)
			}
		}
	}
}
