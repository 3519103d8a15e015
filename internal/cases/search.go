package cases

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Finding cases: the list, the search by name and the duplicate check.

// Search finds the visible cases whose name matches (through the blind
// index: given and family name in either order, narrowed by birth date or
// document number when given). At most 50 cases, newest first, with the
// name fields of their identity only; each case whose name it returns is
// audited on that case.
func (s *Service) Search(ctx context.Context, in SearchInput) ([]Case, error) {
	id := in.Identity
	if blank(id.GivenName) && blank(id.FamilyName) && blank(id.DocumentNumber) {
		return nil, apperr.Invalid("identity.given_name", "a name or a document number is required")
	}
	if id.BirthDate != nil {
		if _, ok := parseDate(*id.BirthDate); !ok {
			return nil, apperr.Invalid("identity.birth_date", "must be a date written YYYY-MM-DD")
		}
	}
	var toks []token
	for _, t := range s.lookupTokens(&id) {
		// The most specific kind available decides.
		switch {
		case id.BirthDate != nil && t.kind == "name_birth", id.BirthDate == nil && t.kind == "name", t.kind == "document":
			toks = append(toks, t)
		}
	}
	var out []Case
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		rows, err := s.matching(tx, p, toks, 50)
		if err != nil {
			return err
		}
		out, err = s.readCases(ctx, tx, rows, s.namesFor(ctx, tx, p, rows))
		if err != nil {
			return err
		}
		return recordNamesRead(ctx, tx, audit.ActionCaseSearch, out)
	})
	return out, err
}

func kindsAndTokens(toks []token) (database.Array[string], database.Array[[]byte]) {
	kinds := make(database.Array[string], len(toks))
	values := make(database.Array[[]byte], len(toks))
	for i, t := range toks {
		kinds[i], values[i] = t.kind, t.token
	}
	return kinds, values
}

// matching returns the cases the caller reads as its owner's side holding
// any of the tokens. A case seen through a referral never matches a name
// search: its identity may not be among the consented categories.
func (s *Service) matching(tx *gorm.DB, p reqctx.Principal, toks []token, limit int) ([]row, error) {
	if len(toks) == 0 {
		return nil, nil
	}
	kinds, values := kindsAndTokens(toks)
	cond, args := access.VisibleCasesSQL(p)
	args["kinds"], args["tokens"], args["limit"] = kinds, values, limit
	var rows []row
	err := tx.Raw(`SELECT `+caseColumns+` FROM cases c
		WHERE c.id IN (SELECT b.case_id FROM case_blind_index b
		               WHERE (b.kind, b.token) IN (SELECT * FROM unnest(CAST(@kinds AS text[]), CAST(@tokens AS bytea[]))))
		  AND `+cond+` AND c.owner_organization_id = @org
		ORDER BY c.created_at DESC, c.id DESC LIMIT @limit`, args).Scan(&rows).Error
	return rows, err
}

