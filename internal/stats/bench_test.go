package stats

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// BenchmarkTables times each predefined table for one half-year, each
// series, and the HTCDS export of one year, over a synthetic caseload of
// JARDAM_STATS_BENCH_CASES statistical-only cases (default 100 000)
// identified over 2020-2025 and linked to Program measures, half of them
// with assistance, one in ten with a statistics consent. The tables that add
// up over months are also timed for the year 2024 computed directly, on the
// first request after the rollups were emptied, and warm:
//
//	JARDAM_STATS_BENCH_CASES=1000000 go test -run '^$' -bench Tables -benchtime 3x ./internal/stats/
func BenchmarkTables(b *testing.B) {
	n := 100000
	if v := os.Getenv("JARDAM_STATS_BENCH_CASES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	d := dbtest.New(b)
	org := seedBench(b, d, n)
	s := NewService(d.App, Settings{}, nil)
	s.now = func() time.Time { return time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC) }
	ctx := reqctx.WithPrincipal(context.Background(), reqctx.Principal{UserID: uuid.New(), OrganizationID: org, Role: "coordinator"})
	b.ResetTimer()
	benchReleaseReads(b, ctx, s, d)
	benchRollups(b, ctx, s, d)
	b.Run("htcds_export_2024", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			e, err := s.ExportHTCDS(ctx, "2024")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(bytes.Count(e.CSV, []byte("\n"))-1), "rows")
		}
	})
}

// seedBench writes the benchmark's caseload of n cases and returns its
// organization.
func seedBench(b *testing.B, d *dbtest.DB, n int) uuid.UUID {
	org := uuid.New()
	d.Exec(b, `INSERT INTO organizations (id, code, name_ru, name_ky, name_en, kind, region)
		VALUES ($1, 'BENCH', 'b', 'b', 'b', 'crisis_center', 'chui')`, org)
	start := time.Now()
	d.Exec(b, `INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, identified_at,
			identification_channel, sex, age_bracket, region_of_origin, exploitation_types, countries_of_exploitation,
			citizenship, measure_codes)
		SELECT gen_random_uuid(), 'BENCH-' || g, $1, $1,
			(ARRAY['identification','shelter','rehabilitation','reintegration'])[1 + g % 4], 'open',
			timestamptz '2020-01-01 00:00+06' + (g % 2190) * interval '1 day' + (g % 86400) * interval '1 second',
			(ARRAY['hotline','police','consulate','ngo_outreach'])[1 + g % 4],
			(ARRAY['female','male','female','unknown'])[1 + g % 4],
			(ARRAY['0-8','9-17','18-20','21-23','24-26','27-29','30-38','39-47','48+'])[1 + g % 9],
			(ARRAY['bishkek_city','osh_city','batken','jalal_abad','issyk_kul','naryn','osh','talas','chui'])[1 + g % 9],
			ARRAY[(ARRAY['forced_labour','sexual_exploitation','forced_marriage'])[1 + g % 3]],
			ARRAY[(ARRAY['RU','KZ','TR','AE'])[1 + g % 4]],
			(ARRAY['KG','KG','KG','UZ','TJ'])[1 + g % 5],
			CASE WHEN g % 3 = 0 THEN '{}'::text[] ELSE ARRAY[(ARRAY['3.1','3.2','2.1','4.1'])[1 + g % 4]] END
		FROM generate_series(1, $2) g`, org, n)
	user := uuid.New()
	d.Exec(b, `INSERT INTO users (id, organization_id, email, name, role, password_hash)
		VALUES ($1, $2, 'bench@bench.kg', 'bench', 'caseworker', 'x')`, user, org)
	d.Exec(b, `INSERT INTO consents (id, case_id, purpose, categories, given_by, given_at, recorded_by)
		SELECT gen_random_uuid(), c.id, 'statistics', '{}', 'person', c.identified_at, $1
		FROM cases c WHERE hashtext(c.code) % 10 = 0`, user)
	d.Exec(b, `INSERT INTO assistance (id, case_id, type, provider_organization_id, status, started_on, measure_codes)
		SELECT gen_random_uuid(), c.id, (ARRAY['shelter','medical','legal'])[1 + (hashtext(c.code) & 3) % 3], $1, 'completed',
			(c.identified_at AT TIME ZONE 'Asia/Bishkek')::date + 3, c.measure_codes
		FROM cases c WHERE hashtext(c.code) % 2 = 0`, org)
	d.Exec(b, `ANALYZE`)
	b.Logf("seeded %d cases in %s", n, time.Since(start).Round(time.Millisecond))
	return org
}

// benchReleaseReads times each table of a half-year, the release of 2024
// computed from scratch, a table read from it, and the series.
func benchReleaseReads(b *testing.B, ctx context.Context, s *Service, d *dbtest.DB) {
	for _, t := range tables {
		b.Run(t.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := s.Table(ctx, t.name, "2024-H1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// A year's release computed from scratch (every table, series month and
	// indicator of 2024 counted, protected and audited), then a table read
	// from the stored release.
	b.Run("release_2024", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			d.Exec(b, `DELETE FROM stats_releases`)
			b.StartTimer()
			rel, err := s.Release(ctx, 2024)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(rel.Stats.Withheld), "withheld")
			b.ReportMetric(float64(rel.Stats.LPs), "LPs")
		}
	})
	b.Run("table_from_release", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.Table(ctx, "persons_by_sex_age", "2024"); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, t := range series {
		b.Run("series_"+t.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := s.Series(ctx, t.name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchRollups times the tables read from the monthly rollups, for the
// year 2024: direct (jardam_stats_counts over the year, as before the
// rollups), cold (the first request after the rollups were emptied: it
// rolls up the year's twelve months) and warm (the rollups up to date).
func benchRollups(b *testing.B, ctx context.Context, s *Service, d *dbtest.DB) {
	year, err := ParsePeriod("2024", s.now())
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range append(append([]tableDef{}, tables...), series...) {
		if !t.rollup {
			continue
		}
		read := func() error {
			if t.dims[0].name == "month" {
				_, err := s.Series(ctx, t.name)
				return err
			}
			_, err := s.Table(ctx, t.name, year.Name)
			return err
		}
		b.Run("direct_"+t.name, func(b *testing.B) { benchDirect(b, ctx, s, t, year) })
		b.Run("cold_"+t.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				d.Exec(b, `DELETE FROM stats_monthly_cells; DELETE FROM stats_rollup_months`)
				b.StartTimer()
				if err := read(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("warm_"+t.name, func(b *testing.B) {
			if err := read(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := read(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchDirect times t counted directly over year (a series over its
// months), without the rollups.
func benchDirect(b *testing.B, ctx context.Context, s *Service, t tableDef, year Period) {
	direct := t
	direct.rollup = false
	from, to := year.From, year.To
	grids := make([][]string, len(t.dims))
	for i, dm := range t.dims {
		grids[i] = dm.values
	}
	if t.dims[0].name == "month" {
		months := LastEndedMonths(s.now(), SeriesMonths)
		from, to = months[0].From, months[len(months)-1].To
		grids[0] = nil
		for _, m := range months {
			grids[0] = append(grids[0], m.Name)
		}
	}
	for i := 0; i < b.N; i++ {
		err := s.inTx(ctx, func(tx *gorm.DB) error {
			for j, dm := range t.dims {
				if dm.measures {
					codes, err := measureGrid(ctx, tx, to)
					if err != nil {
						return err
					}
					grids[j] = codes
				}
			}
			_, _, err := countCells(ctx, tx, direct, grids, from, to)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
