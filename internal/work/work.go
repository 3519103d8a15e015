// Package work answers "what needs me now": the signed-in person's work
// list (GET /api/v1/me/work). It reads the other domains' tables inside the
// caller's row-level security scope and changes nothing.
//
// An item is due at a moment: a referral's answer at its deadline, a plan
// goal, the end of a reflection period or a consent's expiry on its date, a
// half-year report on its deadline day. The list holds everything overdue
// and everything due within Horizon, the most urgent first (overdue first,
// then by due time). An unassigned case and an account awaiting approval
// are due one day after they arose (GraceDays): they wait for a person, not
// for a calendar.
//
// Items carry codes and ids only, never a name or another personal detail:
// the case's and the referral's codes are the non-identifying ones the
// notifications use.
package work

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/reports"
	"github.com/jardam-kg/jardam/internal/stats"
	"github.com/jardam-kg/jardam/internal/users"
)

// The kinds of work.
const (
	KindReferralResponse       = "referral_response"
	KindPlanGoal               = "plan_goal"
	KindReflectionPeriodEnding = "reflection_period_ending"
	KindConsentExpiring        = "consent_expiring"
	KindUnassignedCase         = "unassigned_case"
	KindReportDue              = "report_due"
	KindApproval               = "approval"
	KindFollowUp               = "follow_up"
	// A hotline operator's: an intake still waiting for the center's
	// answer, one the center declined, a callback the caller consented to.
	KindIntakeWaiting  = "intake_waiting"
	KindIntakeDeclined = "intake_declined"
	KindCallback       = "callback"
)

// Kinds lists every kind, in the order the counts are given.
var Kinds = []string{KindReferralResponse, KindPlanGoal, KindReflectionPeriodEnding, KindConsentExpiring,
	KindUnassignedCase, KindReportDue, KindApproval, KindFollowUp, KindIntakeWaiting, KindIntakeDeclined, KindCallback}

// Horizons: what is due within them is listed.
const (
	// Horizon is how far ahead the list looks.
	Horizon = 14 * 24 * time.Hour
	// ReflectionNoticeDays is how many days before its end a reflection
	// period is listed.
	ReflectionNoticeDays = 7
	// GraceDays is how long an unassigned case or an account awaiting
	// approval may wait before it is overdue.
	GraceDays = 1
)

// Item is one piece of work. Which of the optional fields are set depends
// on the kind.
type Item struct {
	Kind    string    `json:"kind"`
	DueAt   time.Time `json:"due_at"`
	Overdue bool      `json:"overdue"`
	// Link is the web app's page where the work is done.
	Link         string     `json:"link"`
	CaseID       *uuid.UUID `json:"case_id,omitempty"`
	CaseCode     *string    `json:"case_code,omitempty"`
	ReferralID   *uuid.UUID `json:"referral_id,omitempty"`
	ReferralCode *string    `json:"referral_code,omitempty"`
	// Urgency is a referral's (urgent, normal).
	Urgency *string `json:"urgency,omitempty"`
	// UserID is the account awaiting an approval.
	UserID *uuid.UUID `json:"user_id,omitempty"`
	// Approval is what awaits approval: grant (an account or a role),
	// mfa_reset, or a case's plan, closure or transfer.
	Approval *string `json:"approval,omitempty"`
	// ApprovalID and ApprovalStatus name a case's request for approval:
	// pending (for the supervisors who decide) or returned (for the
	// worker who asked).
	ApprovalID     *uuid.UUID `json:"approval_id,omitempty"`
	ApprovalStatus *string    `json:"approval_status,omitempty"`
	// FollowUpID is a follow-up after reintegration, with its kind (visit,
	// call, message).
	FollowUpID   *uuid.UUID `json:"follow_up_id,omitempty"`
	FollowUpKind *string    `json:"follow_up_kind,omitempty"`
	// ContactID and ContactCode name a hotline's contact (an intake's,
	// or one to call back).
	ContactID   *uuid.UUID `json:"contact_id,omitempty"`
	ContactCode *string    `json:"contact_code,omitempty"`
	// Period is a report's half-year (YYYY-Hn) and ReportKind its kind.
	Period     *string `json:"period,omitempty"`
	ReportKind *string `json:"report_kind,omitempty"`
}