// Duplicates checks whether an identity is already recorded: it returns
// the matching cases the caller may read and, for matches the caller may
// not read, only that one exists elsewhere (the supervisors of the
// organization holding it are notified). A birth date or a document number
// is required; each user may check DuplicateChecksPerDay times a day.
func (s *Service) Duplicates(ctx context.Context, in SearchInput) (DuplicateResult, error) {
	id := in.Identity
	if id.BirthDate == nil && blank(id.DocumentNumber) {
		return DuplicateResult{}, apperr.Invalid("identity.birth_date", "a birth date or a document number is required")
	}
	if id.BirthDate != nil {
		if _, ok := parseDate(*id.BirthDate); !ok {
			return DuplicateResult{}, apperr.Invalid("identity.birth_date", "must be a date written YYYY-MM-DD")
		}
		if blank(id.GivenName) && blank(id.FamilyName) {
			return DuplicateResult{}, apperr.Invalid("identity.given_name", "a name is required with a birth date")
		}
	}
	toks := s.duplicateTokens(&id)
	res := DuplicateResult{Matches: []Match{}}
	throttled := false
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		var used int64
		since := time.Now().Add(-24 * time.Hour)
		if err := tx.Raw(`SELECT count(*) FROM audit_entries WHERE actor_id = ? AND action = 'case.duplicate_check' AND at > ?`,
			p.UserID, since).Scan(&used).Error; err != nil {
			return err
		}
		if used >= int64(s.set.DuplicateChecksPerDay) {
			throttled = true
			return audit.Record(ctx, tx, "case.duplicate_throttled", "case_duplicate", "", audit.Denied)
		}
		rows, err := s.matching(tx, p, toks, 50)
		if err != nil {
			return err
		}
		visible := make(database.Array[string], len(rows))
		for i, r := range rows {
			res.Matches = append(res.Matches, Match{ID: r.ID, Code: r.Code})
			visible[i] = r.ID.String()
		}
		kinds, values := kindsAndTokens(toks)
		if err := tx.Raw(`SELECT jardam_duplicate_elsewhere(?::bytea[], ?::text[], ?::uuid[])`, values, kinds, visible).
			Scan(&res.ExistsElsewhere).Error; err != nil {
			return err
		}
		outcome := "no_match"
		if len(res.Matches) > 0 || res.ExistsElsewhere {
			outcome = "match"
		}
		return audit.Record(ctx, tx, "case.duplicate_check", "case_duplicate", outcome, audit.Success)
	})
	if err != nil {
		return DuplicateResult{}, err
	}
	if throttled {
		return DuplicateResult{}, apperr.TooMany("the daily limit of duplicate checks is reached", time.Hour)
	}
	return res, nil
}

// casePattern is the shape of a case code: the organization's code, the
// year and a number (imported cases: H and a number).
var casePattern = regexp.MustCompile(`^[A-Z][A-Z0-9-]{0,23}-[0-9]{4}-H?[0-9]{4,}$`)

// List returns the cases the caller sees, newest first by f.Sort, with the name
// fields of their identity only; each case whose name it returns is
// audited on that case (action case.list).
func (s *Service) List(ctx context.Context, f Filter, pg web.Page) (web.List[Case], error) {
	var v apperr.Validation
	if f.Stage != "" && !contains(Stages, f.Stage) {
		v.Add("stage", "must be one of: identification, shelter, rehabilitation, reintegration, closed")
	}
	if f.Status != "" && f.Status != "open" && f.Status != "closed" {
		v.Add("status", "must be one of: open, closed")
	}
	if f.Sort == "" {
		f.Sort = SortCreatedAt
	} else if !contains(ListSorts, f.Sort) {
		v.Add("sort", "must be one of: last_activity_at, identified_at, created_at")
	}
	if f.RiskLevel != "" && !contains(RiskLevels, f.RiskLevel) {
		v.Add("risk_level", "must be one of: low, medium, high")
	}
	f.Code = strings.ToUpper(strings.TrimSpace(f.Code))
	if f.Code != "" && !casePattern.MatchString(f.Code) {
		v.Add("code", "must be a case code such as SEZIM-2025-0042")
	}
	if err := v.Err(); err != nil {
		return web.List[Case]{}, err
	}
	var out web.List[Case]
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		q, args := listSQL(p, f, pg)
		if f.unfiltered() {
			// The unfiltered page (the app's list of "my cases") has a
			// good generic plan; PostgreSQL would plan it at each
			// execution, at several times the cost of running it.
			if err := tx.Exec(`SET LOCAL plan_cache_mode = force_generic_plan`).Error; err != nil {
				return err
			}
		}
		var page []row
		if err := tx.Raw(q, args).Scan(&page).Error; err != nil {
			return err
		}
		cs, err := s.listed(ctx, tx, p, page)
		if err != nil {
			return err
		}
		out = web.NewList(cs, pg.Limit, sortKey(f.Sort))
		setRelations(p, out.Items)
		return recordNamesRead(ctx, tx, audit.ActionCaseList, out.Items)
	})
	return out, err
}

