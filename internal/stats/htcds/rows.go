package htcds

import (
	"slices"
	"strconv"
)

// person is a record prepared for the lattice: its quasi-identifiers as
// the files write them, and both rows with every other column filled.
type person struct {
	sex, age, citizenship, country string // written values (alpha-3 countries), empty when unknown
	types                          string // the vic_TypeOfExploitation cell
	flags                          string // the CTDC exploitation flags, as `1` or `0` each
	forced                         bool   // forced labour is recorded: a labour sector may be written
	sector                         string
	recruiter                      string // the recruiter relation the CTDC flags write
	relation                       string // the vic_RelationshipToTrafficker cell
	vulnerabilities                string // the vic_Vulnerabilities cell
	ctdc, htcds                    []string
}

// classKey is a combination of the quasi-identifiers at a node.
type classKey struct {
	sex, age, citizenship, country, exploitation, relation, vulnerabilities string
}

var fieldIndex = func() map[string]int {
	m := make(map[string]int, len(Fields))
	for i, f := range Fields {
		m[f] = i
	}
	return m
}()

func newPerson(r Record, year int) person {
	p := person{sex: r.Sex, age: r.AgeBracket, types: pickAll(FieldTypeOfExploitation, r.ExploitationTypes),
		forced: slices.Contains(r.ExploitationTypes, "forced_labour"), sector: r.LabourSector}
	if genderOut[p.sex] == "" {
		p.sex = ""
	}
	if !slices.Contains(AgeBrackets, p.age) {
		p.age = ""
	}
	p.citizenship, _ = Alpha3(r.Citizenship)
	p.country, _ = Alpha3(r.Country)
	for _, f := range ExploitationFlags {
		if flag(r.ExploitationTypes, f.Values) == "1" {
			p.flags += "1"
		} else {
			p.flags += "0"
		}
	}
	p.recruiter, p.relation = relations(r)
	p.vulnerabilities = pickAll(FieldVulnerabilities, r.NeedsDomains)
	p.ctdc = make([]string, len(Columns))
	p.ctdc[colIndex[ColYear]] = strconv.Itoa(year)
	for _, f := range MeansFlags {
		p.ctdc[colIndex[f.Column]] = flag(r.MeansOfControl, f.Values)
	}
	p.htcds = make([]string, len(Fields))
	p.htcds[fieldIndex[FieldTraffickingStatus]] = pick(FieldTraffickingStatus, r.TraffickingStatus)
	p.htcds[fieldIndex[FieldMethodOfRecruitment]] = pickAll(FieldMethodOfRecruitment,
		append([]string{r.RecruitmentMethod}, r.RecruitmentChannels...))
	p.htcds[fieldIndex[FieldMethodsOfControl]] = pickAll(FieldMethodsOfControl, r.MeansOfControl)
	p.htcds[fieldIndex[FieldCaseStatus]] = CaseStatus(r.Stage, r.ClosureReason, r.FollowUpPending)
	return p
}

// relations returns the relation to the recruiter the CTDC flags write
// (the case's own, else that of the person linked as the recruiter) and
// the HTCDS relationship to the trafficker (the recruiter's where HTCDS has
// a value for it, else that of the person linked as another perpetrator).
func relations(r Record) (recruiter, trafficker string) {
	recruiter = r.RecruiterRelation
	if recruiter == "" {
		recruiter = LinkedRelations[r.LinkedRecruiter]
	}
	trafficker = pick(FieldRelationToTrafficker, recruiter)
	if trafficker == "" {
		trafficker = pick(FieldRelationToTrafficker, LinkedRelations[r.LinkedPerpetrator])
	}
	return recruiter, trafficker
}

// shown writes v at rung 0 and withholds it above.
func shown(v string, level int) string {
	if level > 0 {
		return ""
	}
	return v
}

func (p *person) key(l Levels) classKey {
	k := classKey{sex: shown(p.sex, l.Gender), age: shown(p.age, l.Age),
		citizenship: shown(p.citizenship, l.Citizenship), country: shown(p.country, l.Country),
		relation: shown(p.recruiter+"|"+p.relation, l.Relation), vulnerabilities: shown(p.vulnerabilities, l.Vulnerabilities)}
	switch l.Exploitation {
	case exploitTypes:
		k.exploitation = p.types
	case exploitFlags:
		k.exploitation = p.flags
	}
	return k
}

// rows writes the person's CTDC and HTCDS rows at a node.
func (p *person) rows(l Levels) (ctdc, htcds []string) {
	ctdc, htcds = make([]string, len(p.ctdc)), make([]string, len(p.htcds))
	p.rowsInto(l, ctdc, htcds)
	return ctdc, htcds
}

// rowsInto writes the person's rows at a node into ctdc and htcds.
func (p *person) rowsInto(l Levels, ctdc, htcds []string) {
	copy(ctdc, p.ctdc)
	copy(htcds, p.htcds)
	ctdc[colIndex[ColGender]] = shown(genderOut[p.sex], l.Gender)
	htcds[fieldIndex[FieldGender]] = shown(pick(FieldGender, p.sex), l.Gender)
	ctdc[colIndex[ColAge]] = shown(p.age, l.Age)
	ctdc[colIndex[ColCitizenship]] = shown(p.citizenship, l.Citizenship)
	htcds[fieldIndex[FieldCitizenship]] = shown(p.citizenship, l.Citizenship)
	ctdc[colIndex[ColCountry]] = shown(p.country, l.Country)
	htcds[fieldIndex[FieldEventCountry]] = shown(p.country, l.Country)
	if htcds[fieldIndex[FieldEventCountry]] != "" {
		htcds[fieldIndex[FieldEventType]] = EventExploitation
	}
	if l.Relation == 0 {
		for _, f := range RecruiterFlags {
			ctdc[colIndex[f.Column]] = flag([]string{p.recruiter}, f.Values)
		}
		htcds[fieldIndex[FieldRelationToTrafficker]] = p.relation
	}
	htcds[fieldIndex[FieldVulnerabilities]] = shown(p.vulnerabilities, l.Vulnerabilities)
	if l.Exploitation <= exploitFlags {
		for i, f := range ExploitationFlags {
			if p.flags[i] == '1' {
				ctdc[colIndex[f.Column]] = "1"
			}
		}
		// A labour sector tells forced labour: it is written only where
		// forced labour is, and withheld with it.
		if p.forced {
			for _, f := range LabourFlags {
				ctdc[colIndex[f.Column]] = flag([]string{p.sector}, f.Values)
			}
		}
	}
	if l.Exploitation == exploitTypes {
		htcds[fieldIndex[FieldTypeOfExploitation]] = p.types
		if p.forced {
			htcds[fieldIndex[FieldForcedLabourIndustry]] = pick(FieldForcedLabourIndustry, p.sector)
		}
	}
}
