package measures

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// File is a program's measure list as imported by `jardam measures import`:
// the program and every one of its measures. In YAML:
//
//	program:
//	  code: 2022-2025
//	  title: {ru: ..., ky: ..., en: ...}
//	  starts_on: 2022-01-01
//	  ends_on: 2025-12-31
//	source: official
//	measures:
//	  - code: "3.1"
//	    direction: protection
//	    title: {ru: ..., ky: ..., en: ...}
//	    responsible: [MLSSM-SOC]
//	    co_executors: [SEZIM, AKZHUROK]
//	    default_for: [shelter]
//	    budget:                 # optional: Appendix 4 planned amounts
//	      - {year: 2024, funding_source: state_budget, planned_kgs: 1500000}
//	indicators:               # optional: Appendix 3 baseline and targets
//	  - code: persons_identified
//	    baseline: 100
//	    targets: {2024: 120, 2025: 130}
//
// When indicators are given, they replace the program's recorded baseline
// and targets; when left out, those stay. In CSV, one measure a line under the header
//
//	program,code,direction,title_ru,title_ky,title_en,responsible,co_executors,default_for
//
// (lists separated by ";"; budget lines are given in YAML only), with the
// optional columns program_title_ru,
// program_title_ky, program_title_en, program_starts_on, program_ends_on
// and source, read from the first line that fills them; every line names
// the same program.
type File struct {
	Program    FileProgram     `yaml:"program"`
	Source     string          `yaml:"source"`
	Measures   []FileMeasure   `yaml:"measures"`
	Indicators []FileIndicator `yaml:"indicators"`
}

// FileIndicator is the baseline and the yearly targets of an indicator
// (see the Indicator constants) in an import file.
type FileIndicator struct {
	Code     string          `yaml:"code"`
	Baseline *float64        `yaml:"baseline"`
	Targets  map[int]float64 `yaml:"targets"`
}

// FileProgram is the program of an import file. Title and period are
// needed when the program is new; when it exists, those given replace the
// stored ones.
type FileProgram struct {
	Code     string `yaml:"code"`
	Title    Title  `yaml:"title"`
	StartsOn string `yaml:"starts_on"`
	EndsOn   string `yaml:"ends_on"`
}

// FileMeasure is one measure of an import file.
type FileMeasure struct {
	Code        string       `yaml:"code"`
	Direction   string       `yaml:"direction"`
	Title       Title        `yaml:"title"`
	Responsible []string     `yaml:"responsible"`
	CoExecutors []string     `yaml:"co_executors"`
	DefaultFor  []string     `yaml:"default_for"`
	Budget      []BudgetLine `yaml:"budget"`
}

// ParseFile reads an import file: CSV when name ends in .csv, YAML when it
// ends in .yaml or .yml. It returns an invalid error saying what is wrong
// (naming the line or measure, never more of the content than codes).
func ParseFile(name string, data []byte) (File, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		var f File
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil {
			return File{}, &apperr.Error{Kind: apperr.KindInvalid, Detail: "the file is not a measure list in YAML: " + err.Error()}
		}
		return f, nil
	case ".csv":
		return parseCSV(data)
	}
	return File{}, apperr.Invalid("file", "must be a .csv, .yaml or .yml file")
}

var csvRequired = []string{"program", "code", "direction", "title_ru", "title_ky", "title_en", "responsible", "co_executors", "default_for"}
var csvOptional = []string{"program_title_ru", "program_title_ky", "program_title_en", "program_starts_on", "program_ends_on", "source"}

