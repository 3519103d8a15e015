package contacts

import (
	"slices"
	"strings"
	"time"

	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// validate checks f as a whole contact (a create, or a patched contact):
// channel, caller and topic are required, every enumerated field holds one
// of its values, and contact details need the caller's consent to a
// callback. Errors name the field, never its value.
func validate(f *Fields) error {
	var v apperr.Validation
	required := func(field string, val *string, allowed []string) {
		if val == nil || *val == "" {
			v.Add(field, "is required: one of "+strings.Join(allowed, ", "))
			return
		}
		enum(&v, field, val, allowed)
	}
	required("channel", f.Channel, Channels)
	required("caller", f.Caller, Callers)
	required("topic", f.Topic, Topics)
	enum(&v, "region", f.Region, organizations.Regions)
	enum(&v, "outcome", f.Outcome, Outcomes)
	if f.Country != nil && !cases.IsCountry(*f.Country) {
		v.Add("country", "must be an ISO 3166-1 alpha-2 code such as RU")
	}
	if s := f.Screening; s != nil {
		enum(&v, "screening.result", s.Result, Results)
		for i, ind := range s.Indicators {
			if !slices.Contains(Indicators, ind) {
				v.Add("screening.indicators", "must list indicators from: "+strings.Join(Indicators, ", "))
				break
			}
			if slices.Contains(s.Indicators[:i], ind) {
				v.Add("screening.indicators", "must not repeat an indicator")
				break
			}
		}
	}
	if f.Summary != nil && len([]rune(*f.Summary)) > 4000 {
		v.Add("summary", "must be at most 4000 characters")
	}
	checkIdentity(&v, f.Identity)
	if d := f.Contact; d != nil {
		short(&v, "contact.phone", d.Phone, 50)
		short(&v, "contact.address", d.Address, 500)
		short(&v, "contact.contact_person", d.ContactPerson, 200)
		if (d.Phone != nil || d.Address != nil || d.ContactPerson != nil) && (f.CallbackConsent == nil || !*f.CallbackConsent) {
			v.Add("callback_consent", "contact details are kept only when the caller agrees to be called back")
		}
	}
	return v.Err()
}

func checkIdentity(v *apperr.Validation, id *Identity) {
	if id == nil {
		return
	}
	short(v, "identity.given_name", id.GivenName, 200)
	short(v, "identity.family_name", id.FamilyName, 200)
	short(v, "identity.patronymic", id.Patronymic, 200)
	short(v, "identity.document_number", id.DocumentNumber, 100)
	if id.BirthDate != nil {
		if _, err := time.Parse(time.DateOnly, *id.BirthDate); err != nil {
			v.Add("identity.birth_date", "must be a date written YYYY-MM-DD")
		}
	}
	if len(id.Aliases) > 20 {
		v.Add("identity.aliases", "must list at most 20 aliases")
	}
	if len(id.Languages) > 20 {
		v.Add("identity.languages", "must list at most 20 languages")
	}
}

func enum(v *apperr.Validation, field string, val *string, allowed []string) {
	if val != nil && !slices.Contains(allowed, *val) {
		v.Add(field, "must be one of: "+strings.Join(allowed, ", "))
	}
}

func short(v *apperr.Validation, field string, val *string, n int) {
	if val != nil && len([]rune(*val)) > n {
		v.Add(field, "is too long")
	}
}

// referCategories are the categories an intake can carry: a contact holds
// an identity and contact details, nothing of health, legal matters or
// assistance.
var referCategories = []string{"identity", "contact"}

// validateRefer checks an intake's body and fills its default urgency.
func validateRefer(in *ReferInput) error {
	var v apperr.Validation
	if in.Urgency == "" {
		in.Urgency = "normal"
	}
	if in.Urgency != "urgent" && in.Urgency != "normal" {
		v.Add("urgency", "must be one of: urgent, normal")
	}
	if in.ToOrganizationID.String() == "00000000-0000-0000-0000-000000000000" {
		v.Add("to_organization_id", "is required")
	}
	for i, c := range in.Categories {
		if !slices.Contains(referCategories, c) || slices.Contains(in.Categories[:i], c) {
			v.Add("categories", "must list categories from: identity, contact, each once")
			break
		}
	}
	if len([]rune(in.Note)) > 4000 {
		v.Add("note", "must be at most 4000 characters")
	}
	return v.Err()
}
