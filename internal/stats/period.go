package stats

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// Bishkek is the time zone of calendar periods.
var Bishkek = mustZone("Asia/Bishkek")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Kyrgyzstan has kept UTC+6 without daylight saving since 2005.
		return time.FixedZone(name, 6*3600)
	}
	return loc
}

// Granularity is the length of a period.
type Granularity string

// Granularities.
const (
	Year     Granularity = "year"
	HalfYear Granularity = "half_year"
	Month    Granularity = "month"
)

// Period is a calendar year, half-year or month in Asia/Bishkek time: the
// instants From (inclusive) to To (exclusive).
type Period struct {
	Name        string
	Granularity Granularity
	From, To    time.Time
}

var periodPattern = regexp.MustCompile(`^(\d{4})(?:-(H1|H2|0[1-9]|1[0-2]))?$`)

// minYear is the first year a period may name.
const minYear = 2000

// ParsePeriod reads `YYYY`, `YYYY-H1`, `YYYY-H2` or `YYYY-MM`. It returns
// an invalid-input error naming `period` for anything else, a year before
// 2000, or a period that has not ended at now (a current or future period).
func ParsePeriod(s string, now time.Time) (Period, error) {
	m := periodPattern.FindStringSubmatch(s)
	if m == nil {
		return Period{}, apperr.Invalid("period", "must be YYYY, YYYY-H1, YYYY-H2 or YYYY-MM")
	}
	year, _ := strconv.Atoi(m[1])
	if year < minYear {
		return Period{}, apperr.Invalid("period", fmt.Sprintf("must not be before %d", minYear))
	}
	var p Period
	switch m[2] {
	case "":
		p = yearPeriod(year)
	case "H1":
		p = halfPeriod(year, 1)
	case "H2":
		p = halfPeriod(year, 2)
	default:
		month, _ := strconv.Atoi(m[2])
		p = monthPeriod(year, time.Month(month))
	}
	if p.To.After(now) {
		return Period{}, apperr.Invalid("period", "must have ended: statistics cover ended periods only")
	}
	return p, nil
}

func yearPeriod(y int) Period {
	from := time.Date(y, 1, 1, 0, 0, 0, 0, Bishkek)
	return Period{Name: strconv.Itoa(y), Granularity: Year, From: from, To: from.AddDate(1, 0, 0)}
}

func halfPeriod(y, half int) Period {
	from := time.Date(y, time.Month(1+6*(half-1)), 1, 0, 0, 0, 0, Bishkek)
	return Period{Name: fmt.Sprintf("%d-H%d", y, half), Granularity: HalfYear, From: from, To: from.AddDate(0, 6, 0)}
}

func monthPeriod(y int, mo time.Month) Period {
	from := time.Date(y, mo, 1, 0, 0, 0, 0, Bishkek)
	return Period{Name: from.Format("2006-01"), Granularity: Month, From: from, To: from.AddDate(0, 1, 0)}
}

// LastEndedHalfYear returns the last half-year that has ended at now.
func LastEndedHalfYear(now time.Time) Period {
	t := now.In(Bishkek)
	if t.Month() >= time.July {
		return halfPeriod(t.Year(), 1)
	}
	return halfPeriod(t.Year()-1, 2)
}

// LastEndedMonths returns the n months that have ended at now, oldest
// first.
func LastEndedMonths(now time.Time, n int) []Period {
	t := now.In(Bishkek)
	cur := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, Bishkek)
	out := make([]Period, n)
	for i := 0; i < n; i++ {
		m := cur.AddDate(0, -(n - i), 0)
		out[i] = monthPeriod(m.Year(), m.Month())
	}
	return out
}