func parseCSV(data []byte) (File, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return File{}, apperr.Invalid("file", "must begin with a CSV header line")
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.TrimSpace(h)
		if !slices.Contains(csvRequired, h) && !slices.Contains(csvOptional, h) {
			return File{}, apperr.Invalid("file", fmt.Sprintf("column %q is not a known column", h))
		}
		col[h] = i
	}
	for _, h := range csvRequired {
		if _, ok := col[h]; !ok {
			return File{}, apperr.Invalid("file", fmt.Sprintf("column %q is missing", h))
		}
	}
	var f File
	line := 1
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return File{}, apperr.Invalid("file", fmt.Sprintf("line %d is not well-formed CSV", line))
		}
		get := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		prog := get("program")
		if f.Program.Code == "" {
			f.Program.Code = prog
		} else if prog != f.Program.Code {
			return File{}, apperr.Invalid("program", fmt.Sprintf("line %d names another program; a file holds one program", line))
		}
		setOnce := func(dst *string, v string) {
			if *dst == "" {
				*dst = v
			}
		}
		setOnce(&f.Program.Title.RU, get("program_title_ru"))
		setOnce(&f.Program.Title.KY, get("program_title_ky"))
		setOnce(&f.Program.Title.EN, get("program_title_en"))
		setOnce(&f.Program.StartsOn, get("program_starts_on"))
		setOnce(&f.Program.EndsOn, get("program_ends_on"))
		setOnce(&f.Source, get("source"))
		f.Measures = append(f.Measures, FileMeasure{Code: get("code"), Direction: get("direction"),
			Title:       Title{get("title_ru"), get("title_ky"), get("title_en")},
			Responsible: splitList(get("responsible")), CoExecutors: splitList(get("co_executors")),
			DefaultFor: splitList(get("default_for"))})
	}
	return f, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func checkTitle(v *apperr.Validation, field string, t Title, required bool) {
	for _, s := range []struct{ lang, text string }{{"ru", t.RU}, {"ky", t.KY}, {"en", t.EN}} {
		if s.text == "" {
			if required {
				v.Add(field+"."+s.lang, "is required")
			}
			continue
		}
		if !apperr.IsTextWithin(s.text, 1000) {
			v.Add(field+"."+s.lang, "must be text of at most 1000 characters")
		}
	}
}

func parseDay(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02", s)
	return t, err == nil
}

// validate checks a file on its own (not against the database) and sets
// the default source.
func (f *File) validate() error {
	var v apperr.Validation
	f.validateProgram(&v)
	f.validateMeasures(&v)
	f.validateBudgets(&v)
	f.validateIndicators(&v)
	return v.Err()
}

// validateProgram checks the program's code, title, period and source, and
// sets the default source.
func (f *File) validateProgram(v *apperr.Validation) {
	if !programPattern.MatchString(f.Program.Code) {
		v.Add("program.code", "must be a program code written YYYY-YYYY")
	}
	checkTitle(v, "program.title", f.Program.Title, false)
	start, okS := parseDay(f.Program.StartsOn)
	end, okE := parseDay(f.Program.EndsOn)
	if f.Program.StartsOn != "" && !okS {
		v.Add("program.starts_on", "must be a date written YYYY-MM-DD")
	}
	if f.Program.EndsOn != "" && !okE {
		v.Add("program.ends_on", "must be a date written YYYY-MM-DD")
	}
	if okS && okE && end.Before(start) {
		v.Add("program.ends_on", "must not be before starts_on")
	}
	if f.Source == "" {
		f.Source = SourceOfficial
	}
	if f.Source != SourceOfficial && f.Source != SourceDerived {
		v.Add("source", "must be official or derived")
	}
}

// validateMeasures checks each measure and that no code, and no assistance
// type's default, is given twice.
func (f *File) validateMeasures(v *apperr.Validation) {
	if len(f.Measures) == 0 {
		v.Add("measures", "must list the program's measures")
	}
	codes := map[string]bool{}
	defaults := map[string]bool{}
	for i, m := range f.Measures {
		at := fmt.Sprintf("measures[%d]", i)
		if !IsCode(m.Code) {
			v.Add(at+".code", "must be a measure code (capital letters, digits, dots and hyphens)")
		} else if codes[m.Code] {
			v.Add(at+".code", "repeats measure "+m.Code)
		}
		codes[m.Code] = true
		if !slices.Contains(Directions, m.Direction) {
			v.Add(at+".direction", "must be one of: "+strings.Join(Directions, ", "))
		}
		checkTitle(v, at+".title", m.Title, true)
		if len(m.Responsible) == 0 {
			v.Add(at+".responsible", "must name at least one responsible body")
		}
		checkBodies(v, at, m)
		checkDefaults(v, at, m, defaults)
	}
}

// checkBodies checks that a measure's bodies are organization codes, each
// named once.
func checkBodies(v *apperr.Validation, at string, m FileMeasure) {
	bodies := map[string]bool{}
	for _, o := range m.bodies() {
		if !organizationPattern.MatchString(o) {
			v.Add(at+".responsible", "must list organization codes")
			return
		}
		if bodies[o] {
			v.Add(at+".co_executors", "must not name a body twice")
			return
		}
		bodies[o] = true
	}
}

