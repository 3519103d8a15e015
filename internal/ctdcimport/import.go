package ctdcimport

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// ActionImport is the audit action of an import: one entry per file, with
// the import's id as object (its counts are in case_imports), never a case.
const ActionImport = "case.import"

// Options choose the organization and the behaviour on bad rows.
type Options struct {
	// Organization is the code of the organization that owns the cases.
	Organization string
	// SkipBad imports the good rows of a file with bad ones.
	SkipBad bool
	// DryRun checks the file and writes nothing.
	DryRun bool
	// IgnoreColumns names the columns to leave out: a column Jardam has
	// no place for imports only when named here.
	IgnoreColumns []string
}

// Report says what an import did.
type Report struct {
	ImportID     *uuid.UUID `json:"import_id"`
	Organization string     `json:"organization"`
	Rows         int        `json:"rows"`
	Imported     int        `json:"imported"`
	Skipped      int        `json:"skipped"`
	DryRun       bool       `json:"dry_run"`
	// Separator is the file's separator, `,` or `;`.
	Separator string `json:"separator"`
	// Ignored are the columns left out as --ignore-columns asked.
	Ignored []string `json:"ignored_columns"`
	// Derived are the columns that repeat as text flags the file holds.
	Derived []string `json:"derived_columns"`
	// Notes say where values were reduced to what Jardam records.
	Notes    []string  `json:"notes"`
	Problems []Problem `json:"problems"`
}

// RefusedError is returned when a file is refused: nothing was written.
type RefusedError struct {
	Problems []Problem
}

// Error lists every problem, one a line.
func (e *RefusedError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "import refused, nothing written:\n" + strings.Join(lines, "\n")
}

// Importer writes parsed files into the database.
type Importer struct {
	db  *gorm.DB
	now func() time.Time
}

// New returns an importer working through db (the application role).
func New(db *gorm.DB) *Importer { return &Importer{db: db, now: time.Now} }

// batch is the number of cases per INSERT statement: each column travels
// as one array parameter, so a statement's size does not depend on the
// number of parameters PostgreSQL allows.
const batch = 10000

// Import checks data and, unless it is refused or opt.DryRun, writes its
// persons as closed imported cases of the organization, in one
// transaction, with one audit entry (case.import). A file with bad rows
// (without SkipBad), a missing required column, a column Jardam has no
// place for that opt.IgnoreColumns does not name, an unknown organization
// or a file already imported into it returns a *RefusedError listing the
// problems, writes no case and records a failed case.import entry.
func (im *Importer) Import(ctx context.Context, data []byte, opt Options) (Report, error) {
	rep := Report{Organization: opt.Organization, DryRun: opt.DryRun, Problems: []Problem{}}
	parsed, err := Parse(data, im.now(), opt.IgnoreColumns)
	if err != nil {
		return rep, err
	}
	rep.Rows = len(parsed.Persons) + parsed.BadRows
	rep.Problems = append(rep.Problems, parsed.Problems...)
	rep.Separator, rep.Ignored, rep.Derived, rep.Notes = parsed.Separator, parsed.Ignored, parsed.Derived, parsed.Notes
	var orgs []struct{ ID uuid.UUID }
	err = im.db.WithContext(ctx).Raw(`SELECT id FROM organizations WHERE code = ?`, opt.Organization).Scan(&orgs).Error
	if err != nil {
		return rep, err
	}
	var org uuid.UUID
	if len(orgs) == 1 {
		org = orgs[0].ID
	}
	if org == uuid.Nil {
		return rep, &RefusedError{Problems: []Problem{{Field: "organization", Reason: "no organization has the code " + opt.Organization}}}
	}
	refuse := func() (Report, error) {
		e := &RefusedError{Problems: rep.Problems}
		if opt.DryRun {
			return rep, e
		}
		if err := database.InOrgTx(ctx, im.db, org, uuid.Nil, func(tx *gorm.DB) error {
			return audit.RecordEntry(ctx, tx, audit.Entry{Action: ActionImport, ObjectType: "case_import", OrganizationID: &org,
				Outcome: audit.Failure})
		}); err != nil {
			return rep, errors.Join(e, err)
		}
		return rep, e
	}
	if parsed.Fatal || (parsed.BadRows > 0 && !opt.SkipBad) {
		return refuse()
	}
	rep.Skipped = parsed.BadRows
	sum := sha256.Sum256(data)
	id := uuid.New()
	err = database.InOrgTx(ctx, im.db, org, uuid.Nil, func(tx *gorm.DB) error {
		var prior []struct{ ImportedAt time.Time }
		if err := tx.Raw(`SELECT imported_at FROM case_imports WHERE organization_id = ? AND file_sha256 = ?`, org, sum[:]).
			Scan(&prior).Error; err != nil {
			return err
		}
		if len(prior) > 0 {
			rep.Problems = append(rep.Problems, Problem{Field: "file", Reason: "this file was imported into " + opt.Organization +
				" on " + prior[0].ImportedAt.UTC().Format(time.DateOnly) + " already"})
			return errRefused
		}
		if opt.DryRun {
			rep.Imported = len(parsed.Persons)
			return nil
		}
		if err := writeCases(tx, org, id, sum[:], parsed); err != nil {
			return err
		}
		rep.Imported = len(parsed.Persons)
		return audit.RecordEntry(ctx, tx, audit.Entry{Action: ActionImport, ObjectType: "case_import", ObjectID: id.String(),
			OrganizationID: &org, Outcome: audit.Success})
	})
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == database.CodeUniqueViolation &&
		pe.ConstraintName == "case_imports_organization_id_file_sha256_key" {
		// The same file, imported at the same moment by another run.
		rep.Problems = append(rep.Problems, Problem{Field: "file", Reason: "this file is being imported into " + opt.Organization + " already"})
		err = errRefused
	}
	if errors.Is(err, errRefused) {
		return refuse()
	}
	if err != nil {
		return rep, err
	}
	if !opt.DryRun {
		rep.ImportID = &id
	}
	return rep, nil
}