// List is the answer: the items and, whatever the kind asked for, how many
// there are of each kind.
type List struct {
	Items  []Item         `json:"items"`
	Counts map[string]int `json:"counts"`
	Total  int            `json:"total"`
}

// Service builds work lists.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// NewService returns the service; now is the clock (time.Now when nil).
func NewService(db *gorm.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

// source gathers the items of some kinds for a caller.
type source func(tx *gorm.DB, p reqctx.Principal, now time.Time) ([]Item, error)

// sources names, per role, what is gathered for it.
func sources(role string) []source {
	caseWork := []source{referralResponses, planGoals, reflectionPeriods, expiringConsents, returnedApprovals, followUps}
	switch role {
	case authz.RoleCaseworker:
		return caseWork
	case authz.RoleSupervisor:
		return append(caseWork, unassignedCases, bodyReportDue, approvals, caseApprovals)
	case authz.RoleCoordinator:
		return []source{summaryReportDue}
	case authz.RoleOrgAdmin, authz.RoleAdmin:
		return []source{approvals}
	case authz.RoleHotlineOperator:
		return []source{intakesWaiting, intakesDeclined, callbacks}
	case authz.RoleHotlineSupervisor:
		return []source{intakesWaiting, intakesDeclined, callbacks, bodyReportDue, approvals}
	}
	return nil
}

// Mine returns the caller's work list; kind, when not empty, keeps one kind
// in the items (the counts stay whole). An unknown kind is invalid.
func (s *Service) Mine(ctx context.Context, kind string) (List, error) {
	if kind != "" && !slices.Contains(Kinds, kind) {
		return List{}, apperr.Invalid("kind", "must be one of: "+strings.Join(Kinds, ", "))
	}
	now := s.now()
	var all []Item
	err := database.InCallerTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		for _, src := range sources(p.Role) {
			items, err := src(tx, p, now)
			if err != nil {
				return err
			}
			all = append(all, items...)
		}
		return nil
	})
	if err != nil {
		return List{}, err
	}
	return assemble(all, kind, now), nil
}

// assemble marks what is overdue, orders the items (overdue first, then by
// due time, then by kind and link for a stable order), counts them per
// kind and keeps the kind asked for.
func assemble(all []Item, kind string, now time.Time) List {
	out := List{Items: []Item{}, Counts: map[string]int{}}
	for _, k := range Kinds {
		out.Counts[k] = 0
	}
	for i := range all {
		all[i].DueAt = all[i].DueAt.UTC()
		all[i].Overdue = all[i].DueAt.Before(now)
		out.Counts[all[i].Kind]++
	}
	slices.SortStableFunc(all, func(a, b Item) int {
		switch {
		case a.Overdue != b.Overdue:
			if a.Overdue {
				return -1
			}
			return 1
		case !a.DueAt.Equal(b.DueAt):
			return a.DueAt.Compare(b.DueAt)
		case a.Kind != b.Kind:
			return strings.Compare(a.Kind, b.Kind)
		}
		return strings.Compare(a.Link, b.Link)
	})
	for _, it := range all {
		if kind == "" || it.Kind == kind {
			out.Items = append(out.Items, it)
		}
	}
	out.Total = len(all)
	return out
}

// dayEnd is the start of the day after a calendar date in Asia/Bishkek; dates are due at the
// start of the next day (the whole date is still in time).
func dayEnd(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, stats.Bishkek).AddDate(0, 0, 1)
}

// caseRow is a case-linked item as read from SQL.
type caseRow struct {
	CaseID   uuid.UUID
	CaseCode string
	Due      time.Time
}

