package stats

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/csvsafe"
	"github.com/jardam-kg/jardam/internal/stats/htcds"
)

// ActionExport is the audit action of a person-level export.
const ActionExport = "stats.export"

// FirstExportYear is the earliest year an export may be asked for.
const FirstExportYear = 2000

// The layouts of the person-level export.
const (
	// LayoutHTCDS writes HTCDS 2.0 field names and picklist values.
	LayoutHTCDS = "htcds"
	// LayoutCTDC writes the CTDC codebook's columns.
	LayoutCTDC = "ctdc"
)

// Export is a k-anonymized person-level export.
type Export struct {
	// Filename is the attachment's name, such as jardam-htcds-2024.csv.
	Filename string
	// CSV is the file: one header row, then one row per person.
	CSV []byte
	// Levels is the generalization applied.
	Levels htcds.Levels
}

var yearPattern = regexp.MustCompile(`^\d{4}$`)

// exportRow is a row of jardam_stats_export.
type exportRow struct {
	Sex                 string
	AgeBracket          string
	Citizenship         *string
	Country             *string
	ExploitationTypes   []string `gorm:"type:text[]"`
	MeansOfControl      []string `gorm:"type:text[]"`
	LabourSector        *string
	RecruitmentMethod   *string
	RecruiterRelation   *string
	TraffickingStatus   *string
	Stage               *string
	ClosureReason       *string
	NeedsDomains        []string `gorm:"type:text[]"`
	LinkedRecruiter     *string
	LinkedPerpetrator   *string
	RecruitmentChannels []string `gorm:"type:text[]"`
	FollowUpPending     bool
}

// ExportHTCDS returns the person-level export of year in HTCDS 2.0 field
// names and values (htcds.Fields). See Export for what it holds and the
// errors it returns.
func (s *Service) ExportHTCDS(ctx context.Context, year string) (Export, error) {
	return s.Export(ctx, LayoutHTCDS, year)
}

// ExportCTDC returns the person-level export of year in the CTDC
// codebook's columns (htcds.Columns). See Export.
func (s *Service) ExportCTDC(ctx context.Context, year string) (Export, error) {
	return s.Export(ctx, LayoutCTDC, year)
}

// Export returns the person-level export, in layout (LayoutHTCDS or
// LayoutCTDC), of every case with a valid statistics consent identified in
// year (empty: the last ended year), and no other: yearly files never
// repeat a person. Both layouts are projections of one k-anonymized table
// (htcds.Anonymize, k = htcds.K), so the two files of a year cannot be
// joined into anything rarer than k. The cases are read through the
// statistics role's function jardam_stats_export, which answers
// statistical attributes only; no identity is decrypted. It returns an
// invalid-input error naming `year` for a malformed, current or future
// year, and records the export in the audit trail (layout and year only,
// nothing of a person).
func (s *Service) Export(ctx context.Context, layout, year string) (Export, error) {
	y, err := s.exportYear(year)
	if err != nil {
		return Export{}, err
	}
	from := time.Date(y, time.January, 1, 0, 0, 0, 0, Bishkek)
	var out Export
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		var rows []exportRow
		if err := tx.WithContext(ctx).Raw(`SELECT sex, age_bracket, citizenship, country, exploitation_types, means_of_control,
			labour_sector, recruitment_method, recruiter_relation, trafficking_status, stage, closure_reason, needs_domains,
			linked_recruiter, linked_perpetrator, recruitment_channels, follow_up_pending
			FROM jardam_stats_export(?, ?)`, from.UTC(), from.AddDate(1, 0, 0).UTC()).Scan(&rows).Error; err != nil {
			return fmt.Errorf("read the export's records: %w", err)
		}
		res := htcds.Anonymize(toRecords(rows), y, htcds.K, htcds.MaxSuppressedShare)
		t := res.CTDC
		if layout == LayoutHTCDS {
			t = res.HTCDS
		}
		b, err := writeCSV(t)
		if err != nil {
			return err
		}
		out = Export{Filename: fmt.Sprintf("jardam-%s-%d.csv", layout, y), CSV: b, Levels: res.Levels}
		return audit.Record(ctx, tx, ActionExport, "stats_export", fmt.Sprintf("%s:%d", layout, y), audit.Success)
	})
	return out, err
}

// exportYear reads the year asked for: an ended year from FirstExportYear
// on; empty is the last ended year.
func (s *Service) exportYear(year string) (int, error) {
	now := s.now().In(Bishkek)
	if year == "" {
		return now.Year() - 1, nil
	}
	if !yearPattern.MatchString(year) {
		return 0, apperr.Invalid("year", "must be a year written YYYY")
	}
	y, _ := strconv.Atoi(year)
	if y < FirstExportYear || y >= now.Year() {
		return 0, apperr.Invalid("year", fmt.Sprintf("must be an ended year from %d on", FirstExportYear))
	}
	return y, nil
}

func toRecords(rows []exportRow) []htcds.Record {
	records := make([]htcds.Record, len(rows))
	for i, r := range rows {
		records[i] = htcds.Record{Sex: r.Sex, AgeBracket: r.AgeBracket, Citizenship: deref(r.Citizenship),
			Country: deref(r.Country), ExploitationTypes: r.ExploitationTypes, MeansOfControl: r.MeansOfControl,
			LabourSector: deref(r.LabourSector), RecruitmentMethod: deref(r.RecruitmentMethod),
			RecruiterRelation: deref(r.RecruiterRelation), TraffickingStatus: deref(r.TraffickingStatus),
			Stage: deref(r.Stage), ClosureReason: deref(r.ClosureReason), FollowUpPending: r.FollowUpPending,
			NeedsDomains: r.NeedsDomains, LinkedRecruiter: deref(r.LinkedRecruiter), LinkedPerpetrator: deref(r.LinkedPerpetrator),
			RecruitmentChannels: r.RecruitmentChannels}
	}
	return records
}

// writeCSV writes a table as CSV: commas, UTF-8, one header row.
func writeCSV(t htcds.Table) ([]byte, error) {
	var b bytes.Buffer
	w := csvsafe.NewWriter(&b)
	if err := w.Write(t.Header); err != nil {
		return nil, err
	}
	if err := w.WriteAll(t.Rows); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