// listSQL is the statement of the list page pg of the cases p sees under
// the filter f, with its named arguments: the owned and the referred
// cases, each newest first on its own index and cut to the page, merged
// (see access.VisibleCasesBranches). The page's parts are a statement of
// their own (listPartsSQL): a filtered page is planned for its parameters
// at each execution, and planning the parts' subqueries with it would
// double its cost.
func listSQL(p reqctx.Principal, f Filter, pg web.Page) (string, map[string]any) {
	owned, referred, args := access.VisibleCasesBranches(p)
	if f.Sort != SortCreatedAt {
		// Sorted otherwise than by creation, each branch walks the
		// case rows in that order (the caseworker's assignments carry
		// the creation time only); f.Sort is one of ListSorts.
		owned.KeyTime, owned.KeyID = "c."+f.Sort, "c.id"
		referred.KeyTime, referred.KeyID = "c."+f.Sort, "c.id"
	}
	filter := ""
	add := func(c, name string, v any) { filter += " AND " + c; args[name] = v }
	if f.Code != "" {
		add("c.code = @code", "code", f.Code)
	}
	if f.Stage != "" {
		add("c.stage = @stage", "stage", f.Stage)
	}
	if f.Status != "" {
		add("c.status = @status", "status", f.Status)
	}
	if f.RiskLevel != "" {
		add("c.risk_level = @risk", "risk", f.RiskLevel)
	}
	if f.AssignedUserID != uuid.Nil {
		add("EXISTS (SELECT 1 FROM case_assignments a2 WHERE a2.case_id = c.id AND a2.user_id = @assignee)", "assignee", f.AssignedUserID)
	}
	if f.Unassigned {
		filter += " AND NOT EXISTS (SELECT 1 FROM case_assignments a3 WHERE a3.case_id = c.id)"
	}
	if f.IdentifiedFrom != nil {
		add("c.identified_at >= @from", "from", *f.IdentifiedFrom)
	}
	if f.IdentifiedTo != nil {
		add("c.identified_at < @to", "to", *f.IdentifiedTo)
	}
	branch := func(b access.Branch) string {
		cond, tail := pg.Keyset(b.KeyTime, b.KeyID, args)
		return `SELECT ` + caseColumns + ` FROM ` + b.From + ` WHERE ` + b.Where + filter + cond + tail
	}
	_, tail := pg.Keyset("c."+f.Sort, "c.id", args)
	q := `SELECT c.* FROM ((` + branch(owned) + `) UNION ALL (` + branch(referred) + `)) c` + tail
	// The page's size and whether the caller supervises are written into
	// the statement (a number and a boolean the server decided), so that
	// a generic plan of it knows them.
	q = strings.ReplaceAll(q, "@limit", strconv.Itoa(args["limit"].(int)))
	q = strings.ReplaceAll(q, "@supervisor", strconv.FormatBool(args["supervisor"].(bool)))
	delete(args, "limit")
	delete(args, "supervisor")
	return q, args
}

// unfiltered reports whether f selects nothing beyond the caller's cases
// (a sort order and a page are not filters).
func (f Filter) unfiltered() bool {
	return f.Code == "" && f.Stage == "" && f.Status == "" && f.RiskLevel == "" && f.AssignedUserID == uuid.Nil &&
		!f.Unassigned && f.IdentifiedFrom == nil && f.IdentifiedTo == nil
}

// listed assembles the case views of a list page, with the names p may
// read and the workers listed.
func (s *Service) listed(ctx context.Context, tx *gorm.DB, p reqctx.Principal, page []row) ([]Case, error) {
	if len(page) == 0 {
		return []Case{}, nil
	}
	ids := make([]uuid.UUID, len(page))
	for i, r := range page {
		ids[i] = r.ID
	}
	var partRows []listPartsRow
	if err := tx.Raw(listPartsSQL, p.OrganizationID, database.Array[uuid.UUID](ids)).Scan(&partRows).Error; err != nil {
		return nil, err
	}
	raw, workers := make([]partsRow, len(partRows)), map[uuid.UUID][]byte{}
	for i, r := range partRows {
		raw[i], workers[r.Parts.CaseID] = r.Parts, r.Workers
	}
	parts, err := decodeParts(raw)
	if err != nil {
		return nil, err
	}
	cs, err := s.assemble(ctx, page, parts, s.namesFor(ctx, tx, p, page))
	if err != nil {
		return nil, err
	}
	for i := range cs {
		cs[i].AssignedWorkers = []Worker{}
		if err := unmarshalAll(workers[cs[i].ID], &cs[i].AssignedWorkers); err != nil {
			return nil, fmt.Errorf("case %s: %w", cs[i].ID, err)
		}
	}
	return cs, nil
}