func caseItems(kind string, rows []caseRow, dates bool) []Item {
	out := make([]Item, 0, len(rows))
	for _, r := range rows {
		due := r.Due
		if dates {
			due = dayEnd(r.Due)
		}
		out = append(out, Item{Kind: kind, DueAt: due, Link: "/cases/" + r.CaseID.String(),
			CaseID: &r.CaseID, CaseCode: &r.CaseCode})
	}
	return out
}

// myOpenCases restricts a query on cases c to the open cases assigned to
// the caller.
const myOpenCases = `c.status <> 'closed'
	AND EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = c.id AND a.user_id = ?)`

// referralResponses are the referrals to the caller's organization waiting
// for an answer.
func referralResponses(tx *gorm.DB, p reqctx.Principal, now time.Time) ([]Item, error) {
	var rows []struct {
		ID      uuid.UUID
		Code    string
		Urgency string
		DueAt   time.Time
	}
	if err := tx.Raw(`SELECT id, code, urgency, due_at FROM referrals
		WHERE to_organization_id = ? AND status = 'pending' AND due_at < ?`,
		p.OrganizationID, now.Add(Horizon)).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Item, 0, len(rows))
	for _, r := range rows {
		out = append(out, Item{Kind: KindReferralResponse, DueAt: r.DueAt, Link: "/referrals/" + r.ID.String(),
			ReferralID: &r.ID, ReferralCode: &r.Code, Urgency: &r.Urgency})
	}
	return out, nil
}

// planGoals are the next goals of the plans of the caller's open cases, due
// or overdue.
func planGoals(tx *gorm.DB, p reqctx.Principal, now time.Time) ([]Item, error) {
	var rows []caseRow
	err := tx.Raw(`SELECT c.id AS case_id, c.code AS case_code, pl.next_due_on AS due
		FROM case_plans pl JOIN cases c ON c.id = pl.case_id
		WHERE pl.next_due_on IS NOT NULL AND pl.next_due_on < ? AND `+myOpenCases,
		today(now).Add(Horizon), p.UserID).Scan(&rows).Error
	return caseItems(KindPlanGoal, rows, true), err
}

// reflectionPeriods are the reflection periods of the caller's open cases
// that end within ReflectionNoticeDays.
func reflectionPeriods(tx *gorm.DB, p reqctx.Principal, now time.Time) ([]Item, error) {
	var rows []caseRow
	t := today(now)
	err := tx.Raw(`SELECT c.id AS case_id, c.code AS case_code, c.reflection_ends_on AS due
		FROM cases c WHERE c.reflection_ends_on >= ? AND c.reflection_ends_on < ? AND `+myOpenCases,
		t, t.AddDate(0, 0, ReflectionNoticeDays+1), p.UserID).Scan(&rows).Error
	return caseItems(KindReflectionPeriodEnding, rows, true), err
}

// expiringConsents are the consents in force on the caller's open cases
// that expire within the horizon.
func expiringConsents(tx *gorm.DB, p reqctx.Principal, now time.Time) ([]Item, error) {
	var rows []caseRow
	err := tx.Raw(`SELECT c.id AS case_id, c.code AS case_code, k.expires_at AS due
		FROM consents k JOIN cases c ON c.id = k.case_id
		WHERE k.withdrawn_at IS NULL AND k.expires_at > ? AND k.expires_at < ? AND `+myOpenCases,
		now, now.Add(Horizon), p.UserID).Scan(&rows).Error
	return caseItems(KindConsentExpiring, rows, false), err
}

// unassignedCases are the open cases of the caller's organization that no
// active account is assigned to.
func unassignedCases(tx *gorm.DB, p reqctx.Principal, _ time.Time) ([]Item, error) {
	var rows []caseRow
	err := tx.Raw(`SELECT c.id AS case_id, c.code AS case_code, c.created_at + make_interval(days => ?) AS due
		FROM cases c
		WHERE c.owner_organization_id = ? AND c.status <> 'closed'
		  AND NOT EXISTS (SELECT 1 FROM case_assignments a JOIN users u ON u.id = a.user_id
		                  WHERE a.case_id = c.id AND u.status = 'active')`,
		GraceDays, p.OrganizationID).Scan(&rows).Error
	return caseItems(KindUnassignedCase, rows, false), err
}

