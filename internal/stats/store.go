package stats

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

// cellCount is one counted cell as the store returns it.
type cellCount struct {
	G0 string
	G1 string
	N  int64
}

// countRow is a row of jardam_stats_counts.
type countRow struct {
	D0      *string
	D1      *string
	Persons int64
	IsTotal bool
}

// cell is the counted cell of a row that is not the total.
func (r countRow) cell() cellCount {
	c := cellCount{N: r.Persons}
	if r.D0 != nil {
		c.G0 = *r.D0
	}
	if r.D1 != nil {
		c.G1 = *r.D1
	}
	return c
}

// countCells counts distinct persons per cell of def over [from, to) and in
// the whole aggregate, with each dimension's values mapped onto its grid.
// It calls the statistics role's function jardam_stats_counts, the only
// door to other organizations' cases: it answers counts, never a person's
// row, and only for whole ended months. An aggregate that adds up over
// months is read through jardam_stats_rollup_counts (migration 0014), which
// answers the same counts from the monthly rollups.
func countCells(ctx context.Context, tx *gorm.DB, def tableDef, grids [][]string, from, to time.Time) ([]cellCount, int64, error) {
	var grid1, fallback1 any
	if len(def.dims) > 1 && len(grids) > 1 {
		grid1, fallback1 = textArray(grids[1]), def.dims[1].fallback
	}
	fn := def.countFunction()
	var rows []countRow
	err := tx.WithContext(ctx).Raw(`SELECT d0, d1, persons, is_total
		FROM `+fn+`(?, ?, ?, ?::text[], ?::text, ?::text[], ?::text)`,
		def.name, from.UTC(), to.UTC(), textArray(grids[0]), def.dims[0].fallback, grid1, fallback1).Scan(&rows).Error
	if err != nil {
		return nil, 0, err
	}
	var cells []cellCount
	var total int64
	for _, r := range rows {
		if r.IsTotal {
			total = r.Persons
			continue
		}
		cells = append(cells, r.cell())
	}
	return cells, total, nil
}

// textArray writes values as a PostgreSQL text[] literal.
func textArray(values []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// measureGrid returns the grid of a measure dimension for a period ending at
// to: the codes of the Program in force at the end of the period (the last
// one to start before it; before the first program, the first), in their
// order, then `other` and `none`.
func measureGrid(ctx context.Context, tx *gorm.DB, to time.Time) ([]string, error) {
	var codes []string
	err := tx.WithContext(ctx).Raw(`SELECT m.code FROM measures m
		WHERE m.program = coalesce(
			(SELECT p.code FROM programs p WHERE p.starts_on < ?::date ORDER BY p.starts_on DESC LIMIT 1),
			(SELECT p.code FROM programs p ORDER BY p.starts_on LIMIT 1))
		ORDER BY m.position, m.code`, to.In(Bishkek).Format("2006-01-02")).Scan(&codes).Error
	if err != nil {
		return nil, err
	}
	return append(codes, measureOther, measureNone), nil
}

// refreshRollups brings the monthly rollups (migration 0014) and the
// rollups per person and period (migration 0038) of [from, to) (whole ended
// months) up to date, in a read-committed transaction of its own so that
// concurrent refreshes see each other's work. It is only a speed matter:
// jardam_stats_rollup_counts recounts from cases any month still dirty in
// the reading transaction's snapshot, and jardam_stats_person_org_counts
// any person still marked.
func refreshRollups(ctx context.Context, db *gorm.DB, from, to time.Time) error {
	if err := db.WithContext(ctx).Exec(`SELECT jardam_stats_refresh(?, ?)`, from.UTC(), to.UTC()).Error; err != nil {
		return err
	}
	return db.WithContext(ctx).Exec(`SELECT jardam_stats_person_refresh(?, ?)`, from.UTC(), to.UTC()).Error
}
