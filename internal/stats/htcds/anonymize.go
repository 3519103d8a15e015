package htcds

import (
	"fmt"
	"slices"
	"strconv"
)

// K is the k of the k-anonymity of the export, as CTDC publishes.
const K = 11

// MaxSuppressedShare is the share of records the generalization may leave
// to suppression: the least generalized level that suppresses at most this
// share of the records is chosen.
const MaxSuppressedShare = 0.05

// The generalization ladders. Every quasi-identifier climbs its own ladder;
// the top rung withholds the value (written empty).
//
//   - year of registration: the year; two-year spans; five-year spans
//     (spans end with the export's last year: 2023-2024, 2021-2022, ...);
//     withheld.
//
//   - age bracket: CTDC's brackets; 0-17, 18-29, 30-47, 48+; 0-17, 18+;
//     withheld.
//
//   - citizenship and country of exploitation (each on its own): ISO 3166-1
//     alpha-3; UN M49 sub-region (such as Central Asia); UN M49 region
//     (such as Asia); withheld.
//
//   - the exploitation flags (isForcedLabour, isSexualExploit,
//     isOtherExploit), together: as recorded; withheld.
//
// Gender is a quasi-identifier without a ladder: records whose combination
// stays rarer than k are suppressed.
const (
	yearLevels    = 4
	ageLevels     = 4
	countryLevels = 4
	flagLevels    = 2
)

// Levels is a node of the generalization lattice: the rung of each ladder.
type Levels struct {
	Year, Age, Citizenship, Country, Flags int
}

// Height is the number of rungs climbed in all.
func (l Levels) Height() int { return l.Year + l.Age + l.Citizenship + l.Country + l.Flags }

// String writes the levels as `year=N age=N citizenship=N country=N flags=N`.
func (l Levels) String() string {
	return fmt.Sprintf("year=%d age=%d citizenship=%d country=%d flags=%d", l.Year, l.Age, l.Citizenship, l.Country, l.Flags)
}

// QuasiIdentifiers are the export's columns whose combination is made to
// appear at least K times.
var QuasiIdentifiers = []string{ColYear, ColGender, ColAge, ColCitizenship, ColCountry, ColForced, ColSexual, ColOther}

// Result is an anonymized export.
type Result struct {
	// Header is Columns; Rows are in the same order, sorted, so that the
	// order of the rows tells nothing of the order of the cases.
	Header []string
	Rows   [][]string
	// Levels is the generalization applied to every record.
	Levels Levels
	// Records is the number of records given; Suppressed those left out.
	Records, Suppressed int
}

// Anonymize generalizes records globally (full-domain generalization: one
// rung per ladder for every record, in the spirit of Incognito) and
// suppresses what still stands out, so that every combination of the
// quasi-identifiers in the result appears at least k times.
//
// Every node of the lattice is evaluated (4^4 x 2 nodes); a node's cost is the
// number of records in equivalence classes smaller than k. The chosen node
// is the least generalized (lowest Height) among those whose cost is at most
// maxShare of the records; ties go to the fewest suppressed records, then
// to keeping the exploitation flags, age, citizenship, country and year
// detailed, in that order.
// When no node meets the bound, the node with the fewest suppressed records
// is chosen (ties: the lowest, as above). The records of the classes smaller
// than k at that node are then suppressed. lastYear is the last year the
// export covers (it anchors the year spans).
func Anonymize(records []Record, k int, maxShare float64, lastYear int) Result {
	if k < 2 {
		k = 2
	}
	res := Result{Header: slices.Clone(Columns), Records: len(records), Rows: [][]string{}}
	var in interner
	gen := make([]generalized, len(records))
	for i, r := range records {
		gen[i] = generalize(r, lastYear, &in)
	}
	// Records alike in every quasi-identifier stay alike at every node:
	// the lattice is walked over the distinct combinations, with counts.
	var groups []group
	byKey := map[uint64]int{}
	for i := range gen {
		k0 := gen[i].key(Levels{})
		if j, ok := byKey[k0]; ok {
			groups[j].n++
			continue
		}
		byKey[k0] = len(groups)
		groups = append(groups, group{g: &gen[i], n: 1})
	}
	bound := int(maxShare * float64(len(records)))
	var best Levels
	bestCost, bestMeets := -1, false
	for y := 0; y < yearLevels; y++ {
		for a := 0; a < ageLevels; a++ {
			for c := 0; c < countryLevels; c++ {
				for e := 0; e < countryLevels; e++ {
					for f := 0; f < flagLevels; f++ {
						l := Levels{Year: y, Age: a, Citizenship: c, Country: e, Flags: f}
						cost := suppressedAt(groups, l, k)
						meets := cost <= bound
						if bestCost < 0 || better(l, cost, meets, best, bestCost, bestMeets) {
							best, bestCost, bestMeets = l, cost, meets
						}
					}
				}
			}
		}
	}
	res.Levels = best
	classes := map[uint64]int{}
	keys := make([]uint64, len(gen))
	for i := range gen {
		keys[i] = gen[i].key(best)
		classes[keys[i]]++
	}
	for i := range gen {
		if classes[keys[i]] < k {
			res.Suppressed++
			continue
		}
		res.Rows = append(res.Rows, gen[i].row(best, &in))
	}
	slices.SortFunc(res.Rows, func(a, b []string) int { return slices.Compare(a, b) })
	return res
}