// listPartsSQL reads the parts (partsColumns) of the listed cases (the
// array parameter) in one statement, with the workers of the caller's
// organization (the first parameter) assigned to each (none on a case
// referred to the caller's organization: its workers are the owner's).
const listPartsSQL = `SELECT p.id AS case_id, ` + partsColumns + `,
	(SELECT json_agg(json_build_object('id', u.id, 'name', u.name) ORDER BY a.assigned_at, u.id)
		FROM case_assignments a JOIN users u ON u.id = a.user_id
		WHERE a.case_id = p.id AND u.organization_id = ?) AS workers
	FROM unnest(?::uuid[]) AS p(id) LEFT JOIN case_keys k ON k.case_id = p.id`

// listPartsRow is a row of listPartsSQL.
type listPartsRow struct {
	Parts   partsRow `gorm:"embedded"`
	Workers []byte
}

// setRelations tells, for each listed case, how the caller reaches it:
// through a referral to their organization (the case is another
// organization's), as a worker assigned to it (among the assigned workers
// the case's parts already read), or through their organization.
func setRelations(p reqctx.Principal, cs []Case) {
	for i := range cs {
		switch {
		case cs[i].OwnerOrganizationID != p.OrganizationID:
			cs[i].Relation = RelationReferral
		case slices.Contains(cs[i].AssignedUserIDs, p.UserID):
			cs[i].Relation = RelationAssigned
		default:
			cs[i].Relation = RelationOrganization
		}
	}
}

// namesFor returns, per listed case, what a list or a search decrypts: the
// name fields of the identity only (given name, family name, patronymic),
// always for the owner's side and for a referred organization under the
// consented identity category. Birth date, document, contact and the
// trafficking events' details stay on the case read.
func (s *Service) namesFor(ctx context.Context, tx *gorm.DB, p reqctx.Principal, rows []row) func(uuid.UUID) reveal {
	// The relations of the referred cases, in one query (no query per row).
	var referred []uuid.UUID
	for _, r := range rows {
		if r.OwnerOrganizationID != p.OrganizationID {
			referred = append(referred, r.ID)
		}
	}
	rels, err := access.OfMany(ctx, tx, referred)
	if err != nil {
		// Closed on failure: no name for any referred case.
		rels = map[uuid.UUID]access.Relation{}
		for _, id := range referred {
			rels[id] = access.Relation{CaseID: id}
		}
	}
	return func(id uuid.UUID) reveal {
		rel, referred := rels[id]
		return reveal{names: !referred || rel.May(access.CategoryIdentity)}
	}
}

// recordNamesRead audits a list or a search (action): one entry per case
// whose name it returned, in one statement, so that each case's access log
// shows who read its name; a page that returned no name gets one entry
// without an object.
func recordNamesRead(ctx context.Context, tx *gorm.DB, action string, cs []Case) error {
	var ids []string
	for _, c := range cs {
		if c.Identity != nil && (c.Identity.GivenName != nil || c.Identity.FamilyName != nil || c.Identity.Patronymic != nil) {
			ids = append(ids, c.ID.String())
		}
	}
	if len(ids) == 0 {
		return audit.Record(ctx, tx, action, "case", "", audit.Success)
	}
	return audit.RecordMany(ctx, tx, action, "case", ids, audit.Success)
}

// duplicateTokens are the blind index entries the duplicate check looks
// for: name and birth date, and document number.
func (s *Service) duplicateTokens(id *Identity) []token {
	var toks []token
	for _, t := range s.lookupTokens(id) {
		if t.kind == "name_birth" || t.kind == "document" {
			toks = append(toks, t)
		}
	}
	return toks
}
