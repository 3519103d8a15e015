package htcds

import (
	"maps"
	"slices"
	"strings"
)

// View is one person's rows in both layouts, by column name (the CTDC
// codebook's names and HTCDS's prefixed names do not overlap).
type View map[string]string

// NewView reads a person's CTDC and HTCDS rows (either may be nil).
func NewView(ctdc, htcds []string) View {
	v := View{}
	for i, c := range ctdc {
		v[Columns[i]] = c
	}
	for i, h := range htcds {
		v[Fields[i]] = h
	}
	return v
}

// Cond is a condition on one column of a person's rows.
type Cond struct {
	Column string
	// Holds tells whether the written value meets the condition. In the
	// conclusion of an implication, nil means the column is not withheld
	// by the node (an empty cell may still say "unknown").
	Holds func(v string) bool
}

// Implication says that a written value tells another attribute: wherever
// If holds, Then must hold too, or the file would reveal what the node
// withheld (a labour sector written beside a withheld isForcedLabour tells
// forced labour all the same).
type Implication struct {
	Name     string
	If, Then Cond
}

func equals(want string) func(string) bool { return func(v string) bool { return v == want } }
func written(v string) bool                { return v != "" }
func listing(want string) func(string) bool {
	return func(v string) bool {
		for v != "" {
			var part string
			part, v, _ = strings.Cut(v, ";")
			if part == want {
				return true
			}
		}
		return false
	}
}

// flagOfType is the CTDC exploitation flag an HTCDS type of exploitation
// sets.
func flagOfType(t string) string {
	switch t {
	case "ForcedLabour":
		return ColForced
	case "SexualExploitation":
		return ColSexual
	}
	return ColOther
}

// Implications are every attribute of the two layouts that tells another.
// The anonymizer admits only nodes where all of them hold on every
// person's rows; the tests walk them all on the files produced.
var Implications = func() []Implication {
	var out []Implication
	imply := func(name string, ifc, then Cond) { out = append(out, Implication{name, ifc, then}) }
	// A labour sector is forced labour; a type of sexual exploitation is
	// sexual exploitation.
	for _, f := range LabourFlags {
		imply("labour sector tells forced labour", Cond{f.Column, equals("1")}, Cond{ColForced, equals("1")})
	}
	for _, c := range SexTypeFlags {
		imply("type of sex exploitation tells sexual exploitation", Cond{c, equals("1")}, Cond{ColSexual, equals("1")})
	}
	imply("forced labour industry tells forced labour", Cond{FieldForcedLabourIndustry, written},
		Cond{FieldTypeOfExploitation, listing("ForcedLabour")})
	// The HTCDS types the export writes tell the CTDC flags.
	for _, t := range picklistOrder[FieldTypeOfExploitation] {
		if !slices.Contains(slices.Collect(maps.Values(Picklists[FieldTypeOfExploitation])), t) {
			continue
		}
		imply("type of exploitation tells its CTDC flag", Cond{FieldTypeOfExploitation, listing(t)}, Cond{flagOfType(t), equals("1")})
	}
	// Child labour tells a minor: the age is shown wherever it is.
	imply("child labour tells minor status", Cond{FieldTypeOfExploitation, listing("ChildLabour")}, Cond{ColAge, nil})
	// The exploitation event is the country of exploitation.
	imply("event type tells a country of exploitation", Cond{FieldEventType, written}, Cond{FieldEventCountry, written})
	imply("event country is an exploitation event", Cond{FieldEventCountry, written}, Cond{FieldEventType, equals(EventExploitation)})
	// An attribute both layouts write is written in both or in neither.
	for _, pair := range [][2]string{{ColGender, FieldGender}, {ColCitizenship, FieldCitizenship}, {ColCountry, FieldEventCountry}} {
		imply("the same attribute in both layouts", Cond{pair[0], written}, Cond{pair[1], written})
		imply("the same attribute in both layouts", Cond{pair[1], written}, Cond{pair[0], written})
	}
	return out
}()

// Violations returns the implications that fail on a person's rows at a
// node. An implication is checked where the view holds its columns.
func Violations(v View, l Levels) []Implication { return check(v.get, l.Withholds) }

func (v View) get(column string) (string, bool) {
	s, ok := v[column]
	return s, ok
}

// rowView reads a person's two rows by column name without building a
// View (the lattice checks every node).
type rowView struct{ ctdc, htcds []string }

func (r rowView) get(column string) (string, bool) {
	if i, ok := colIndex[column]; ok && r.ctdc != nil {
		return r.ctdc[i], true
	}
	if i, ok := fieldIndex[column]; ok && r.htcds != nil {
		return r.htcds[i], true
	}
	return "", false
}

// FileViolations returns the implications that fail on one row of one
// file, as far as the file tells: an implication whose conclusion needs the
// node (is the column withheld?) is left to Violations.
func FileViolations(header, row []string) []Implication {
	v := View{}
	for i, c := range header {
		v[c] = row[i]
	}
	return check(v.get, nil)
}

// check returns the implications that fail on the values get reads;
// withholds tells which columns the node withholds (nil: unknown).
func check(get func(string) (string, bool), withholds func(string) bool) []Implication {
	var out []Implication
	for _, im := range Implications {
		ifv, ok := get(im.If.Column)
		if !ok || !im.If.Holds(ifv) {
			continue
		}
		thenv, ok := get(im.Then.Column)
		switch {
		case im.Then.Holds == nil && withholds != nil && withholds(im.Then.Column):
		case im.Then.Holds != nil && ok && !im.Then.Holds(thenv):
		default:
			continue
		}
		out = append(out, im)
	}
	return out
}
