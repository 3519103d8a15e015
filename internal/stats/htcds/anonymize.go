package htcds

import (
	"fmt"
	"slices"
)

// K is the k of the k-anonymity of the exports, as CTDC publishes.
const K = 11

// MaxSuppressedShare is the share of records the generalization may leave
// to suppression: the least generalized node that suppresses at most this
// share of the records is chosen.
const MaxSuppressedShare = 0.05

// The ladders of the quasi-identifiers. Every rung writes values of the
// codebook and of the standard only: a value is written as recorded or
// withheld (an empty cell), never widened into something neither layout
// knows (no year spans, age bands or regions).
//
//   - gender, age bracket, citizenship, country of exploitation (each on
//     its own): as recorded; withheld.
//   - exploitation: the types (vic_TypeOfExploitation, and the CTDC flags
//     they imply); the CTDC flags only (forced labour, sexual, other: the
//     HTCDS types withheld); withheld in both.
//   - relation to the trafficker (vic_RelationshipToTrafficker with the
//     CTDC recruiter flags), since persons linked to the case fill it (a
//     mother who was the trafficker is what a court report or a
//     neighbour tells): as recorded; withheld in both.
//   - vulnerabilities (vic_Vulnerabilities, from the first needs
//     assessment: health, housing, poverty are what a neighbour knows): as
//     recorded (the whole set); withheld. A set is not cut down to some of
//     its values: fewer values would read as "not vulnerable" in the rest.
//
// The year is not a quasi-identifier: an export holds one year, written as
// that year.
const (
	exploitLevels = 3
)

// Rungs of the exploitation ladder.
const (
	exploitTypes = iota
	exploitFlags
	exploitWithheld
)

// Levels is a node of the generalization lattice: the rung of each ladder
// (0: as recorded).
type Levels struct {
	Gender, Age, Citizenship, Country, Exploitation, Relation, Vulnerabilities int
}

// Height is the number of rungs climbed in all.
func (l Levels) Height() int {
	return l.Gender + l.Age + l.Citizenship + l.Country + l.Exploitation + l.Relation + l.Vulnerabilities
}

// String writes the levels as `gender=N age=N citizenship=N country=N
// exploitation=N relation=N vulnerabilities=N`.
func (l Levels) String() string {
	return fmt.Sprintf("gender=%d age=%d citizenship=%d country=%d exploitation=%d relation=%d vulnerabilities=%d",
		l.Gender, l.Age, l.Citizenship, l.Country, l.Exploitation, l.Relation, l.Vulnerabilities)
}

// Withholds reports whether the node withholds a column of either layout
// in every row.
func (l Levels) Withholds(column string) bool {
	switch column {
	case ColGender, FieldGender:
		return l.Gender > 0
	case ColAge:
		return l.Age > 0
	case ColCitizenship, FieldCitizenship:
		return l.Citizenship > 0
	case ColCountry, FieldEventCountry, FieldEventType:
		return l.Country > 0
	case FieldTypeOfExploitation, FieldForcedLabourIndustry:
		return l.Exploitation > exploitTypes
	case ColForced, ColSexual, ColOther:
		return l.Exploitation > exploitFlags
	case FieldRelationToTrafficker:
		return l.Relation > 0
	case FieldVulnerabilities:
		return l.Vulnerabilities > 0
	}
	isColumn := func(f Flag) bool { return f.Column == column }
	switch {
	case slices.ContainsFunc(RecruiterFlags, isColumn):
		return l.Relation > 0
	case slices.ContainsFunc(LabourFlags, isColumn):
		return l.Exploitation > exploitFlags
	}
	return false
}

