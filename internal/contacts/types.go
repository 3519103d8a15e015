// Package contacts owns the contact records of a hotline: a call, a message
// or a walk-in recorded during the conversation, with how it came, who
// called and about what, the screening after the ILO's operational
// indicators, and, only as the caller gives them, a summary, an identity and
// a way to call back, sealed under the contact's own data key. A contact
// needs no name. It stays with the hotline that recorded it (another
// organization's contact answers like a missing one), is erased after the
// retention period unless it became a case, and becomes a case at a crisis
// center through an intake (Refer; package referrals carries the intake).
package contacts

import (
	"time"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/cases"
)

// Enumerations of a contact's fields, as the API description lists them.
var (
	Channels   = []string{"phone", "messenger", "app", "walk_in", "email", "other"}
	Callers    = []string{"person_concerned", "family", "witness", "professional", "anonymous"}
	Topics     = []string{"safe_migration_advice", "job_offer_check", "suspected_trafficking", "victim_seeking_help", "missing_person", "other"}
	Outcomes   = []string{"advice_given", "referred", "no_action"}
	Results    = []string{"none", "possible", "likely"}
	Indicators = []string{"deception", "coercion", "debt_bondage", "withheld_documents", "restricted_movement", "threats",
		"isolation", "excessive_hours", "abusive_conditions", "withheld_wages"}
)

// Screening is the operator's screening after the ILO's operational
// indicators of trafficking.
type Screening struct {
	Indicators []string `json:"indicators"`
	Result     *string  `json:"result"`
}

// Identity is who the person is, as far as the caller says: every field
// optional, the fields of a case's identity.
type Identity = cases.IdentityFields

// Details are how to call the person back (with the caller's consent), the
// fields of a case's contact.
type Details = cases.ContactFields

// Fields are the editable fields of a contact: the body of a create and
// the document a merge patch applies to.
type Fields struct {
	Channel   *string    `json:"channel,omitempty"`
	Caller    *string    `json:"caller,omitempty"`
	Topic     *string    `json:"topic,omitempty"`
	Region    *string    `json:"region,omitempty"`
	Country   *string    `json:"country,omitempty"`
	Screening *Screening `json:"screening,omitempty"`
	Summary   *string    `json:"summary,omitempty" text:"multiline"`
	Identity  *Identity  `json:"identity,omitempty"`
	Contact   *Details   `json:"contact,omitempty"`
	// CallbackConsent: the caller agreed to be called back; a contact's
	// details are kept only with it.
	CallbackConsent *bool   `json:"callback_consent,omitempty"`
	Outcome         *string `json:"outcome,omitempty"`
	// Version is accepted in a PATCH body (If-Match wins).
	Version *int `json:"version,omitempty"`
}

// Intake is what the hotline sees of the intake a contact became: its
// status, never the case.
type Intake struct {
	ReferralID       uuid.UUID  `json:"referral_id"`
	Code             string     `json:"code"`
	Status           string     `json:"status"`
	ToOrganizationID uuid.UUID  `json:"to_organization_id"`
	RespondedAt      *time.Time `json:"responded_at"`
}

// Contact is the API view of a contact. Summary, identity and contact are
// absent in lists and once the contact is erased.
type Contact struct {
	ID              uuid.UUID `json:"id"`
	Code            string    `json:"code"`
	OrganizationID  uuid.UUID `json:"organization_id"`
	Channel         string    `json:"channel"`
	Caller          string    `json:"caller"`
	Topic           string    `json:"topic"`
	Region          *string   `json:"region"`
	Country         *string   `json:"country"`
	Screening       Screening `json:"screening"`
	Outcome         *string   `json:"outcome"`
	CallbackConsent bool      `json:"callback_consent"`
	Summary         *string   `json:"summary,omitempty"`
	Identity        *Identity `json:"identity,omitempty"`
	Contact         *Details  `json:"contact,omitempty"`
	// Erased: the retention period ended and the sealed fields are gone.
	Erased    bool      `json:"erased"`
	Intake    *Intake   `json:"intake"`
	CreatedBy uuid.UUID `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// ReferInput is the body of POST /contacts/{id}/refer: the caller's spoken
// consent to share the categories (identity, contact) with the recipient.
type ReferInput struct {
	ToOrganizationID uuid.UUID `json:"to_organization_id"`
	Urgency          string    `json:"urgency,omitempty"`
	Note             string    `json:"note,omitempty" text:"multiline"`
	Categories       []string  `json:"categories"`
}
