package cases

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// getSQL reads, in one statement, the case $1 as the caller ($2 user, $3
// organization, $4 role) sees it: its row, the caller's relation to it
// (access.RelationColumns), its parts (partsColumns) and whether a guardian
// stands for the person; and writes the read's audit entry (case.read,
// success when the relation sees the case, not_found otherwise: the same
// expression decides both), whose values follow from $5 (audit.InsertSQL).
// Row-level security hides the cases of other organizations that no
// accepted referral shares: no row, and a not_found entry.
func getSQL(audited string) string {
	return `WITH r AS (
		SELECT ` + caseColumns + `, ` + access.RelationColumns("$2::uuid", "$3::uuid", "$4::text") + `,
			` + strings.ReplaceAll(partsColumns, "p.id", "c.id") + `,
			` + guardianSQL + ` AS has_guardian
		FROM cases c LEFT JOIN case_keys k ON k.case_id = c.id ` + access.RelationJoin("$2::uuid", "$3::uuid", "$4::text") + `
		WHERE c.id = $1),
	audited AS (` + audited + `)
	SELECT * FROM r`
}

// getRow is a row of getSQL.
type getRow struct {
	row
	kind        string
	categories  []string
	parts       partsRow
	hasGuardian bool
}

func (g *getRow) targets() []any {
	r := &g.row
	return []any{&r.ID, &r.Code, &r.OwnerOrganizationID, &r.IdentifyingOrganizationID, &r.Version, &r.Source, &r.Stage,
		&r.Status, &r.ClosureReason, &r.RiskLevel, &r.IdentifiedAt, &r.IdentificationChannel, &r.TraffickingStatus, &r.Sex,
		&r.AgeBracket, &r.IsMinor, &r.Citizenship, &r.RegionOfOrigin, &r.ExploitationTypes, &r.CountriesOfExploitation,
		&r.MeansOfControl, &r.LabourSector, &r.RecruitmentMethod, &r.RecruiterRelation, &r.MeasureCodes,
		&r.ReflectionEndsOn, &r.IdentityEnc, &r.ContactEnc, &r.CreatedAt, &r.UpdatedAt, &r.LastActivityAt,
		&g.kind, &g.categories,
		&g.parts.KeyVersion, &g.parts.MasterVersion, &g.parts.Wrapped, &g.parts.Assigned, &g.parts.Events, &g.parts.Flags,
		&g.hasGuardian}
}

// Get returns a case the caller may see, with the fields its relation
// allows. A missing or hidden case answers the same not-found error, and
// either leaves one audit entry (not_found) as access.Act would.
//
// It is the hottest path of the service and takes one round trip: BEGIN,
// the row-level security scope, getSQL (the case, the relation, the parts
// and the audit entry) and COMMIT pipelined in one batch; the case is
// decrypted after. A failing statement aborts the transaction, audit entry
// included, and the batch's COMMIT with it. A case the server reads but
// then fails to decrypt keeps its audit entry: the entry records that the
// case's data left the database, which it did. For a pending principal
// (web.SessionInTx) the scope is set by the session check itself
// (reqctx.SessionCheckSQL): a session it does not confirm leaves no scope,
// so the statement sees no case and writes no audit entry (scoped), the
// transaction commits nothing, and Get answers
// reqctx.ErrSessionUnconfirmed: the router authenticates in full.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Case, error) {
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok {
		return Case{}, apperr.Unauthorized("sign in first")
	}
	const visible = `CASE WHEN EXISTS (SELECT 1 FROM r WHERE r.kind <> 'none') THEN 'success' ELSE 'not_found' END`
	insert, auditArgs, err := audit.InsertSQL(ctx, "case.read", "case", id.String(), visible, 5)
	if err != nil {
		return Case{}, apperr.Internal(err)
	}
	// Only a scoped transaction (a confirmed session) is audited: an
	// unconfirmed one commits nothing.
	const scoped = ` WHERE jardam_current_org() IS NOT NULL`
	insert += scoped
	var out Case
	err = database.Pipelined(ctx, s.db, func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		if p.SessionPending {
			b.Queue(reqctx.SessionCheckSQL, p.SessionID, p.UserID, p.OrganizationID, p.Role, p.MFARequired)
		} else {
			b.Queue(database.ScopeSQL, p.OrganizationID.String(), p.UserID.String())
		}
		b.Queue(getSQL(insert), append([]any{id, p.UserID, p.OrganizationID, p.Role}, auditArgs...)...)
		b.Queue("COMMIT")
		g, found, err := sendGet(ctx, c, b)
		if err != nil {
			return err
		}
		if p.SessionPending {
			reqctx.ConfirmSession(ctx)
		}
		if !found {
			return apperr.NotFound("case")
		}
		out, err = s.getView(ctx, p, g)
		return err
	})
	if err != nil {
		return Case{}, apperr.Wrap(err)
	}
	return out, nil
}

// sendGet sends the batch of Get and reads its answer: the case row when
// the caller's relation sees it, once the transaction has committed. A
// session the batch did not confirm answers reqctx.ErrSessionUnconfirmed.
func sendGet(ctx context.Context, c *pgx.Conn, b *pgx.Batch) (getRow, bool, error) {
	br := c.SendBatch(ctx, b)
	defer func() { _ = br.Close() }()
	if _, err := br.Exec(); err != nil {
		return getRow{}, false, err
	}
	scoped, err := br.Exec()
	if err != nil {
		return getRow{}, false, err
	}
	var g getRow
	rows, err := br.Query()
	if err != nil {
		return getRow{}, false, err
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(g.targets()...); err != nil {
			rows.Close()
			return getRow{}, false, err
		}
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return getRow{}, false, err
	}
	if _, err := br.Exec(); err != nil { // COMMIT
		return getRow{}, false, err
	}
	if err := br.Close(); err != nil {
		return getRow{}, false, err
	}
	if scoped.RowsAffected() != 1 {
		// A pending session not confirmed: no scope, nothing seen or written.
		return getRow{}, false, reqctx.ErrSessionUnconfirmed
	}
	return g, n == 1 && g.kind != "none", nil
}

// getView is the case view of a row of getSQL the caller sees.
func (s *Service) getView(ctx context.Context, p reqctx.Principal, g getRow) (Case, error) {
	rel := access.RelationFrom(g.ID, g.OwnerOrganizationID, g.kind, g.categories)
	if !rel.Visible() {
		return Case{}, errors.New("cases: a case read without a relation")
	}
	g.parts.CaseID = g.ID
	parts, err := decodeParts([]partsRow{g.parts})
	if err != nil {
		return Case{}, err
	}
	cs, err := s.assemble(ctx, []row{g.row}, parts, identityAccess(rel))
	if err != nil {
		return Case{}, err
	}
	out := cs[0]
	allowed := AllowedFor(p, rel, out, s.Permits)
	out.Allowed = &allowed
	if rel.Owner() {
		out.NeedsGuardian = out.IsMinor != nil && *out.IsMinor && out.Status == "open" && !g.hasGuardian
	}
	return out, nil
}