// Record is one person's statistical attributes in Jardam's terms, as the
// exports read them: no identifier of any kind.
type Record struct {
	Sex               string   // female, male, other, unknown
	AgeBracket        string   // a CTDC bracket or unknown
	Citizenship       string   // ISO 3166-1 alpha-2, or empty
	Country           string   // the country of exploitation, alpha-2, or empty
	ExploitationTypes []string // Jardam's exploitation types
	MeansOfControl    []string
	LabourSector      string
	RecruitmentMethod string
	RecruiterRelation string
	TraffickingStatus string
	// Stage and ClosureReason are the case's at the end of the year.
	Stage, ClosureReason string
	// FollowUpPending: a follow-up after reintegration was still to be
	// done at the end of the year.
	FollowUpPending bool
	// NeedsDomains are the domains of the first needs assessment scored 2
	// (serious) or 3 (urgent).
	NeedsDomains []string
	// LinkedRecruiter is the relation to the victim (case_persons'
	// relation values) of the person linked as the recruiter;
	// LinkedPerpetrator that of a person linked as the trafficker, the
	// employer or another perpetrator. Empty when nobody is linked so.
	LinkedRecruiter, LinkedPerpetrator string
	// RecruitmentChannels are the recruitment channels of the persons
	// linked as perpetrators.
	RecruitmentChannels []string
}

// Table is one layout's file: a header and rows, sorted so that the order
// of the rows tells nothing of the order of the cases.
type Table struct {
	Header []string
	Rows   [][]string
}

// Result is a year's anonymized person-level data in both layouts.
type Result struct {
	CTDC, HTCDS Table
	// Levels is the generalization applied to every record.
	Levels Levels
	// Records is the number of records given; Suppressed those left out.
	Records, Suppressed int
	// persons pairs each kept person's CTDC and HTCDS rows, before sorting.
	persons [][2][]string
}

// Anonymize generalizes the records of one year globally (full-domain
// generalization: one rung per ladder for every record, in the spirit of
// Incognito) and suppresses what still stands out, so that every
// combination of the quasi-identifiers appears at least k times.
//
// Both layouts are projections of one anonymized table whose
// quasi-identifiers are the union of theirs (gender, age bracket,
// citizenship, country of exploitation, types of exploitation, relation to
// the trafficker, vulnerabilities): the same
// node and the same suppressed records for both. Two files anonymized each
// on its own could be joined on what they share (the means of control, the
// recruiter) into records rarer than k; projections of one k-anonymous
// table cannot tell more than that table.
//
// A node is admissible only when every Implication holds on every record's
// rows at that node: an attribute that tells another is withheld with it.
// Every node is evaluated (2^6 x 3); its cost is the number of records in
// classes smaller than k. The chosen node is the least generalized (lowest
// Height) admissible one whose cost is at most maxShare of the records;
// ties go to the fewest suppressed records, then to keeping exploitation,
// age, citizenship, country, gender, relation and vulnerabilities
// detailed, in that order. When no
// node meets the bound, the admissible node with the fewest suppressed
// records is chosen (ties: the lowest, as above). The records of the
// classes smaller than k at that node are then suppressed.
func Anonymize(records []Record, year int, k int, maxShare float64) Result {
	if k < 2 {
		k = 2
	}
	ps := make([]person, len(records))
	for i, r := range records {
		ps[i] = newPerson(r, year)
	}
	groups, distinct := groupPersons(ps)
	bound := int(maxShare * float64(len(records)))
	var best Levels
	bestCost, bestMeets := -1, false
	admits := admissibility(distinct)
	for _, l := range lattice() {
		if !admits(l) {
			continue
		}
		cost := suppressedAt(groups, l, k)
		meets := cost <= bound
		if bestCost < 0 || better(l, cost, meets, best, bestCost, bestMeets) {
			best, bestCost, bestMeets = l, cost, meets
		}
	}
	return release(ps, best, k)
}

// release writes the kept persons' rows at a node.
func release(ps []person, l Levels, k int) Result {
	res := Result{Levels: l, Records: len(ps), CTDC: Table{Header: slices.Clone(Columns), Rows: [][]string{}},
		HTCDS: Table{Header: slices.Clone(Fields), Rows: [][]string{}}}
	classes := map[classKey]int{}
	for i := range ps {
		classes[ps[i].key(l)]++
	}
	for i := range ps {
		if classes[ps[i].key(l)] < k {
			res.Suppressed++
			continue
		}
		c, h := ps[i].rows(l)
		res.persons = append(res.persons, [2][]string{c, h})
		res.CTDC.Rows = append(res.CTDC.Rows, c)
		res.HTCDS.Rows = append(res.HTCDS.Rows, h)
	}
	for _, t := range []*Table{&res.CTDC, &res.HTCDS} {
		slices.SortFunc(t.Rows, func(a, b []string) int { return slices.Compare(a, b) })
	}
	return res
}