// checkDefaults checks that a measure's default_for lists assistance types
// that no earlier measure (recorded in seen) is the default for.
func checkDefaults(v *apperr.Validation, at string, m FileMeasure, seen map[string]bool) {
	for _, t := range m.DefaultFor {
		if !isAssistanceType(t) {
			v.Add(at+".default_for", "must list assistance types")
			return
		}
		if seen[t] {
			v.Add(at+".default_for", "assistance type "+t+" has a default measure already")
			return
		}
		seen[t] = true
	}
}

// bodies returns the measure's responsible bodies and then its co-executors.
func (m FileMeasure) bodies() []string {
	return append(append([]string{}, m.Responsible...), m.CoExecutors...)
}

// validateBudgets checks each measure's budget lines.
func (f *File) validateBudgets(v *apperr.Validation) {
	for i, m := range f.Measures {
		at := fmt.Sprintf("measures[%d].budget", i)
		seen := map[[2]any]bool{}
		for _, b := range m.Budget {
			key := [2]any{b.Year, b.FundingSource}
			if b.Year < 2000 || b.Year > 2100 || !slices.Contains(FundingSources, b.FundingSource) ||
				b.PlannedKGS < 0 || b.PlannedKGS > 1e13 || seen[key] {
				v.Add(at, "must list a year, a funding source and an amount from 0, once each")
				break
			}
			seen[key] = true
		}
	}
}

// validateIndicators checks the indicators' codes, baselines and targets.
func (f *File) validateIndicators(v *apperr.Validation) {
	seen := map[string]bool{}
	for i, ind := range f.Indicators {
		at := fmt.Sprintf("indicators[%d]", i)
		if !isIndicator(ind.Code) || seen[ind.Code] {
			v.Add(at+".code", "must name an indicator once")
		}
		seen[ind.Code] = true
		if ind.Baseline != nil && (*ind.Baseline < 0 || *ind.Baseline > 1e12) {
			v.Add(at+".baseline", "must be a value from 0")
		}
		for y, t := range ind.Targets {
			if y < 2000 || y > 2100 || t < 0 || t > 1e12 {
				v.Add(at+".targets", "must map years to values from 0")
				break
			}
		}
	}
}

// ImportResult says what an import changed.
type ImportResult struct {
	Program    string   `json:"program"`
	NewProgram bool     `json:"new_program"`
	Added      []string `json:"added"`
	Updated    []string `json:"updated"`
	Removed    []string `json:"removed"`
}

// Import adds the program of f, or replaces its measure list, in one
// transaction, and records it in the audit trail (action measure.import).
// Measures are matched by code: a code in the file keeps its links, a code
// no longer in the file is removed. It refuses, changing nothing:
//   - a malformed file (invalid error naming the field);
//   - a new program without title or period (invalid);
//   - a body naming no organization (invalid, naming the codes);
//   - a measure code that belongs to another program (conflict, naming the
//     codes): a program never overwrites another;
//   - removing a measure that a case, assistance or activity links to
//     (conflict, naming the codes), so no link is ever orphaned.
//
// Other programs are left untouched.
func (s *Service) Import(ctx context.Context, f File) (ImportResult, error) {
	if err := f.validate(); err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Program: f.Program.Code, Added: []string{}, Updated: []string{}, Removed: []string{}}
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		// One import at a time; links being written meanwhile hold key
		// share locks on their measures (CheckCodes), which the removal
		// below waits for.
		if err := tx.Exec(`LOCK TABLE programs IN SHARE ROW EXCLUSIVE MODE`).Error; err != nil {
			return err
		}
		if err := checkOrganizations(tx, f); err != nil {
			return err
		}
		mine, err := programMeasures(tx, f)
		if err != nil {
			return err
		}
		if err := upsertProgram(tx, f, &res); err != nil {
			return err
		}
		res.sortOut(f.codes(), mine)
		if err := removeMeasures(tx, res.Removed); err != nil {
			return err
		}
		if err := writeMeasures(tx, f); err != nil {
			return err
		}
		if f.Indicators != nil {
			if err := replaceTargets(tx, f); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "measure.import", "program", f.Program.Code, audit.Success)
	})
	if err != nil {
		return ImportResult{}, apperr.Wrap(err)
	}
	return res, nil
}

// codes returns the codes of the file's measures, in the file's order.
func (f File) codes() []string {
	codes := make([]string, len(f.Measures))
	for i, m := range f.Measures {
		codes[i] = m.Code
	}
	return codes
}

