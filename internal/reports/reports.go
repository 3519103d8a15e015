// Package reports owns the half-year reports on the Program measures and
// the budget view (Appendix 4): each body listed for a measure reports, per
// half-year, figures filled from its records beside a narrative typed by
// its supervisors, and submits once; the coordinating body's coordinators
// write the consolidated summary across bodies. Figures that reach anyone
// outside the body that recorded them are suppressed like the aggregate
// tables (package stats). Reports are exported as JSON, XLSX, PDF and CSV;
// every read and export is audited.
package reports

import (
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/stats"
)

// Report kinds.
const (
	KindBody    = "body"
	KindSummary = "summary"
)

// Report statuses.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
)

// Audit actions of the report service.
const (
	ActionRead   = "report.read"
	ActionExport = "report.export"
	ActionWrite  = "report.write"
	ActionSubmit = "report.submit"
	ActionBudget = "budget.read"
)

// FirstYear is the first year a half-year report exists for (the Program
// 2022-2025 began then).
const FirstYear = 2022

// MaxNarrative is the longest narrative, in characters.
const MaxNarrative = 10000

// Figure names, in the order a report lists them. For a body B, a measure
// M and a half-year [from, to) (Asia/Bishkek calendar):
//
//   - persons_identified: cases owned by B, identified in the half-year,
//     that link to M (the case's measure_codes).
//   - persons_assisted: distinct cases given assistance by B (B is the
//     provider) that implements M, active in the half-year: given (status
//     in_progress or completed) and its dates overlapping the half-year,
//     from started_on (or the day it was recorded) to ended_on (for
//     completed assistance without an end date, the day it was last
//     changed; open-ended while in progress), as the persons_assisted
//     indicator counts.
//   - assistance_services: the number of those assistance records.
//   - activities_held: activities of B against M held in the half-year
//     (every kind).
//   - people_reached: the people those activities reached.
//   - officials_trained: the participants of those activities that are
//     trainings.
//   - spending_kgs: the cost of B's assistance implementing M that was
//     given and started (started_on, or the day it was recorded) in the
//     half-year, plus the cost of those activities. Assistance that
//     implements several measures counts under each.
//   - consultations_given (a hotline's report only, as a hotline holds
//     no case): B's contacts recorded in the half-year whose outcome is
//     advice given; they count under every measure B is listed for.
//   - intakes_referred (a hotline's report only): the intakes B referred
//     to a crisis center in the half-year.
//
// The summary lists the two hotline figures under the measures that list
// a hotline, over every hotline listed.
//
// The summary holds the same figures over every organization's records
// (persons counted once across bodies). Who sees what: a body's own
// supervisors see its exact figures, the current half-year's included.
// Coordinators see ended half-years only, and every figure (the
// summary's and each body's) as the statistical release of the year
// decides it (stats.Release, docs/disclosure.md): the reports are figures
// of one system with the tables, the indicators and the budget, so no
// withheld figure can be narrowed below k persons (amounts: below
// stats.MoneyShare of their value) by combining them.
const (
	FigurePersonsIdentified  = stats.ReportPersonsIdentified
	FigurePersonsAssisted    = stats.ReportPersonsAssisted
	FigureAssistanceServices = stats.ReportAssistanceServices
	FigureActivitiesHeld     = stats.ReportActivitiesHeld
	FigurePeopleReached      = stats.ReportPeopleReached
	FigureOfficialsTrained   = stats.ReportOfficialsTrained
	FigureSpendingKGS        = stats.ReportSpendingKGS
	FigureConsultations      = stats.ReportConsultationsGiven
	FigureIntakes            = stats.ReportIntakesReferred
)

// figureDef describes one figure of a report; contacts: a hotline's
// figure, listed only where a hotline reports.
type figureDef struct {
	name, unit string
	title      measures.Title
	contacts   bool
}

var figureDefs = []figureDef{
	{FigurePersonsIdentified, "persons", measures.Title{RU: "Выявлено лиц", KY: "Аныкталган адамдар", EN: "Persons identified"}, false},
	{FigurePersonsAssisted, "persons", measures.Title{RU: "Лиц, получивших помощь", KY: "Жардам алган адамдар", EN: "Persons assisted"}, false},
	{FigureAssistanceServices, "services", measures.Title{RU: "Оказано услуг", KY: "Көрсөтүлгөн кызматтар", EN: "Assistance services"}, false},
	{FigureActivitiesHeld, "activities", measures.Title{RU: "Проведено мероприятий", KY: "Өткөрүлгөн иш-чаралар", EN: "Activities held"}, false},
	{FigurePeopleReached, "persons", measures.Title{RU: "Охвачено людей", KY: "Камтылган адамдар", EN: "People reached"}, false},
	{FigureOfficialsTrained, "persons", measures.Title{RU: "Обучено должностных лиц", KY: "Окутулган кызмат адамдары", EN: "Officials trained"}, false},
	{FigureSpendingKGS, "kgs", measures.Title{RU: "Расходы, сом", KY: "Чыгашалар, сом", EN: "Spending, KGS"}, false},
	{FigureConsultations, "contacts", measures.Title{RU: "Консультаций горячей линии", KY: "Ишеним телефонунун кеңештери",
		EN: "Hotline consultations given"}, true},
	{FigureIntakes, "contacts", measures.Title{RU: "Обращений, направленных в кризисные центры",
		KY: "Кризистик борборлорго жөнөтүлгөн кайрылуулар", EN: "Contacts referred to crisis centers"}, true},
}