// better orders candidate nodes as Anonymize documents.
func better(l Levels, cost int, meets bool, best Levels, bestCost int, bestMeets bool) bool {
	if meets != bestMeets {
		return meets
	}
	if meets {
		if l.Height() != best.Height() {
			return l.Height() < best.Height()
		}
		if cost != bestCost {
			return cost < bestCost
		}
	} else {
		if cost != bestCost {
			return cost < bestCost
		}
		if l.Height() != best.Height() {
			return l.Height() < best.Height()
		}
	}
	a := []int{l.Flags, l.Age, l.Citizenship, l.Country, l.Year}
	b := []int{best.Flags, best.Age, best.Citizenship, best.Country, best.Year}
	return slices.Compare(a, b) < 0
}

// group is a distinct combination of the quasi-identifiers and the number
// of records that have it.
type group struct {
	g *generalized
	n int
}

func suppressedAt(groups []group, l Levels, k int) int {
	classes := make(map[uint64]int, len(groups))
	for _, gr := range groups {
		classes[gr.g.key(l)] += gr.n
	}
	n := 0
	for _, c := range classes {
		if c < k {
			n += c
		}
	}
	return n
}

// interner numbers the distinct values of a quasi-identifier.
type interner struct {
	ids    map[string]uint16
	values []string
}

func (in *interner) id(v string) uint16 {
	if id, ok := in.ids[v]; ok {
		return id
	}
	if in.ids == nil {
		in.ids = map[string]uint16{}
	}
	if len(in.values) >= 1<<12 {
		panic("htcds: more distinct quasi-identifier values than a class key holds")
	}
	id := uint16(len(in.values))
	in.ids[v] = id
	in.values = append(in.values, v)
	return id
}

// generalized holds a record's values at every rung of its ladders, as
// numbers of the values in the anonymizer's interners, so that a class key
// is one integer.
type generalized struct {
	year        [yearLevels]uint16
	age         [ageLevels]uint16
	citizenship [countryLevels]uint16
	country     [countryLevels]uint16
	gender      uint16
	flags       [3]bool
	// rest is the row with the other columns filled.
	rest []string
}

func (g *generalized) key(l Levels) uint64 {
	f := uint64(0)
	for i, set := range g.flags {
		if set && l.Flags == 0 {
			f |= 1 << i
		}
	}
	// 12 bits per numbered value: the interner holds a few hundred values
	// (years and spans, brackets and bands, countries and regions).
	return uint64(g.year[l.Year]) | uint64(g.age[l.Age])<<12 | uint64(g.citizenship[l.Citizenship])<<24 |
		uint64(g.country[l.Country])<<36 | uint64(g.gender)<<48 | f<<60
}

func (g *generalized) row(l Levels, in *interner) []string {
	out := slices.Clone(g.rest)
	out[colIndex[ColYear]] = in.values[g.year[l.Year]]
	out[colIndex[ColGender]] = in.values[g.gender]
	out[colIndex[ColAge]] = in.values[g.age[l.Age]]
	out[colIndex[ColCitizenship]] = in.values[g.citizenship[l.Citizenship]]
	out[colIndex[ColCountry]] = in.values[g.country[l.Country]]
	for i, f := range ExploitationFlags {
		if g.flags[i] && l.Flags == 0 {
			out[colIndex[f.Column]] = "1"
		}
	}
	return out
}

func generalize(r Record, lastYear int, in *interner) generalized {
	g := generalized{gender: in.id(genderOut[r.Sex]), rest: nonQI(r)}
	years := [yearLevels]string{strconv.Itoa(r.Year), yearSpan(r.Year, lastYear, 2), yearSpan(r.Year, lastYear, 5), ""}
	ages, cits, countries := ageLadder(r.AgeBracket), countryLadder(r.Citizenship), countryLadder(r.Country)
	for i := range years {
		g.year[i] = in.id(years[i])
		g.age[i] = in.id(ages[i])
		g.citizenship[i] = in.id(cits[i])
		g.country[i] = in.id(countries[i])
	}
	for i, f := range ExploitationFlags {
		g.flags[i] = flag(r.ExploitationTypes, f.Values) == "1"
	}
	return g
}

// yearSpan writes the span of width years holding year, spans ending with
// lastYear (for width 2 and last year 2024: 2023-2024, 2021-2022, ...).
func yearSpan(year, lastYear, width int) string {
	d := lastYear - year
	if d < 0 {
		d = 0
	}
	to := lastYear - (d/width)*width
	return strconv.Itoa(to-width+1) + "-" + strconv.Itoa(to)
}

func ageLadder(bracket string) [ageLevels]string {
	var out [ageLevels]string
	if !slices.Contains(AgeBrackets, bracket) {
		return out
	}
	out[0] = bracket
	switch bracket {
	case "0-8", "9-17":
		out[1], out[2] = "0-17", "0-17"
	case "18-20", "21-23", "24-26", "27-29":
		out[1], out[2] = "18-29", "18+"
	case "30-38", "39-47":
		out[1], out[2] = "30-47", "18+"
	default:
		out[1], out[2] = "48+", "18+"
	}
	return out
}

func countryLadder(alpha2 string) [countryLevels]string {
	var out [countryLevels]string
	if a3, ok := Alpha3(alpha2); ok {
		out[0] = a3
		out[1], _ = SubRegion(alpha2)
		out[2], _ = Region(alpha2)
	}
	return out
}