// programMeasures returns the codes the file's program has now. It
// answers a conflict naming the file's codes that belong to another
// program: a program never overwrites another.
func programMeasures(tx *gorm.DB, f File) (map[string]bool, error) {
	var existing []struct{ Code, Program string }
	if err := tx.Raw(`SELECT code, program FROM measures WHERE code IN ? OR program = ?`, f.codes(), f.Program.Code).
		Scan(&existing).Error; err != nil {
		return nil, err
	}
	mine := map[string]bool{}
	var foreign []string
	for _, e := range existing {
		if e.Program == f.Program.Code {
			mine[e.Code] = true
		} else {
			foreign = append(foreign, e.Code)
		}
	}
	if len(foreign) > 0 {
		sort.Strings(foreign)
		return nil, apperr.Conflict("measure codes belong to another program: "+strings.Join(foreign, ", "), "measures")
	}
	return mine, nil
}

// sortOut fills Added and Updated (in the file's order) and Removed
// (sorted) from the file's codes and the program's current ones.
func (res *ImportResult) sortOut(codes []string, mine map[string]bool) {
	for _, c := range codes {
		if mine[c] {
			res.Updated = append(res.Updated, c)
		} else {
			res.Added = append(res.Added, c)
		}
	}
	for c := range mine {
		if !slices.Contains(codes, c) {
			res.Removed = append(res.Removed, c)
		}
	}
	sort.Strings(res.Removed)
}

// removeMeasures deletes the measures removed, refusing with a conflict
// when something links to one of them.
func removeMeasures(tx *gorm.DB, removed []string) error {
	if len(removed) == 0 {
		return nil
	}
	// Locking the measures to remove waits for the transactions that are
	// linking to them (CheckCodes holds key share locks) and keeps new
	// links out; then no link may remain.
	var locked []string
	if err := tx.Raw(`SELECT code FROM measures WHERE code IN ? FOR UPDATE`, removed).Scan(&locked).Error; err != nil {
		return err
	}
	if err := orphanError(tx, removed); err != nil {
		return err
	}
	return tx.Exec(`DELETE FROM measures WHERE code IN ?`, removed).Error
}

// writeMeasures inserts or updates the file's measures, at the file's
// positions, and replaces their bodies, budget lines and the program's
// assistance defaults.
func writeMeasures(tx *gorm.DB, f File) error {
	// Positions follow the file; move the old ones out of the way first.
	if err := tx.Exec(`UPDATE measures SET position = position + 1000000 WHERE program = ?`, f.Program.Code).Error; err != nil {
		return err
	}
	for i, m := range f.Measures {
		if err := tx.Exec(`INSERT INTO measures (code, program, direction, position, title_ru, title_ky, title_en, source)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET direction = excluded.direction, position = excluded.position,
				title_ru = excluded.title_ru, title_ky = excluded.title_ky, title_en = excluded.title_en,
				source = excluded.source, updated_at = now()`,
			m.Code, f.Program.Code, m.Direction, i+1, m.Title.RU, m.Title.KY, m.Title.EN, f.Source).Error; err != nil {
			return err
		}
	}
	codes := f.codes()
	if err := tx.Exec(`DELETE FROM measure_bodies WHERE measure_code IN ?`, codes).Error; err != nil {
		return err
	}
	if err := tx.Exec(`DELETE FROM measure_budget_lines WHERE measure_code IN ?`, codes).Error; err != nil {
		return err
	}
	if err := tx.Exec(`DELETE FROM measure_assistance_defaults WHERE program = ?`, f.Program.Code).Error; err != nil {
		return err
	}
	for _, m := range f.Measures {
		if err := writeMeasureLinks(tx, f.Program.Code, m); err != nil {
			return err
		}
	}
	return nil
}

// writeMeasureLinks inserts a measure's bodies, budget lines and the
// assistance types it is the default for.
func writeMeasureLinks(tx *gorm.DB, program string, m FileMeasure) error {
	for _, b := range []struct {
		role  string
		codes []string
	}{{RoleResponsible, m.Responsible}, {RoleCoExecutor, m.CoExecutors}} {
		for _, o := range b.codes {
			if err := tx.Exec(`INSERT INTO measure_bodies (measure_code, organization_code, role) VALUES (?, ?, ?)`,
				m.Code, o, b.role).Error; err != nil {
				return err
			}
		}
	}
	for _, b := range m.Budget {
		if err := tx.Exec(`INSERT INTO measure_budget_lines (measure_code, year, funding_source, planned_kgs) VALUES (?, ?, ?, ?)`,
			m.Code, b.Year, b.FundingSource, b.PlannedKGS).Error; err != nil {
			return err
		}
	}
	for _, t := range m.DefaultFor {
		if err := tx.Exec(`INSERT INTO measure_assistance_defaults (program, assistance_type, measure_code) VALUES (?, ?, ?)`,
			program, t, m.Code).Error; err != nil {
			return err
		}
	}
	return nil
}