// Figure is one figure of a measure. A withheld figure has value null and
// suppressed true.
type Figure struct {
	Name       string   `json:"name"`
	Value      *float64 `json:"value"`
	Suppressed bool     `json:"suppressed"`
	Unit       string   `json:"unit"`
}

// MeasureBudget sets an actual spending beside the amount planned: in a
// report, a measure's spending in the half-year (the spending_kgs figure)
// beside the amount planned for it for the year (every funding source,
// every body); in the budget, a measure's or a funding source's actual of
// the year beside its plan.
type MeasureBudget struct {
	PlannedKGS       float64  `json:"planned_kgs"`
	ActualKGS        *float64 `json:"actual_kgs"`
	ActualSuppressed bool     `json:"actual_suppressed"`
}

// MeasureReport is one measure of a report.
type MeasureReport struct {
	Code      string         `json:"code"`
	Direction string         `json:"direction"`
	Title     measures.Title `json:"title"`
	Figures   []Figure       `json:"figures"`
	Budget    MeasureBudget  `json:"budget"`
	Narrative *string        `json:"narrative"`
}

// BodyState is the state of one body's report, in the summary.
type BodyState struct {
	OrganizationID uuid.UUID  `json:"organization_id"`
	Code           string     `json:"code"`
	Status         string     `json:"status"`
	SubmittedAt    *time.Time `json:"submitted_at"`
	Late           bool       `json:"late"`
}

// Report is a half-year report: a body's, or the coordinating body's
// summary across bodies.
type Report struct {
	Year             int            `json:"year"`
	Half             int            `json:"half"`
	Period           string         `json:"period"`
	Kind             string         `json:"kind"`
	Program          string         `json:"program"`
	OrganizationID   uuid.UUID      `json:"organization_id"`
	OrganizationCode string         `json:"organization_code"`
	Organization     measures.Title `json:"organization_name"`
	Status           string         `json:"status"`
	Deadline         string         `json:"deadline"`
	SubmittedAt      *time.Time     `json:"submitted_at"`
	SubmittedBy      *uuid.UUID     `json:"submitted_by"`
	Late             bool           `json:"late"`
	Ended            bool           `json:"ended"`
	K                int            `json:"k"`
	// FiguresSuppressed says the figures went through suppression (every
	// report but a body's own, seen by its supervisors).
	FiguresSuppressed bool            `json:"figures_suppressed"`
	Measures          []MeasureReport `json:"measures"`
	Bodies            []BodyState     `json:"bodies,omitempty"`
}

// Narrative is a measure's narrative in a report.
type Narrative struct {
	MeasureCode string    `json:"measure_code"`
	Text        string    `json:"text"`
	UpdatedAt   time.Time `json:"updated_at"`
	UpdatedBy   uuid.UUID `json:"updated_by"`
}

// NarrativeInput is the body of PUT .../narratives/{measure_code}.
type NarrativeInput struct {
	Text *string `json:"text" text:"multiline"`
}

// SubmitInput is the body of POST .../submit: an empty object.
type SubmitInput struct{}

// HalfYear is a half-year: its number and its instants [From, To) in
// Asia/Bishkek time.
type HalfYear struct {
	Year, Half int
	From, To   time.Time
}

// Name returns `YYYY-Hn`.
func (h HalfYear) Name() string { return fmt.Sprintf("%d-H%d", h.Year, h.Half) }

// Deadline returns the last day (Asia/Bishkek) to submit a report of the
// half-year: the 15th after it for a body (H1 by 15 July, H2 by 15
// January), the 25th for the summary.
func (h HalfYear) Deadline(kind string) time.Time {
	day := 15
	if kind == KindSummary {
		day = 25
	}
	return time.Date(h.To.In(stats.Bishkek).Year(), h.To.In(stats.Bishkek).Month(), day, 0, 0, 0, 0, stats.Bishkek)
}

// Late reports whether a report of kind submitted at submittedAt (nil: not
// submitted) is late at now: submitted after its deadline day, or not
// submitted and the deadline day has passed (Asia/Bishkek).
func (h HalfYear) Late(kind string, submittedAt *time.Time, now time.Time) bool {
	end := h.Deadline(kind).AddDate(0, 0, 1)
	if submittedAt != nil {
		return !submittedAt.Before(end)
	}
	return !now.Before(end)
}

// Ended reports whether the half-year has ended at now.
func (h HalfYear) Ended(now time.Time) bool { return !h.To.After(now) }

// ParseHalfYear reads the path parameters {year} and {half}. It answers an
// invalid error naming `year` for a malformed year, one before FirstYear or
// after the current one, and naming `half` for anything but 1 or 2 or a
// half-year that has not begun at now.
func ParseHalfYear(year, half string, now time.Time) (HalfYear, error) {
	var v apperr.Validation
	y, err := strconv.Atoi(year)
	cur := now.In(stats.Bishkek).Year()
	switch {
	case err != nil || len(year) != 4:
		v.Add("year", "must be a year written YYYY")
	case y < FirstYear:
		v.Add("year", fmt.Sprintf("must not be before %d", FirstYear))
	case y > cur:
		v.Add("year", "must not be in the future")
	}
	h, herr := strconv.Atoi(half)
	if herr != nil || (half != "1" && half != "2") {
		v.Add("half", "must be 1 or 2")
	}
	if err := v.Err(); err != nil {
		return HalfYear{}, err
	}
	from := time.Date(y, time.Month(1+6*(h-1)), 1, 0, 0, 0, 0, stats.Bishkek)
	hy := HalfYear{Year: y, Half: h, From: from, To: from.AddDate(0, 6, 0)}
	if hy.From.After(now) {
		return HalfYear{}, apperr.Invalid("half", "must have begun")
	}
	return hy, nil
}
