package cases

import (
	"time"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/audit"
)

// Identity is who the person is. It is stored encrypted: the identity
// category (names, aliases, birth date, document, languages) and the contact
// category (phone, address, contact person) each in one ciphertext bound to
// its case, column and data key version.
type Identity struct {
	GivenName      *string  `json:"given_name,omitempty"`
	FamilyName     *string  `json:"family_name,omitempty"`
	Patronymic     *string  `json:"patronymic,omitempty"`
	Aliases        []string `json:"aliases,omitempty"`
	BirthDate      *string  `json:"birth_date,omitempty"`
	DocumentNumber *string  `json:"document_number,omitempty"`
	Languages      []string `json:"languages,omitempty"`
	Phone          *string  `json:"phone,omitempty"`
	Address        *string  `json:"address,omitempty"`
	ContactPerson  *string  `json:"contact_person,omitempty"`
}

// IdentityFields and ContactFields are the two encrypted halves of
// Identity (a hotline contact's identity and contact details have the same
// shape).
type IdentityFields struct {
	GivenName      *string  `json:"given_name,omitempty"`
	FamilyName     *string  `json:"family_name,omitempty"`
	Patronymic     *string  `json:"patronymic,omitempty"`
	Aliases        []string `json:"aliases,omitempty"`
	BirthDate      *string  `json:"birth_date,omitempty"`
	DocumentNumber *string  `json:"document_number,omitempty"`
	Languages      []string `json:"languages,omitempty"`
}

// ContactFields is the contact half of Identity.
type ContactFields struct {
	Phone         *string `json:"phone,omitempty"`
	Address       *string `json:"address,omitempty"`
	ContactPerson *string `json:"contact_person,omitempty"`
}

func (i Identity) parts() (IdentityFields, ContactFields) {
	return IdentityFields{i.GivenName, i.FamilyName, i.Patronymic, i.Aliases, i.BirthDate, i.DocumentNumber, i.Languages},
		ContactFields{i.Phone, i.Address, i.ContactPerson}
}

func (c ContactFields) empty() bool {
	return c.Phone == nil && c.Address == nil && c.ContactPerson == nil
}

// Event is a trafficking event: where and when in clear, place and details
// encrypted.
type Event struct {
	Kind      string  `json:"kind"`
	Country   *string `json:"country,omitempty"`
	Region    *string `json:"region,omitempty"`
	YearMonth *string `json:"year_month,omitempty"`
	Place     *string `json:"place,omitempty"`
	Details   *string `json:"details,omitempty" text:"multiline"`
}

type eventSecret struct {
	Place   *string `json:"place,omitempty"`
	Details *string `json:"details,omitempty"`
}

// Fields are the editable fields of a case: the body of a create and the
// document a merge patch applies to.
type Fields struct {
	Identity                *Identity  `json:"identity,omitempty"`
	IdentifiedAt            *time.Time `json:"identified_at,omitempty"`
	IdentificationChannel   *string    `json:"identification_channel,omitempty"`
	TraffickingStatus       *string    `json:"trafficking_status,omitempty"`
	Sex                     *string    `json:"sex,omitempty"`
	AgeBracket              *string    `json:"age_bracket,omitempty"`
	IsMinor                 *bool      `json:"is_minor,omitempty"`
	Citizenship             *string    `json:"citizenship,omitempty"`
	RegionOfOrigin          *string    `json:"region_of_origin,omitempty"`
	ExploitationTypes       []string   `json:"exploitation_types,omitempty"`
	CountriesOfExploitation []string   `json:"countries_of_exploitation,omitempty"`
	MeansOfControl          []string   `json:"means_of_control,omitempty"`
	LabourSector            *string    `json:"labour_sector,omitempty"`
	RecruitmentMethod       *string    `json:"recruitment_method,omitempty"`
	RecruiterRelation       *string    `json:"recruiter_relation,omitempty"`
	RiskLevel               *string    `json:"risk_level,omitempty"`
	MeasureCodes            []string   `json:"measure_codes,omitempty"`
	TraffickingEvents       []Event    `json:"trafficking_events,omitempty"`
	// AssignedUserIDs may be changed by supervisors only.
	AssignedUserIDs []uuid.UUID `json:"assigned_user_ids,omitempty"`
	// Version is accepted in a PATCH body (If-Match wins).
	Version *int `json:"version,omitempty"`
}

