package reports

import (
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// org is an organization as reports name it.
type org struct {
	ID     uuid.UUID
	Code   string
	Kind   string
	NameRu string
	NameKy string
	NameEn string
}

// hotline reports whether the organization is a hotline (its report counts
// contacts).
func (o org) hotline() bool { return o.Kind == organizations.KindHotline }

func loadOrgs(tx *gorm.DB) (map[uuid.UUID]org, map[string]org, error) {
	var rows []org
	if err := tx.Raw(`SELECT id, code, kind, name_ru, name_ky, name_en FROM organizations`).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	byID, byCode := map[uuid.UUID]org{}, map[string]org{}
	for _, r := range rows {
		byID[r.ID], byCode[r.Code] = r, r
	}
	return byID, byCode, nil
}

// programFor returns the program a half-year reports under: the latest
// program whose period overlaps the half-year, or else the latest that
// began before it ended (reports go on under it until the next program is
// added). ok is false when there is none.
func programFor(tx *gorm.DB, h HalfYear) (code string, ok bool, err error) {
	from := h.From.In(measures.Bishkek).Format("2006-01-02")
	to := h.To.In(measures.Bishkek).Format("2006-01-02")
	var codes []string
	err = tx.Raw(`SELECT code FROM programs WHERE starts_on < ?::date
		ORDER BY (ends_on >= ?::date) DESC, starts_on DESC, code DESC LIMIT 1`, to, from).Scan(&codes).Error
	if err != nil || len(codes) == 0 {
		return "", false, err
	}
	return codes[0], true, nil
}

// measureRow is a measure of a program with the codes of its bodies
// (responsible and co-executing).
type measureRow struct {
	Code      string
	Direction string
	TitleRu   string
	TitleKy   string
	TitleEn   string
	Bodies    []string `gorm:"type:text[]"`
}

func loadMeasures(tx *gorm.DB, program string) ([]measureRow, error) {
	var rows []measureRow
	err := tx.Raw(`SELECT m.code, m.direction, m.title_ru, m.title_ky, m.title_en,
			array(SELECT b.organization_code FROM measure_bodies b WHERE b.measure_code = m.code
			      ORDER BY b.role DESC, b.organization_code) AS bodies
		FROM measures m WHERE m.program = ? ORDER BY m.position`, program).Scan(&rows).Error
	return rows, err
}

func hasBody(m measureRow, code string) bool {
	for _, b := range m.Bodies {
		if b == code {
			return true
		}
	}
	return false
}

// plannedByMeasure sums the planned amounts of the year per measure.
func plannedByMeasure(tx *gorm.DB, program string, year int) (map[string]float64, error) {
	var rows []struct {
		MeasureCode string
		Planned     float64
	}
	if err := tx.Raw(`SELECT l.measure_code, sum(l.planned_kgs)::float8 AS planned FROM measure_budget_lines l
		JOIN measures m ON m.code = l.measure_code WHERE m.program = ? AND l.year = ? GROUP BY l.measure_code`,
		program, year).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, r := range rows {
		out[r.MeasureCode] = r.Planned
	}
	return out, nil
}

// figureKey names a group of jardam_report_figures: an organization
// (uuid.Nil: every organization) and a measure.
type figureKey struct {
	Org  uuid.UUID
	Code string
}

// loadFigures calls jardam_report_figures and, for hotlines,
// jardam_report_contact_figures; only (uuid.Nil: every
// organization, with per-organization groups) limits the records to one
// organization.
func loadFigures(tx *gorm.DB, only uuid.UUID, h HalfYear, codes []string) (map[figureKey]map[string]float64, error) {
	var rows []struct {
		OrganizationID *uuid.UUID
		MeasureCode    string
		Figure         string
		Value          float64
	}
	var orgArg any
	if only != uuid.Nil {
		orgArg = only
	}
	from, to, arr := h.From.UTC(), h.To.UTC(), database.Array[string](codes)
	if err := tx.Raw(`SELECT organization_id, measure_code, figure, value::float8 AS value
		FROM jardam_report_figures(?::uuid, ?, ?, ?::text[])
		UNION ALL SELECT organization_id, measure_code, figure, value::float8
		FROM jardam_report_contact_figures(?::uuid, ?, ?, ?::text[])`, orgArg, from, to, arr, orgArg, from, to, arr).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[figureKey]map[string]float64{}
	for _, r := range rows {
		k := figureKey{Code: r.MeasureCode}
		if r.OrganizationID != nil {
			k.Org = *r.OrganizationID
		}
		if out[k] == nil {
			out[k] = map[string]float64{}
		}
		out[k][r.Figure] = r.Value
	}
	return out, nil
}

// state is the state of a report as jardam_report_states answers it.
type state struct {
	OrganizationID uuid.UUID
	Kind           string
	Status         string
	SubmittedAt    *time.Time
	SubmittedBy    *uuid.UUID
}

func loadStates(tx *gorm.DB, h HalfYear) ([]state, error) {
	var rows []state
	err := tx.Raw(`SELECT organization_id, kind, status, submitted_at, submitted_by FROM jardam_report_states(?, ?)`,
		h.Year, h.Half).Scan(&rows).Error
	return rows, err
}

func loadNarratives(tx *gorm.DB, orgID uuid.UUID, h HalfYear, kind string) (map[string]Narrative, error) {
	var rows []struct {
		MeasureCode string
		Text        string
		UpdatedAt   time.Time
		UpdatedBy   uuid.UUID
	}
	if err := tx.Raw(`SELECT measure_code, text, updated_at, updated_by FROM jardam_report_narratives(?, ?, ?, ?)`,
		orgID, h.Year, h.Half, kind).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string]Narrative{}
	for _, r := range rows {
		out[r.MeasureCode] = Narrative{MeasureCode: r.MeasureCode, Text: r.Text, UpdatedAt: r.UpdatedAt.UTC(), UpdatedBy: r.UpdatedBy}
	}
	return out, nil
}

// reportRow is the caller's own report row.
type reportRow struct {
	ID          uuid.UUID
	Status      string
	SubmittedAt *time.Time
}

// lockReport returns the caller organization's report row of kind for the
// half-year, created as a draft when missing, locked until tx ends.
func lockReport(tx *gorm.DB, orgID uuid.UUID, h HalfYear, kind string) (reportRow, error) {
	if err := tx.Exec(`INSERT INTO half_year_reports (id, organization_id, year, half, kind) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (organization_id, year, half, kind) DO NOTHING`, uuid.New(), orgID, h.Year, h.Half, kind).Error; err != nil {
		return reportRow{}, err
	}
	var r reportRow
	err := tx.Raw(`SELECT id, status, submitted_at FROM half_year_reports
		WHERE organization_id = ? AND year = ? AND half = ? AND kind = ? FOR UPDATE`, orgID, h.Year, h.Half, kind).Scan(&r).Error
	return r, err
}
