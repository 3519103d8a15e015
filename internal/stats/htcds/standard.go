package htcds

import (
	"slices"
	"strings"
)

// HTCDS 2.0 field names (the table prefix joined to the field name), in the
// order the HTCDS export writes them.
const (
	FieldGender               = "prs_Gender"
	FieldCitizenship          = "prs_Citizenship"
	FieldTraffickingStatus    = "vic_TraffickingStatus"
	FieldRelationToTrafficker = "vic_RelationshipToTrafficker"
	FieldMethodOfRecruitment  = "vic_MethodOfRecruitment"
	FieldMethodsOfControl     = "vic_MethodsOfControl"
	FieldTypeOfExploitation   = "vic_TypeOfExploitation"
	FieldForcedLabourIndustry = "vic_ForcedLabourIndustry"
	FieldVulnerabilities      = "vic_Vulnerabilities"
	FieldEventType            = "hte_Type"
	FieldEventCountry         = "hte_Country"
	FieldCaseStatus           = "cas_Status"
)

// Fields is the HTCDS export's header: every HTCDS 2.0 field Jardam's
// statistical attributes fill. The rest of the standard (names, contacts,
// dates, free text, organisations, support plans) identifies a person or
// is not recorded in clear, and is left out rather than written empty.
var Fields = []string{
	FieldGender, FieldCitizenship, FieldTraffickingStatus, FieldRelationToTrafficker, FieldMethodOfRecruitment,
	FieldMethodsOfControl, FieldTypeOfExploitation, FieldForcedLabourIndustry, FieldVulnerabilities, FieldEventType,
	FieldEventCountry, FieldCaseStatus,
}

// Picklists give, for each picklist field the export writes, the HTCDS
// value of each Jardam value. A Jardam value missing from a map has no
// HTCDS value that says the same thing: the export writes nothing for it
// rather than guess (an empty cell is "unknown").
var Picklists = map[string]map[string]string{
	FieldGender: {"female": "Feminine", "male": "Masculine"},
	FieldTraffickingStatus: {
		"possible": "PossibleVictimOfTrafficking", "actual": "ActualVictimOfTrafficking",
		"not_a_victim": "NotAVictimOfTrafficking",
	},
	// The standard's spelling, `Unaquainted`, is kept as it is.
	FieldRelationToTrafficker: {
		"family": "Familial", "intimate_partner": "Acquainted", "friend": "Acquainted", "acquaintance": "Acquainted",
		"employer": "Acquainted", "stranger": "Unaquainted",
	},
	// HTCDS records the channel of recruitment; Jardam records what was
	// offered (a job, a marriage, studies, travel), which says nothing of
	// the channel: those stay empty. The recruitment channels of the
	// persons linked to a case as perpetrators (case_persons) say it where
	// HTCDS has a value that means the same: a social network or a
	// messenger, a website (an online advertisement), an agency (a place of
	// business). An app (which?) and in person (where?) stay empty.
	FieldMethodOfRecruitment: {
		"through_acquaintance": "ThroughFriendsOrSocialEvents", "abduction": "Other", "other": "Other",
		"social_media": "ThroughOnlineSocialNetworks", "messenger": "ThroughOnlineSocialNetworks",
		"website": "ThroughAnOnlineAdvertisement", "agency": "AtAPlaceOfBusiness",
	},
	FieldMethodsOfControl: {
		"threats": "PhysicalThreats", "threat_of_law_enforcement": "ThreatsLawEnforcement",
		"uses_children": "ThreatensChildrenFamily", "debt_bondage": "DebtBondage", "false_promises": "FalsePromises",
		"physical_abuse": "PhysicalAbuse", "sexual_abuse": "SexualAbuse", "takes_earnings": "TakesEarnings",
		"restricts_financial_access": "RestrictsFinancialAccess", "restricts_medical_care": "RestrictsMedicalCare",
		"withholds_necessities": "WithholdsNecessities", "psychological_abuse": "PsychologicalAbuse",
		"psychoactive_substances": "PsychoactiveSubstance", "excessive_working_hours": "ExcessiveWorkingHours",
		"withholds_documents": "WithholdsDocuments", "restricts_movement": "Other", "other": "Other",
	},
	FieldTypeOfExploitation: {
		"forced_labour": "ForcedLabour", "sexual_exploitation": "SexualExploitation", "child_labour": "ChildLabour",
		"forced_marriage": "ForcedMarriage", "servitude": "Servitude", "organ_removal": "OrganRemoval",
		"forced_begging": "ForcedBegging", "forced_criminality": "Other", "other": "Other",
	},
	// ISIC Rev. 4 sections. Begging is a type of exploitation, not an
	// industry; street peddling is retail trade (ISIC 478).
	FieldForcedLabourIndustry: {
		"agriculture": "A_AgricultureForestryAndFishing", "aquafarming": "A_AgricultureForestryAndFishing",
		"mining": "B_MiningAndQuarrying", "manufacturing": "C_Manufacturing", "construction": "F_Construction",
		"peddling": "G_WholesaleAndRetailTradeRepairOfMotorVehicles", "transportation": "H_TransportationAndStorage",
		"hospitality": "I_AccommodationAndFoodServiceActivities", "domestic_work": "T_ActivitiesOfHouseholdsAsEmployers",
	},
	// The domains of a needs assessment (version 1) that name one of the
	// standard's vulnerabilities. Safety, legal, documents and family
	// needs have no vulnerability that says the same and stay out.
	FieldVulnerabilities: {
		"physical_health": "DisabilityAndPhysicalHealth", "mental_health": "MentalHealth", "housing": "Homelessness",
		"income": "Poverty", "education_skills": "Education",
	},
}

