// Package measures owns the Program reference data and what is recorded
// against it: programs (the Cabinet's Program 2022-2025 now, the next one
// beside it), their directions and measures with stable codes, titles in
// Russian, Kyrgyz and English, responsible and co-executing bodies (linked
// to organizations by code) and the measure offered by default for each
// assistance type; the import of an official list; the check that links
// from cases and assistance name existing measures; and activities that are
// not cases (awareness events, trainings, campaigns, publications).
package measures

import (
	"regexp"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/organizations"
)

// Directions of the Actions plan, in order.
var Directions = []string{"coordination", "prevention", "protection", "prosecution", "partnership", "monitoring"}

// Sources of a measure list: derived from the Program's text, or the
// official Appendix text.
const (
	SourceDerived  = "derived"
	SourceOfficial = "official"
)

// Roles of a body in a measure.
const (
	RoleResponsible = "responsible"
	RoleCoExecutor  = "co_executor"
)

var (
	codePattern         = regexp.MustCompile(`^[A-Z0-9][A-Z0-9.\-]{0,31}$`)
	programPattern      = regexp.MustCompile(`^[0-9]{4}-[0-9]{4}$`)
	organizationPattern = regexp.MustCompile(`^[A-Z][A-Z0-9-]{1,23}$`)
)

// IsCode reports whether s has the shape of a measure code.
func IsCode(s string) bool { return codePattern.MatchString(s) }

func isAssistanceType(s string) bool { return slices.Contains(organizations.AssistanceTypes, s) }

// Title is a text in Russian, Kyrgyz and English.
type Title struct {
	RU string `json:"ru" yaml:"ru"`
	KY string `json:"ky" yaml:"ky"`
	EN string `json:"en" yaml:"en"`
}

// Program is a Program of the Cabinet of Ministers with its period.
type Program struct {
	Code     string `json:"code"`
	Title    Title  `json:"title"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	Source   string `json:"source"`
}

// Direction is a direction of the Actions plan.
type Direction struct {
	Code  string `json:"code"`
	Title Title  `json:"title"`
}

// Measure is a measure of a Program's Actions plan. Bodies are named by
// organization code; the ids are those of the organizations that exist
// with these codes.
type Measure struct {
	Code                         string      `json:"code"`
	Program                      string      `json:"program"`
	Direction                    string      `json:"direction"`
	Title                        Title       `json:"title"`
	ResponsibleOrganizationIDs   []uuid.UUID `json:"responsible_organization_ids"`
	ResponsibleOrganizationCodes []string    `json:"responsible_organization_codes"`
	CoExecutingOrganizationIDs   []uuid.UUID `json:"co_executing_organization_ids"`
	CoExecutingOrganizationCodes []string    `json:"co_executing_organization_codes"`
	// DefaultForAssistanceTypes are the assistance types for which this
	// measure is offered by default on entry.
	DefaultForAssistanceTypes []string `json:"default_for_assistance_types"`
	// Budget lists the planned amounts (Appendix 4), by year and funding
	// source.
	Budget []BudgetLine `json:"budget"`
	Source string       `json:"source"`
}

// BudgetLine is the planned amount of a measure for a year from a funding
// source, in KGS.
type BudgetLine struct {
	Year          int     `json:"year" yaml:"year"`
	FundingSource string  `json:"funding_source" yaml:"funding_source"`
	PlannedKGS    float64 `json:"planned_kgs" yaml:"planned_kgs"`
}

// List is the answer of GET /api/v1/measures: the measures, and the
// programs and directions they belong to. The list is complete reference
// data: next_cursor is always null.
type List struct {
	Items      []Measure   `json:"items"`
	NextCursor *string     `json:"next_cursor"`
	Programs   []Program   `json:"programs"`
	Directions []Direction `json:"directions"`
}

// Filter narrows the measure list.
type Filter struct {
	Program   string
	Direction string
}

// Bishkek is the time zone of calendar periods.
var Bishkek = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Bishkek")
	if err != nil {
		return time.FixedZone("Asia/Bishkek", 6*3600)
	}
	return loc
}()
