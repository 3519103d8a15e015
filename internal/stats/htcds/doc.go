// Package htcds holds the person-level layouts Jardam exchanges: the Human
// Trafficking Case Data Standard (HTCDS 2.0, IOM) and the codebook of the
// Counter Trafficking Data Collaborative (CTDC). It owns their field names
// and values, the mapping between them and Jardam's statistical
// attributes, ISO 3166-1 alpha-2/alpha-3 codes, and the k-anonymization
// (Anonymize) of the yearly exports.
//
// # The CTDC codebook
//
// One row per person. Countries are ISO 3166-1 alpha-3 codes; ages CTDC's
// brackets; flags are `1` or empty (missing); the older k-anonymized CTDC
// release wrote missing values as `-99`, which the import accepts as
// missing. The export writes yearOfRegistration as the year itself (each
// file holds one year), leaves traffickMonths and the types of sexual
// exploitation empty (Jardam does not record them), and sets a labour
// sector flag only for a person in forced labour.
//
// # HTCDS 2.0
//
// Field names are the table prefix joined to the field name; picklist
// values are the standard's system values, spelled as the standard spells
// them (`Unaquainted` included). A multiselect cell joins its values with
// `;` in the standard's order; a withheld or unknown value is an empty
// cell. Only the fields Jardam can fill are written:
//
//	HTCDS field                   Jardam attribute and values
//	prs_Gender                    sex: female Feminine, male Masculine; other and unknown
//	                              empty (Jardam does not say transgender or non-conforming)
//	prs_Citizenship               citizenship, ISO 3166-1 alpha-3 (the standard's default)
//	vic_TraffickingStatus         trafficking status: possible PossibleVictimOfTrafficking,
//	                              actual ActualVictimOfTrafficking (not-a-victim cases are
//	                              never exported)
//	vic_RelationshipToTrafficker  relation to the recruiter: family Familial; intimate
//	                              partner, friend, acquaintance, employer Acquainted;
//	                              stranger Unaquainted; other empty
//	vic_MethodOfRecruitment       recruitment method: through an acquaintance
//	                              ThroughFriendsOrSocialEvents; abduction, other Other; the
//	                              offers (job, marriage, education, travel) and online
//	                              empty: they do not say which channel HTCDS means
//	vic_MethodsOfControl          means of control, one for one (threats PhysicalThreats,
//	                              threat of law enforcement ThreatsLawEnforcement, uses
//	                              children ThreatensChildrenFamily, psychoactive substances
//	                              PsychoactiveSubstance, ...); restricts movement and other
//	                              Other
//	vic_TypeOfExploitation        types of exploitation, one for one; forced criminality
//	                              and other Other
//	vic_ForcedLabourIndustry      labour sector of a person in forced labour, as an ISIC
//	                              section: agriculture and aquafarming A, mining B,
//	                              manufacturing C, construction F, peddling G, transportation
//	                              H, hospitality I, domestic work T; begging and other empty
//	hte_Type, hte_Country         the first country of exploitation as a trafficking event:
//	                              Exploitation and its alpha-3 code
//	cas_Status                    stage and closure reason at the end of the year: closed as
//	                              transferred ClosedReferred, other closures Closed,
//	                              reintegration FollowUp, any other stage Active
//
// The full tables are Picklists in standard.go. HTCDS has no age bracket and
// no year: those are in the CTDC file only.
//
// # Anonymization
//
// Both files of a year are projections of one table anonymized once: its
// quasi-identifiers are gender, age bracket, citizenship, country of
// exploitation and the types of exploitation. Each is written as recorded
// or withheld; the types may also fall back to the CTDC flags alone. No
// value is widened into a span, band or region, which neither layout
// defines. A column that tells another (Implications: a labour sector tells
// forced labour, child labour tells a minor, an HTCDS type tells its CTDC
// flag, an attribute both files write) is withheld with it: the lattice
// admits no node where an implication fails on any record.
package htcds
