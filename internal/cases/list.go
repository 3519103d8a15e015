package cases

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// casePattern is the shape of a case code: the organization's code, the
// year and a number (imported cases: H and a number).
var casePattern = regexp.MustCompile(`^[A-Z][A-Z0-9-]{0,23}-[0-9]{4}-H?[0-9]{4,}$`)

// List returns the cases the caller sees, newest first, with the name
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
		owned, referred, args := access.VisibleCasesBranches(p)
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
		// The owned and the referred cases, each newest first on its own
		// index and cut to the page, merged (see access.VisibleCasesBranches).
		branch := func(b access.Branch) string {
			cond, tail := pg.Keyset(b.KeyTime, b.KeyID, args)
			return `SELECT ` + caseColumns + ` FROM ` + b.From + ` WHERE ` + b.Where + filter + cond + tail
		}
		_, tail := pg.Keyset("c.created_at", "c.id", args)
		q := `SELECT c.* FROM ((` + branch(owned) + `) UNION ALL (` + branch(referred) + `)) c` + tail
		var rows []row
		if err := tx.Raw(q, args).Scan(&rows).Error; err != nil {
			return err
		}
		cs, err := s.readCases(ctx, tx, rows, s.namesFor(ctx, tx, p, rows))
		if err != nil {
			return err
		}
		out = web.NewList(cs, pg.Limit, func(c Case) (time.Time, uuid.UUID) { return c.CreatedAt, c.ID })
		return recordNamesRead(ctx, tx, audit.ActionCaseList, out.Items)
	})
	return out, err
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
