package measures

import (
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

type programRow struct {
	Code     string
	TitleRu  string
	TitleKy  string
	TitleEn  string
	StartsOn time.Time
	EndsOn   time.Time
	Source   string
}

func toProgram(r programRow) Program {
	return Program{Code: r.Code, Title: Title{r.TitleRu, r.TitleKy, r.TitleEn},
		StartsOn: r.StartsOn.Format("2006-01-02"), EndsOn: r.EndsOn.Format("2006-01-02"), Source: r.Source}
}

func loadPrograms(tx *gorm.DB) ([]Program, error) {
	var rows []programRow
	if err := tx.Raw(`SELECT code, title_ru, title_ky, title_en, starts_on, ends_on, source FROM programs ORDER BY starts_on, code`).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Program, 0, len(rows))
	for _, r := range rows {
		out = append(out, toProgram(r))
	}
	return out, nil
}

func loadDirections(tx *gorm.DB) ([]Direction, error) {
	var rows []struct {
		Code    string
		TitleRu string
		TitleKy string
		TitleEn string
	}
	if err := tx.Raw(`SELECT code, title_ru, title_ky, title_en FROM measure_directions ORDER BY position`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Direction, 0, len(rows))
	for _, r := range rows {
		out = append(out, Direction{Code: r.Code, Title: Title{r.TitleRu, r.TitleKy, r.TitleEn}})
	}
	return out, nil
}

type measureRow struct {
	Code          string
	Program       string
	Direction     string
	TitleRu       string
	TitleKy       string
	TitleEn       string
	Source        string
	Responsible   []string `gorm:"type:text[]"`
	CoExecutors   []string `gorm:"type:text[]"`
	AssistanceFor []string `gorm:"type:text[]"`
}

func loadMeasures(tx *gorm.DB, f Filter) ([]Measure, error) {
	q := `SELECT m.code, m.program, m.direction, m.title_ru, m.title_ky, m.title_en, m.source,
			array(SELECT b.organization_code FROM measure_bodies b WHERE b.measure_code = m.code AND b.role = 'responsible' ORDER BY b.organization_code) AS responsible,
			array(SELECT b.organization_code FROM measure_bodies b WHERE b.measure_code = m.code AND b.role = 'co_executor' ORDER BY b.organization_code) AS co_executors,
			array(SELECT d.assistance_type FROM measure_assistance_defaults d WHERE d.measure_code = m.code ORDER BY d.assistance_type) AS assistance_for
		FROM measures m JOIN programs p ON p.code = m.program
		WHERE (? = '' OR m.program = ?) AND (? = '' OR m.direction = ?)
		ORDER BY p.starts_on, p.code, m.position`
	var rows []measureRow
	if err := tx.Raw(q, f.Program, f.Program, f.Direction, f.Direction).Scan(&rows).Error; err != nil {
		return nil, err
	}
	var orgs []struct {
		ID   uuid.UUID
		Code string
	}
	if err := tx.Raw(`SELECT id, code FROM organizations`).Scan(&orgs).Error; err != nil {
		return nil, err
	}
	var lines []struct {
		MeasureCode   string
		Year          int
		FundingSource string
		PlannedKgs    float64
	}
	if err := tx.Raw(`SELECT measure_code, year, funding_source, planned_kgs::float8 AS planned_kgs FROM measure_budget_lines
		ORDER BY measure_code, year, funding_source`).Scan(&lines).Error; err != nil {
		return nil, err
	}
	budget := map[string][]BudgetLine{}
	for _, l := range lines {
		budget[l.MeasureCode] = append(budget[l.MeasureCode], BudgetLine{Year: l.Year, FundingSource: l.FundingSource, PlannedKGS: l.PlannedKgs})
	}
	byCode := make(map[string]uuid.UUID, len(orgs))
	for _, o := range orgs {
		byCode[o.Code] = o.ID
	}
	out := make([]Measure, 0, len(rows))
	for _, r := range rows {
		out = append(out, Measure{Code: r.Code, Program: r.Program, Direction: r.Direction,
			Title:                        Title{r.TitleRu, r.TitleKy, r.TitleEn},
			ResponsibleOrganizationIDs:   orgIDs(byCode, r.Responsible),
			ResponsibleOrganizationCodes: strs(r.Responsible),
			CoExecutingOrganizationIDs:   orgIDs(byCode, r.CoExecutors),
			CoExecutingOrganizationCodes: strs(r.CoExecutors),
			DefaultForAssistanceTypes:    strs(r.AssistanceFor),
			Budget:                       budgetOf(budget, r.Code),
			Source:                       r.Source})
	}
	return out, nil
}

func strs(a []string) []string {
	if a == nil {
		return []string{}
	}
	return a
}

func budgetOf(m map[string][]BudgetLine, code string) []BudgetLine {
	if b := m[code]; b != nil {
		return b
	}
	return []BudgetLine{}
}
