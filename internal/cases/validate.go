package cases

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// Bishkek is the time zone of calendar periods and deadlines.
var Bishkek = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Bishkek")
	if err != nil {
		return time.FixedZone("Asia/Bishkek", 6*3600)
	}
	return loc
}()

var (
	measurePattern   = regexp.MustCompile(`^[A-Z0-9][A-Z0-9.\-]{0,31}$`)
	yearMonthPattern = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)
)

func checkText(v *apperr.Validation, field string, s *string, max int) {
	if s == nil {
		return
	}
	if !apperr.IsTextWithin(*s, max) {
		v.Add(field, "must be text of at most "+itoa(max)+" characters")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func parseDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", s, Bishkek)
	return t, err == nil && t.Year() >= 1900 && t.Year() <= 2200
}

// ageBracket returns the CTDC age bracket and minor flag of someone born on
// birth at the date at.
func ageBracket(birth, at time.Time) (string, bool) {
	at = at.In(Bishkek)
	age := at.Year() - birth.Year()
	if at.Month() < birth.Month() || (at.Month() == birth.Month() && at.Day() < birth.Day()) {
		age--
	}
	for _, b := range ageBrackets {
		if age <= b.upTo {
			return b.name, b.minor
		}
	}
	return "48+", false
}

// ageBrackets are the CTDC age brackets below 48, youngest first: each
// holds the ages up to upTo.
var ageBrackets = []struct {
	upTo  int
	name  string
	minor bool
}{{8, "0-8", true}, {17, "9-17", true}, {20, "18-20", false}, {23, "21-23", false}, {26, "24-26", false},
	{29, "27-29", false}, {38, "30-38", false}, {47, "39-47", false}}

func bracketIsMinor(b string) (bool, bool) {
	switch b {
	case "0-8", "9-17":
		return true, true
	case "unknown", "":
		return false, false
	}
	return false, true
}

// validate checks the editable fields. With complete it also checks what a
// whole case needs (a name); a partial check validates a merge patch's
// values before the case is loaded. It fills derived fields (age bracket
// and minor flag from a birth date, identified_at defaulting to now).
func validate(f *Fields, complete bool, now time.Time) error {
	var v apperr.Validation
	if f.Identity != nil {
		checkIdentity(&v, f.Identity, now)
	}
	if complete && (f.Identity == nil || (blank(f.Identity.GivenName) && blank(f.Identity.FamilyName))) {
		v.Add("identity.given_name", "a given or a family name is required")
	}
	if f.IdentifiedAt != nil && (f.IdentifiedAt.After(now.Add(5*time.Minute)) || f.IdentifiedAt.Year() < 1990) {
		v.Add("identified_at", "must be a time from 1990 on, not in the future")
	}
	checkAttributes(&v, f)
	checkEvents(&v, f.TraffickingEvents)
	if len(f.AssignedUserIDs) > 20 {
		v.Add("assigned_user_ids", "must list at most 20 workers")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return derive(f, now)
}

// checkIdentity checks the lengths of the identity's texts and its birth
// date.
func checkIdentity(v *apperr.Validation, id *Identity, now time.Time) {
	checkText(v, "identity.given_name", id.GivenName, 100)
	checkText(v, "identity.family_name", id.FamilyName, 100)
	checkText(v, "identity.patronymic", id.Patronymic, 100)
	checkText(v, "identity.document_number", id.DocumentNumber, 50)
	checkText(v, "identity.phone", id.Phone, 50)
	checkText(v, "identity.address", id.Address, 500)
	checkText(v, "identity.contact_person", id.ContactPerson, 300)
	checkTexts(v, "identity.aliases", "must list at most 20 names", id.Aliases, 100)
	checkTexts(v, "identity.languages", "must list at most 20 languages", id.Languages, 50)
	if id.BirthDate != nil {
		if b, ok := parseDate(*id.BirthDate); !ok || b.After(now) || b.Year() < 1900 {
			v.Add("identity.birth_date", "must be a past date written YYYY-MM-DD")
		}
	}
}

// checkTexts checks a list of at most 20 texts of at most max characters.
func checkTexts(v *apperr.Validation, field, tooMany string, list []string, max int) {
	if len(list) > 20 {
		v.Add(field, tooMany)
	}
	for _, s := range list {
		checkText(v, field, &s, max)
	}
}

// checkAttributes checks the statistical attributes against their
// enumerations.
func checkAttributes(v *apperr.Validation, f *Fields) {
	checkEnum(v, "identification_channel", f.IdentificationChannel, Channels)
	checkEnum(v, "trafficking_status", f.TraffickingStatus, TraffStatuses)
	checkEnum(v, "sex", f.Sex, Sexes)
	checkEnum(v, "age_bracket", f.AgeBracket, AgeBrackets)
	checkEnum(v, "region_of_origin", f.RegionOfOrigin, Regions)
	checkEnum(v, "labour_sector", f.LabourSector, LabourSectors)
	checkEnum(v, "recruitment_method", f.RecruitmentMethod, RecruitmentMethods)
	checkEnum(v, "recruiter_relation", f.RecruiterRelation, RecruiterRelations)
	checkEnum(v, "risk_level", f.RiskLevel, RiskLevels)
	checkEnumList(v, "exploitation_types", f.ExploitationTypes, Exploitations)
	checkEnumList(v, "means_of_control", f.MeansOfControl, MeansOfControl)
	if f.Citizenship != nil && !IsCountry(*f.Citizenship) {
		v.Add("citizenship", "must be an ISO 3166-1 alpha-2 code such as KG")
	}
	if slices.ContainsFunc(f.CountriesOfExploitation, func(c string) bool { return !IsCountry(c) }) {
		v.Add("countries_of_exploitation", "must list ISO 3166-1 alpha-2 codes such as RU, KZ")
	}
	if hasDuplicates(f.CountriesOfExploitation) {
		v.Add("countries_of_exploitation", "must not repeat a value")
	}
	if slices.ContainsFunc(f.MeasureCodes, func(m string) bool { return !measurePattern.MatchString(m) }) {
		v.Add("measure_codes", "must list Program measure codes")
	}
}

// checkEvents checks the trafficking events.
func checkEvents(v *apperr.Validation, events []Event) {
	if len(events) > 50 {
		v.Add("trafficking_events", "must list at most 50 events")
	}
	for _, e := range events {
		if !contains(EventKinds, e.Kind) {
			v.Add("trafficking_events.kind", "must be one of: "+strings.Join(EventKinds, ", "))
		}
		if e.Country != nil && !IsCountry(*e.Country) {
			v.Add("trafficking_events.country", "must be an ISO 3166-1 alpha-2 code")
		}
		if e.YearMonth != nil && !yearMonthPattern.MatchString(*e.YearMonth) {
			v.Add("trafficking_events.year_month", "must be written YYYY-MM")
		}
		checkText(v, "trafficking_events.region", e.Region, 100)
		checkText(v, "trafficking_events.place", e.Place, 300)
		checkText(v, "trafficking_events.details", e.Details, 4000)
	}
}

// derive fills the derived fields of valid fields: identified_at defaults
// to now; a birth date gives the age bracket and minority, an age bracket
// the minority. A given value that conflicts with the derived one is
// refused naming its field.
func derive(f *Fields, now time.Time) error {
	if f.IdentifiedAt == nil {
		t := now
		f.IdentifiedAt = &t
	}
	if f.Identity != nil && f.Identity.BirthDate != nil {
		b, _ := parseDate(*f.Identity.BirthDate)
		bracket, minor := ageBracket(b, *f.IdentifiedAt)
		if f.AgeBracket != nil && *f.AgeBracket != bracket && *f.AgeBracket != "unknown" {
			return apperr.Invalid("age_bracket", "conflicts with the birth date; leave it out to derive it")
		}
		if f.IsMinor != nil && *f.IsMinor != minor {
			return apperr.Invalid("is_minor", "conflicts with the birth date; leave it out to derive it")
		}
		f.AgeBracket, f.IsMinor = &bracket, &minor
		return nil
	}
	if f.AgeBracket == nil {
		return nil
	}
	if minor, known := bracketIsMinor(*f.AgeBracket); known {
		if f.IsMinor != nil && *f.IsMinor != minor {
			return apperr.Invalid("is_minor", "conflicts with age_bracket")
		}
		f.IsMinor = &minor
	}
	return nil
}

func blank(s *string) bool { return s == nil || strings.TrimSpace(*s) == "" }

func contains(set []string, s string) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}