// lattice lists every node: each of the shown-or-withheld ladders at
// either rung, with each rung of the exploitation ladder.
func lattice() []Levels {
	const twoRungLadders = 6
	var out []Levels
	for bits := 0; bits < 1<<twoRungLadders; bits++ {
		rung := func(i int) int { return bits >> i & 1 }
		for x := 0; x < exploitLevels; x++ {
			out = append(out, Levels{Gender: rung(0), Age: rung(1), Citizenship: rung(2), Country: rung(3),
				Relation: rung(4), Vulnerabilities: rung(5), Exploitation: x})
		}
	}
	return out
}

// better orders candidate nodes as Anonymize documents.
func better(l Levels, cost int, meets bool, best Levels, bestCost int, bestMeets bool) bool {
	if meets != bestMeets {
		return meets
	}
	first, second := l.Height()-best.Height(), cost-bestCost
	if !meets {
		first, second = second, first
	}
	if first != 0 {
		return first < 0
	}
	if second != 0 {
		return second < 0
	}
	a := []int{l.Exploitation, l.Age, l.Citizenship, l.Country, l.Gender, l.Relation, l.Vulnerabilities}
	b := []int{best.Exploitation, best.Age, best.Citizenship, best.Country, best.Gender, best.Relation, best.Vulnerabilities}
	return slices.Compare(a, b) < 0
}

// group is a distinct combination of the quasi-identifiers and the number
// of records that have it.
type group struct {
	p *person
	n int
}

// groupPersons returns the distinct combinations of the quasi-identifiers
// with their counts (records alike in every quasi-identifier stay alike at
// every node), and one person of each combination of what the implications
// read (the quasi-identifiers but relation and vulnerabilities, and the
// labour sector).
func groupPersons(ps []person) ([]group, []*person) {
	var groups []group
	byKey := map[classKey]int{}
	type implied struct {
		k      classKey
		sector string
	}
	seen := map[implied]bool{}
	var distinct []*person
	for i := range ps {
		p := &ps[i]
		k0 := p.key(Levels{})
		if j, ok := byKey[k0]; ok {
			groups[j].n++
		} else {
			byKey[k0] = len(groups)
			groups = append(groups, group{p: p, n: 1})
		}
		ki := k0
		ki.relation, ki.vulnerabilities = "", ""
		if id := (implied{ki, p.sector}); !seen[id] {
			seen[id] = true
			distinct = append(distinct, p)
		}
	}
	return groups, distinct
}

func suppressedAt(groups []group, l Levels, k int) int {
	classes := make(map[classKey]int, len(groups))
	for _, gr := range groups {
		classes[gr.p.key(l)] += gr.n
	}
	n := 0
	for _, c := range classes {
		if c < k {
			n += c
		}
	}
	return n
}

// admissibility returns admissible on the persons, evaluated once per
// node of the ladders the implications read: no implication reads a column
// of the relation and vulnerability ladders (the tests check it), so a node
// is admissible as its projection without them is.
func admissibility(distinct []*person) func(Levels) bool {
	admits := map[Levels]bool{}
	return func(l Levels) bool {
		l.Relation, l.Vulnerabilities = 0, 0
		ok, seen := admits[l]
		if !seen {
			ok = admissible(distinct, l)
			admits[l] = ok
		}
		return ok
	}
}

// admissible reports whether every implication holds on every person's
// rows at a node.
func admissible(distinct []*person, l Levels) bool {
	c, h := make([]string, len(Columns)), make([]string, len(Fields))
	for _, p := range distinct {
		p.rowsInto(l, c, h)
		if len(check(rowView{c, h}.get, l.Withholds)) > 0 {
			return false
		}
	}
	return true
}
