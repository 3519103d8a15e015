package cases

import (
	"slices"
	"strings"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// Enumerations of the statistical attributes (as the API description lists them), aligned
// with HTCDS 2.0 and the CTDC data dictionary.
var (
	Sexes          = []string{"female", "male", "other", "unknown"}
	AgeBrackets    = []string{"0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+", "unknown"}
	Channels       = []string{"hotline", "police", "consulate", "border_service", "labour_inspection", "ngo_outreach", "international_organization", "self_referral", "other"}
	Exploitations  = []string{"forced_labour", "sexual_exploitation", "forced_marriage", "forced_begging", "servitude", "organ_removal", "forced_criminality", "child_labour", "other"}
	RiskLevels     = []string{"low", "medium", "high"}
	TraffStatuses  = []string{"possible", "actual", "not_a_victim"}
	ClosureReasons = []string{"reintegrated", "transferred", "declined_assistance", "lost_contact", "not_a_victim", "deceased", "other"}
	Regions        = []string{"bishkek_city", "osh_city", "batken", "jalal_abad", "issyk_kul", "naryn", "osh", "talas", "chui"}
	// MeansOfControl follows CTDC's means-of-control flags.
	MeansOfControl = []string{"debt_bondage", "takes_earnings", "restricts_financial_access", "threats", "psychological_abuse",
		"physical_abuse", "sexual_abuse", "false_promises", "psychoactive_substances", "restricts_movement",
		"restricts_medical_care", "excessive_working_hours", "uses_children", "threat_of_law_enforcement",
		"withholds_necessities", "withholds_documents", "other"}
	// LabourSectors follows CTDC's type of labour.
	LabourSectors = []string{"agriculture", "aquafarming", "begging", "construction", "domestic_work", "hospitality",
		"manufacturing", "mining", "peddling", "transportation", "other"}
	RecruitmentMethods = []string{"job_offer", "marriage_offer", "education_offer", "travel_offer", "abduction", "online", "through_acquaintance", "other"}
	RecruiterRelations = []string{"intimate_partner", "friend", "family", "employer", "acquaintance", "stranger", "other"}
	EventKinds         = []string{"recruitment", "transit", "exploitation"}
	// Stages of the National Referral Mechanism path, in order.
	Stages = []string{StageIdentification, StageShelter, StageRehabilitation, StageReintegration, StageClosed}
)

// Stages.
const (
	StageIdentification = "identification"
	StageShelter        = "shelter"
	StageRehabilitation = "rehabilitation"
	StageReintegration  = "reintegration"
	StageClosed         = "closed"
)

// countries are the ISO 3166-1 alpha-2 codes.
var countries = strings.Fields(`AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM
FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD
SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC
VE VG VI VN VU WF WS YE YT ZA ZM ZW`)

// IsCountry reports whether s is an ISO 3166-1 alpha-2 code.
func IsCountry(s string) bool { _, ok := slices.BinarySearch(countries, s); return ok }

func init() { slices.Sort(countries) }

// checkEnum adds a validation error naming field and the allowed values
// when v is set and not one of allowed.
func checkEnum(v *apperr.Validation, field string, value *string, allowed []string) {
	if value != nil && !slices.Contains(allowed, *value) {
		v.Add(field, "must be one of: "+strings.Join(allowed, ", "))
	}
}

func checkEnumList(v *apperr.Validation, field string, values []string, allowed []string) {
	for _, s := range values {
		if !slices.Contains(allowed, s) {
			v.Add(field, "must list values from: "+strings.Join(allowed, ", "))
			return
		}
	}
	if hasDuplicates(values) {
		v.Add(field, "must not repeat a value")
	}
}

func hasDuplicates(values []string) bool {
	seen := map[string]bool{}
	for _, s := range values {
		if seen[s] {
			return true
		}
		seen[s] = true
	}
	return false
}

func stageIndex(s string) int { return slices.Index(Stages, s) }