// LinkedRelations give, for the relation to the victim of a person linked
// to a case as a perpetrator, the recruiter relation (Jardam's
// recruiter_relation values) it says: a parent, child, sibling or other
// family member is family, a spouse an intimate partner, an acquaintance an
// acquaintance, nobody to the victim a stranger. A guardian is `other`: a
// guardian may be family or an appointed stranger, and the export does not
// guess.
var LinkedRelations = map[string]string{
	"mother": "family", "father": "family", "child": "family", "sibling": "family", "other_family": "family",
	"spouse": "intimate_partner", "acquaintance": "acquaintance", "none": "stranger", "guardian": "other",
}

// Values in the order the standard lists them, so that a multiselect cell
// is written in one order whatever the order recorded.
var picklistOrder = map[string][]string{
	FieldMethodOfRecruitment: {"AtAPlaceOfBusiness", "AtAnEducationalInstitution", "AtWork", "ThroughOnlineSocialNetworks",
		"ThroughAnOnlineAdvertisement", "ThroughATelevisionAdvert", "ThroughANewspaperAdvert", "ThroughFamilyOrFamilyEvents",
		"ThroughFriendsOrSocialEvents", "Other"},
	FieldMethodsOfControl: {"PhysicalThreats", "ThreatsLawEnforcement", "ThreatensChildrenFamily", "DebtBondage",
		"FalsePromises", "PhysicalAbuse", "SexualAbuse", "TakesEarnings", "RestrictsFinancialAccess", "RestrictsMedicalCare",
		"WithholdsNecessities", "PsychologicalAbuse", "PsychoactiveSubstance", "ExcessiveWorkingHours", "WithholdsDocuments",
		"Other"},
	FieldTypeOfExploitation: {"ForcedLabour", "SexualExploitation", "ChildLabour", "ForcedMarriage", "Servitude",
		"ForcedMilitaryByNonStateActors", "OrganRemoval", "ForcedBegging", "ForcedAdoption", "Surrogacy", "Other"},
	FieldVulnerabilities: {"Addiction", "SocialGroup", "Discrimination", "Poverty", "DisabilityAndPhysicalHealth",
		"MentalHealth", "Migration", "Homelessness", "AbuseSocialMedia", "AbusePhysical", "Education", "WorkEnvironment"},
}

// EventExploitation is the hte_Type of the trafficking event the export
// writes: the person's (first) country of exploitation.
const EventExploitation = "Exploitation"

// Case statuses (cas_Status).
const (
	CaseActive         = "Active"
	CaseFollowUp       = "FollowUp"
	CaseClosed         = "Closed"
	CaseClosedReferred = "ClosedReferred"
)

// CaseStatus is the cas_Status of a case at a stage (at the end of the
// export's year) with its closure reason, and whether a follow-up after
// reintegration was still to be done then: a case handed over to another
// organization is ClosedReferred, a closed case still followed up FollowUp,
// another closed case Closed, a case in reintegration (when follow-up
// visits are planned) FollowUp, any other Active.
func CaseStatus(stage, closureReason string, followUpPending bool) string {
	switch {
	case stage == "closed" && closureReason == "transferred":
		return CaseClosedReferred
	case stage == "closed" && followUpPending:
		return CaseFollowUp
	case stage == "closed":
		return CaseClosed
	case stage == "reintegration":
		return CaseFollowUp
	case stage == "":
		return ""
	}
	return CaseActive
}

// pick writes the HTCDS value of one Jardam value, or empty.
func pick(field, v string) string { return Picklists[field][v] }

// pickAll writes the HTCDS values of Jardam values as one multiselect
// cell: each value once, in the standard's order, joined with `;`.
func pickAll(field string, vs []string) string {
	var out []string
	for _, v := range vs {
		if h := pick(field, v); h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	order := picklistOrder[field]
	slices.SortFunc(out, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) })
	return strings.Join(out, ";")
}