// bodyReportDue is the half-year report of the caller's organization, when
// it reports as a body of a Program measure and the last ended half-year's
// report is not submitted.
func bodyReportDue(tx *gorm.DB, p reqctx.Principal, now time.Time) ([]Item, error) {
	var body bool
	if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM measure_bodies b JOIN organizations o ON o.code = b.organization_code
		WHERE o.id = ?)`,
		p.OrganizationID).Scan(&body).Error; err != nil || !body {
		return nil, err
	}
	return reportDue(tx, p.OrganizationID, reports.KindBody, now)
}

// summaryReportDue is the coordinator's summary of the last ended
// half-year, while it is not submitted.
func summaryReportDue(tx *gorm.DB, p reqctx.Principal, now time.Time) ([]Item, error) {
	return reportDue(tx, p.OrganizationID, reports.KindSummary, now)
}

func reportDue(tx *gorm.DB, org uuid.UUID, kind string, now time.Time) ([]Item, error) {
	h, err := lastEndedHalf(now)
	if err != nil {
		return nil, nil // before the Program's first half-year
	}
	var submitted bool
	if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM half_year_reports
		WHERE organization_id = ? AND year = ? AND half = ? AND kind = ? AND status = 'submitted')`,
		org, h.Year, h.Half, kind).Scan(&submitted).Error; err != nil || submitted {
		return nil, err
	}
	due := dayEnd(h.Deadline(kind))
	if !due.Before(now.Add(Horizon)) {
		return nil, nil
	}
	period, k := h.Name(), kind
	return []Item{{Kind: KindReportDue, DueAt: due, Link: "/report", Period: &period, ReportKind: &k}}, nil
}

// lastEndedHalf is the half-year that ended last before now.
func lastEndedHalf(now time.Time) (reports.HalfYear, error) {
	t := now.In(stats.Bishkek)
	year, half := t.Year(), 1
	if t.Month() <= time.June {
		year, half = year-1, 2
	}
	return reports.ParseHalfYear(strconv.Itoa(year), strconv.Itoa(half), now)
}

// approvals are the grants and second-factor resets that wait for a second
// person, where the four-eyes rule lets the caller be that person.
func approvals(tx *gorm.DB, p reqctx.Principal, _ time.Time) ([]Item, error) {
	var rows []struct {
		UserID      uuid.UUID
		RequestedBy uuid.UUID
		Asked       time.Time
		What        string
	}
	if err := tx.Raw(`SELECT id AS user_id, requested_by, updated_at AS asked, 'grant' AS what FROM users
		WHERE (status = 'pending_approval' OR pending_role IS NOT NULL) AND requested_by IS NOT NULL
		UNION ALL
		SELECT user_id, requested_by, requested_at, 'mfa_reset' FROM mfa_reset_requests WHERE approved_at IS NULL`).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	var out []Item
	for _, r := range rows {
		why, err := users.ApproverRefusal(tx, p, r.UserID, r.RequestedBy)
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
			continue // an account the caller does not see
		}
		if err != nil {
			return nil, fmt.Errorf("approval rule: %w", err)
		}
		if why != "" {
			continue
		}
		what := r.What
		out = append(out, Item{Kind: KindApproval, DueAt: r.Asked.AddDate(0, 0, GraceDays), Link: "/users",
			UserID: &r.UserID, Approval: &what})
	}
	return out, nil
}

// today is the start of now's date in Asia/Bishkek.
func today(now time.Time) time.Time {
	t := now.In(stats.Bishkek)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, stats.Bishkek)
}