var errRefused = errors.New("refused")

// writeCases records the import and writes its persons' cases, in the
// caller's transaction.
func writeCases(tx *gorm.DB, org, id uuid.UUID, sum []byte, parsed Parsed) error {
	if err := tx.Exec(`INSERT INTO case_imports (id, organization_id, format, file_sha256, cases, skipped)
		VALUES (?, ?, 'ctdc', ?, ?, ?)`, id, org, sum, len(parsed.Persons), parsed.BadRows).Error; err != nil {
		return err
	}
	codes, err := reserveCodes(tx, org, parsed.Persons)
	if err != nil {
		return err
	}
	for start := 0; start < len(parsed.Persons); start += batch {
		end := min(start+batch, len(parsed.Persons))
		if err := insertCases(tx, org, parsed.Persons[start:end], codes[start:end]); err != nil {
			return err
		}
	}
	return nil
}

// reserveCodes takes a block of the organization's import series per year
// (ORG-YYYY-Hnnnn) and returns one code per person, in order.
func reserveCodes(tx *gorm.DB, org uuid.UUID, persons []Person) ([]string, error) {
	perYear := map[int]int{}
	for _, p := range persons {
		perYear[p.Year]++
	}
	var orgCode string
	if err := tx.Raw(`SELECT code FROM organizations WHERE id = ?`, org).Scan(&orgCode).Error; err != nil {
		return nil, err
	}
	next := map[int]int{}
	for y, n := range perYear {
		var last int
		if err := tx.Raw(`INSERT INTO case_import_code_counters (organization_id, year, last) VALUES (?, ?, ?)
			ON CONFLICT (organization_id, year) DO UPDATE SET last = case_import_code_counters.last + EXCLUDED.last
			RETURNING last`, org, y, n).Scan(&last).Error; err != nil {
			return nil, err
		}
		next[y] = last - n + 1
	}
	codes := make([]string, len(persons))
	for i, p := range persons {
		codes[i] = fmt.Sprintf("%s-%d-H%04d", orgCode, p.Year, next[p.Year])
		next[p.Year]++
	}
	return codes, nil
}

// insertCases writes persons as closed imported cases: statistical
// attributes only. The rows travel as one array per column and are
// unnested in the database; the list attributes travel as array literals
// (an array of arrays must be rectangular). Compared with a multi-row
// VALUES of 500 rows (15 parameters each), it spends less time in the
// client and in planning; the rest is the heap, index and foreign key
// work of each row (docs/ctdc-import.md, "Speed").
func insertCases(tx *gorm.DB, org uuid.UUID, persons []Person, codes []string) error {
	n := len(persons)
	ids, identified := make([]uuid.UUID, n), make([]time.Time, n)
	sex, age, minor := make([]string, n), make([]string, n), make([]*bool, n)
	cit, sector, relation, method, channel := make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n)
	exploit, countries, means := make([]string, n), make([]string, n), make([]string, n)
	for i, p := range persons {
		ids[i], identified[i] = uuid.New(), IdentifiedAt(p.Year).UTC()
		sex[i], age[i], minor[i] = p.Sex, p.AgeBracket, p.IsMinor
		cit[i], sector[i], relation[i], method[i], channel[i] = p.Citizenship, p.LabourSector, p.RecruiterRelation,
			p.RecruitmentMethod, p.IdentificationChannel
		exploit[i], countries[i], means[i] = listLiteral(p.ExploitationTypes), listLiteral(p.Countries),
			listLiteral(p.MeansOfControl)
	}
	return tx.Exec(`INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, source, stage, status,
			closure_reason, identified_at, sex, age_bracket, is_minor, citizenship, exploitation_types, countries_of_exploitation,
			means_of_control, labour_sector, recruiter_relation, recruitment_method, identification_channel)
		SELECT u.id, u.code, $1, $1, 'import', 'closed', 'closed', 'other', u.identified_at, u.sex, u.age, u.minor, u.cit,
			u.exploit::text[], u.countries::text[], u.means::text[], u.sector, u.relation, u.method, u.channel
		FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::boolean[], $8::text[], $9::text[],
			$10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
			AS u(id, code, identified_at, sex, age, minor, cit, exploit, countries, means, sector, relation, method, channel)`,
		org, ids, codes, identified, sex, age, minor, cit, exploit, countries, means, sector, relation, method, channel).Error
}

// listLiteral writes a case's list attribute as a PostgreSQL array
// literal: its elements are Jardam's codes or country codes, nothing to
// quote.
func listLiteral(values []string) string { return "{" + strings.Join(values, ",") + "}" }
