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

// countCells counts distinct persons per cell of def over [from, to) and in
// the whole aggregate, with each dimension's values mapped onto its grid.
// It calls the statistics role's function jardam_stats_counts, the only
// door to other organizations' cases: it answers counts, never a person's
// row, and only for whole ended months.
func countCells(ctx context.Context, tx *gorm.DB, def tableDef, grids [][]string, from, to time.Time) ([]cellCount, int64, error) {
	var grid1, fallback1 any
	if len(def.dims) > 1 {
		grid1, fallback1 = textArray(grids[1]), def.dims[1].fallback
	}
	var rows []countRow
	err := tx.WithContext(ctx).Raw(`SELECT d0, d1, persons, is_total
		FROM jardam_stats_counts(?, ?, ?, ?::text[], ?::text, ?::text[], ?::text)`,
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
		c := cellCount{N: r.Persons}
		if r.D0 != nil {
			c.G0 = *r.D0
		}
		if r.D1 != nil {
			c.G1 = *r.D1
		}
		cells = append(cells, c)
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