// Case is the API view of a case. Identity is absent, not blanked, when the
// caller may not read it.
type Case struct {
	ID                        uuid.UUID   `json:"id"`
	Code                      string      `json:"code"`
	Version                   int         `json:"version"`
	OwnerOrganizationID       uuid.UUID   `json:"owner_organization_id"`
	IdentifyingOrganizationID uuid.UUID   `json:"identifying_organization_id"`
	Source                    string      `json:"source"`
	Stage                     string      `json:"stage"`
	Status                    string      `json:"status"`
	ClosureReason             *string     `json:"closure_reason"`
	RiskLevel                 *string     `json:"risk_level"`
	IdentifiedAt              time.Time   `json:"identified_at"`
	IdentificationChannel     *string     `json:"identification_channel"`
	TraffickingStatus         *string     `json:"trafficking_status"`
	Sex                       string      `json:"sex"`
	AgeBracket                string      `json:"age_bracket"`
	IsMinor                   *bool       `json:"is_minor"`
	Citizenship               *string     `json:"citizenship"`
	RegionOfOrigin            *string     `json:"region_of_origin"`
	ExploitationTypes         []string    `json:"exploitation_types"`
	CountriesOfExploitation   []string    `json:"countries_of_exploitation"`
	MeansOfControl            []string    `json:"means_of_control"`
	LabourSector              *string     `json:"labour_sector"`
	RecruitmentMethod         *string     `json:"recruitment_method"`
	RecruiterRelation         *string     `json:"recruiter_relation"`
	MeasureCodes              []string    `json:"measure_codes"`
	AssignedUserIDs           []uuid.UUID `json:"assigned_user_ids"`
	ReflectionEndsOn          *string     `json:"reflection_ends_on"`
	TraffickingEvents         []Event     `json:"trafficking_events"`
	Identity                  *Identity   `json:"identity,omitempty"`
	// IdentityErased is true when the case's data key was destroyed.
	IdentityErased bool `json:"identity_erased,omitempty"`
	// Flags are the flags in force, their reasons for the owner's side
	// only (and never in lists); Flagged says whether there is one.
	Flags   []Flag `json:"flags"`
	Flagged bool   `json:"flagged"`
	// NeedsGuardian is true, for the owner's side when one case is read,
	// for an open minor's case with neither a guardian linked nor a
	// consent of the guardianship authority.
	NeedsGuardian bool      `json:"needs_guardian,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	// LastActivityAt is when anything was last recorded on the case: the
	// case, its stage, workers, plan, notes, assistance, consents,
	// referrals, assessments, flags, approvals, documents or follow-ups
	// (migration 0034); reading it is not activity.
	LastActivityAt time.Time `json:"last_activity_at"`
	// AssignedWorkers names the workers of the caller's organization
	// assigned to the case; set in lists.
	AssignedWorkers []Worker `json:"assigned_workers,omitempty"`
	// Relation is how the caller reaches the case, set in lists:
	// RelationAssigned, RelationOrganization or RelationReferral.
	Relation string `json:"relation,omitempty"`
	// Allowed is what the caller may do on the case; set when one case is
	// read (GET /api/v1/cases/{id}).
	*Allowed
}

// Worker is an account assigned to a case, by name.
type Worker struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

// How the caller reaches a listed case.
const (
	// RelationReferral: another organization's case, referred to the
	// caller's.
	RelationReferral = "referral"
	// RelationAssigned: the caller's organization's case, assigned to them.
	RelationAssigned = "assigned"
	// RelationOrganization: the caller's organization's case, not assigned
	// to them.
	RelationOrganization = "organization"
)

// StageMove is one move along the referral path.
type StageMove struct {
	ID            uuid.UUID  `json:"id"`
	FromStage     *string    `json:"from_stage"`
	ToStage       string     `json:"to_stage"`
	Reason        *string    `json:"reason"`
	ClosureReason *string    `json:"closure_reason"`
	MovedBy       *uuid.UUID `json:"moved_by"`
	MovedAt       time.Time  `json:"moved_at"`
}

// MoveInput is the body of a stage move.
type MoveInput struct {
	Stage  string `json:"stage"`
	Reason string `json:"reason" text:"multiline"`
}

// Goal is one goal of the individual assistance plan.
type Goal struct {
	ID     string  `json:"id"`
	Text   string  `json:"text"`
	DueOn  *string `json:"due_on,omitempty"`
	Status string  `json:"status"`
	// Need is the needs domain the goal answers (NeedsDomains), if any.
	Need *string `json:"need,omitempty"`
}

// Plan is the needs assessment and the individual assistance plan.
type Plan struct {
	NeedsAssessment string     `json:"needs_assessment"`
	Goals           []Goal     `json:"goals"`
	Version         int        `json:"version"`
	UpdatedBy       *uuid.UUID `json:"updated_by"`
	UpdatedAt       *time.Time `json:"updated_at"`
	// ApprovedVersion is the last version of the plan a supervisor
	// approved (an approval of kind plan), nil when none was; Approved
	// says whether the plan as it stands is that version.
	ApprovedVersion *int       `json:"approved_version"`
	ApprovedAt      *time.Time `json:"approved_at"`
	Approved        bool       `json:"approved"`
}

// PlanInput is the body of PUT /cases/{id}/plan.
type PlanInput struct {
	NeedsAssessment string `json:"needs_assessment" text:"multiline"`
	Goals           []Goal `json:"goals"`
	Version         *int   `json:"version,omitempty"`
}

// GoalStatuses are the statuses of a plan goal.
var GoalStatuses = []string{"open", "in_progress", "achieved", "dropped"}

// Filter narrows a case list.
type Filter struct {
	// Code selects the case with this code (such as SEZIM-2025-0042,
	// matched without regard to case); the list then holds it or nothing.
	Code           string
	Stage          string
	Status         string
	RiskLevel      string
	AssignedUserID uuid.UUID
	// Unassigned keeps the cases nobody is assigned to (such as those of a
	// disabled account), for supervisors to assign.
	Unassigned     bool
	IdentifiedFrom *time.Time
	IdentifiedTo   *time.Time
	// Sort is the list's order, newest first: one of ListSorts (empty:
	// SortCreatedAt).
	Sort string
}

// The orders of a case list, each newest first.
const (
	SortCreatedAt    = "created_at"
	SortLastActivity = "last_activity_at"
	SortIdentifiedAt = "identified_at"
)

// ListSorts are the orders a case list may be asked for.
var ListSorts = []string{SortLastActivity, SortIdentifiedAt, SortCreatedAt}

// sortKey is the time a list sorted by sort is ordered by.
func sortKey(sort string) func(Case) (time.Time, uuid.UUID) {
	switch sort {
	case SortLastActivity:
		return func(c Case) (time.Time, uuid.UUID) { return c.LastActivityAt, c.ID }
	case SortIdentifiedAt:
		return func(c Case) (time.Time, uuid.UUID) { return c.IdentifiedAt, c.ID }
	}
	return func(c Case) (time.Time, uuid.UUID) { return c.CreatedAt, c.ID }
}

// SearchInput is the body of POST /cases/search and /cases/duplicates.
type SearchInput struct {
	Identity Identity `json:"identity"`
}

// Match is a visible case matching a duplicate check.
type Match struct {
	ID   uuid.UUID `json:"id"`
	Code string    `json:"code"`
}

// DuplicateResult is the answer of a duplicate check.
type DuplicateResult struct {
	Matches         []Match `json:"matches"`
	ExistsElsewhere bool    `json:"exists_elsewhere"`
}

// AccessEntry is one entry of a case's access log: the audit entry and the
// name of its actor's account (null when nobody was signed in).
type AccessEntry struct {
	audit.Entry
	ActorName *string `json:"actor_name"`
}