// orphanError answers a conflict naming the removed codes that something
// still links to, or nil when none does.
func orphanError(tx *gorm.DB, removed []string) error {
	var used []string
	if err := tx.Raw(`SELECT c FROM jardam_measure_codes_in_use() AS c WHERE c IN ? ORDER BY c`, removed).Scan(&used).Error; err != nil {
		return err
	}
	if len(used) == 0 {
		return nil
	}
	return apperr.Conflict("the file leaves out measures that cases, assistance or activities link to: "+
		strings.Join(used, ", "), "measures")
}

func checkOrganizations(tx *gorm.DB, f File) error {
	want := map[string]bool{}
	for _, m := range f.Measures {
		for _, o := range m.bodies() {
			want[o] = true
		}
	}
	list := make([]string, 0, len(want))
	for o := range want {
		list = append(list, o)
	}
	var found []string
	if err := tx.Raw(`SELECT code FROM organizations WHERE code = ANY (?)`, database.Array[string](list)).Scan(&found).Error; err != nil {
		return err
	}
	var missing []string
	for _, o := range list {
		if !slices.Contains(found, o) {
			missing = append(missing, o)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return apperr.Invalid("measures.responsible", "names no organization: "+strings.Join(missing, ", "))
	}
	return nil
}

func upsertProgram(tx *gorm.DB, f File, res *ImportResult) error {
	var n int64
	if err := tx.Raw(`SELECT count(*) FROM programs WHERE code = ?`, f.Program.Code).Scan(&n).Error; err != nil {
		return err
	}
	p := f.Program
	if n == 0 {
		var v apperr.Validation
		checkTitle(&v, "program.title", p.Title, true)
		if p.StartsOn == "" {
			v.Add("program.starts_on", "is required for a new program")
		}
		if p.EndsOn == "" {
			v.Add("program.ends_on", "is required for a new program")
		}
		if err := v.Err(); err != nil {
			return err
		}
		res.NewProgram = true
		return tx.Exec(`INSERT INTO programs (code, title_ru, title_ky, title_en, starts_on, ends_on, source) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.Code, p.Title.RU, p.Title.KY, p.Title.EN, p.StartsOn, p.EndsOn, f.Source).Error
	}
	return tx.Exec(`UPDATE programs SET title_ru = coalesce(nullif(?, ''), title_ru), title_ky = coalesce(nullif(?, ''), title_ky),
			title_en = coalesce(nullif(?, ''), title_en), starts_on = coalesce(nullif(?, '')::date, starts_on),
			ends_on = coalesce(nullif(?, '')::date, ends_on), source = ?, updated_at = now() WHERE code = ?`,
		p.Title.RU, p.Title.KY, p.Title.EN, p.StartsOn, p.EndsOn, f.Source, p.Code).Error
}

func isIndicator(code string) bool {
	for _, d := range indicatorDefs {
		if d.code == code {
			return true
		}
	}
	return false
}

// replaceTargets replaces the program's recorded baselines and targets with
// those of the file.
func replaceTargets(tx *gorm.DB, f File) error {
	if err := tx.Exec(`DELETE FROM indicator_targets WHERE program = ?`, f.Program.Code).Error; err != nil {
		return err
	}
	for _, ind := range f.Indicators {
		if ind.Baseline != nil {
			if err := tx.Exec(`INSERT INTO indicator_targets (program, indicator, year, value) VALUES (?, ?, NULL, ?)`,
				f.Program.Code, ind.Code, *ind.Baseline).Error; err != nil {
				return err
			}
		}
		for y, t := range ind.Targets {
			if err := tx.Exec(`INSERT INTO indicator_targets (program, indicator, year, value) VALUES (?, ?, ?, ?)`,
				f.Program.Code, ind.Code, y, t).Error; err != nil {
				return err
			}
		}
	}
	return nil
}
