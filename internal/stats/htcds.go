package stats

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/lib/pq"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/stats/htcds"
)

// ActionExport is the audit action of a person-level export.
const ActionExport = "stats.export"

// FirstExportYear is the earliest year an export may be asked for.
const FirstExportYear = 2000

// Export is a k-anonymized person-level export.
type Export struct {
	// Filename is the attachment's name, such as jardam-htcds-2024.csv.
	Filename string
	// CSV is the file: the CTDC codebook's header, then one row per person.
	CSV []byte
	// Levels is the generalization applied.
	Levels htcds.Levels
}

var yearPattern = regexp.MustCompile(`^\d{4}$`)

// htcdsRow is a row of jardam_stats_htcds.
type htcdsRow struct {
	RegYear           int
	Sex               string
	AgeBracket        string
	Citizenship       *string
	Country           *string
	ExploitationTypes pq.StringArray `gorm:"type:text[]"`
	MeansOfControl    pq.StringArray `gorm:"type:text[]"`
	LabourSector      *string
	RecruiterRelation *string
}

// ExportHTCDS returns the HTCDS/CTDC person-level export of every case
// with a valid statistics consent identified up to the end of year (empty:
// the last ended year), k-anonymized with k = htcds.K (htcds.Anonymize).
// The cases are read through the statistics role's function
// jardam_stats_htcds, which answers statistical attributes only; no identity
// is decrypted. It returns an invalid-input error naming `year` for a
// malformed, current or future year, and records the export in the audit
// trail (the year only, nothing of a person).
//
// Each export is k-anonymous on its own. Exports of successive years
// overlap (each covers every earlier year too), and two of them could be
// compared: publish one a year, as CTDC does.
func (s *Service) ExportHTCDS(ctx context.Context, year string) (Export, error) {
	now := s.now().In(Bishkek)
	y := now.Year() - 1
	if year != "" {
		if !yearPattern.MatchString(year) {
			return Export{}, apperr.Invalid("year", "must be a year written YYYY")
		}
		y, _ = strconv.Atoi(year)
		if y < FirstExportYear || y >= now.Year() {
			return Export{}, apperr.Invalid("year", fmt.Sprintf("must be an ended year from %d on", FirstExportYear))
		}
	}
	to := time.Date(y+1, time.January, 1, 0, 0, 0, 0, Bishkek)
	var out Export
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var rows []htcdsRow
		if err := tx.WithContext(ctx).Raw(`SELECT reg_year, sex, age_bracket, citizenship, country, exploitation_types,
			means_of_control, labour_sector, recruiter_relation FROM jardam_stats_htcds(?)`, to.UTC()).Scan(&rows).Error; err != nil {
			return fmt.Errorf("read the export's records: %w", err)
		}
		records := make([]htcds.Record, len(rows))
		for i, r := range rows {
			records[i] = htcds.Record{Year: r.RegYear, Sex: r.Sex, AgeBracket: r.AgeBracket, Citizenship: deref(r.Citizenship),
				Country: deref(r.Country), ExploitationTypes: r.ExploitationTypes, MeansOfControl: r.MeansOfControl,
				LabourSector: deref(r.LabourSector), RecruiterRelation: deref(r.RecruiterRelation)}
		}
		res := htcds.Anonymize(records, htcds.K, htcds.MaxSuppressedShare, y)
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		if err := w.Write(res.Header); err != nil {
			return err
		}
		if err := w.WriteAll(res.Rows); err != nil {
			return err
		}
		out = Export{Filename: fmt.Sprintf("jardam-htcds-%d.csv", y), CSV: b.Bytes(), Levels: res.Levels}
		return audit.Record(ctx, tx, ActionExport, "stats_export", fmt.Sprintf("htcds:%d", y), audit.Success)
	})
	return out, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
