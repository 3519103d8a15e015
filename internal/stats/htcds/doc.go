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
//	                              stranger Unaquainted; other empty. Where the case records
//	                              none, that of the person linked as the recruiter
//	                              (LinkedRelations: parent, child, sibling, other family
//	                              Familial; spouse, acquaintance Acquainted; nobody to the
//	                              victim Unaquainted; a guardian, family or appointed,
//	                              empty), else of the person linked as the trafficker, the
//	                              employer or another perpetrator, in that order
//	vic_MethodOfRecruitment       recruitment method: through an acquaintance
//	                              ThroughFriendsOrSocialEvents; abduction, other Other; the
//	                              offers (job, marriage, education, travel) and online
//	                              empty: they do not say which channel HTCDS means. With
//	                              the recruitment channels of the linked perpetrators:
//	                              social media and messengers ThroughOnlineSocialNetworks, a
//	                              website ThroughAnOnlineAdvertisement, an agency
//	                              AtAPlaceOfBusiness, other Other; an app and in person empty
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
//	vic_Vulnerabilities           the domains of the case's first needs assessment (dated
//	                              before the year's end) scored 2 or 3: physical health
//	                              DisabilityAndPhysicalHealth, mental health MentalHealth,
//	                              housing Homelessness, income Poverty, education and
//	                              skills Education; safety, legal, documents and family
//	                              have no vulnerability that says the same
//	hte_Type, hte_Country         the first country of exploitation as a trafficking event:
//	                              Exploitation and its alpha-3 code
//	cas_Status                    stage and closure reason at the end of the year: closed as
//	                              transferred ClosedReferred, other closures Closed unless
//	                              a follow-up after reintegration was still to be done
//	                              then (FollowUp), reintegration FollowUp, any other stage
//	                              Active
//
// The full tables are Picklists in standard.go. HTCDS has no age bracket and
// no year: those are in the CTDC file only.
//
// What structured casework records and the export leaves out: the risk
// level and safety assessments (HTCDS 2.0 has no risk field; the signs of
// danger today are not the methods of control of the past), the
// reintegration scores (no field), the later needs assessments (the first
// is the situation the person was found in, the nearest to what HTCDS calls
// vulnerabilities), vic_RecruitmentWebsitesAndApps (Jardam records the
// kind of channel, not which platform), and the perpetrators themselves
// (the standard's perpetrator table holds one row per perpetrator, which
// would have to be joined to the victims' rows by an identifier).
//
// # Anonymization
//
// Both files of a year are projections of one table anonymized once: its
// quasi-identifiers are gender, age bracket, citizenship, country of
// exploitation, the types of exploitation, the relation to the trafficker
// and the vulnerabilities. Each is written as recorded or withheld; the
// types may also fall back to the CTDC flags alone. No value is widened
// into a span, band or region, which neither layout defines.
//
// The last two came with structured casework. The relation used to be a
// recorded attribute only; linked persons now fill it, and that the
// person's mother or spouse recruited her is what a court report or a
// neighbour tells: it is a quasi-identifier, withheld in both layouts at
// once (vic_RelationshipToTrafficker and the CTDC recruiter flags). The
// vulnerabilities (poor health, no home, no income) are what neighbours
// know: the whole set is written or withheld, never cut down to some of
// its values, which would read as "not vulnerable" in the rest. The
// recruitment method, the methods of control, the trafficking status and
// cas_Status stay outside the quasi-identifiers as before: each is a
// handful of broad values about the recruiter or the case rather than the
// person, and the single anonymized table keeps the two files from being
// joined on them. The follow-up turns a Closed into a FollowUp and adds
// nothing one could know from outside. A column that tells another (Implications: a labour sector tells
// forced labour, child labour tells a minor, an HTCDS type tells its CTDC
// flag, an attribute both files write) is withheld with it: the lattice
// admits no node where an implication fails on any record.
package htcds
