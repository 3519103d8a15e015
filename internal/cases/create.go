package cases

import (
	"cmp"
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// createRoute is the route an idempotency key of a new case is claimed
// under.
const createRoute = "POST /api/v1/cases"

// claimSQL takes the idempotency key ($24 route, $25 key, $26 request
// hash) for the new case $1 of user $4. It yields no row when the key is
// held, even by a request older than a day, and the statement then writes
// nothing: idempotency.Claim decides on a held key.
const claimSQL = `INSERT INTO idempotency_keys (user_id, route, key, request_hash, status, resource_id)
		VALUES ($4::uuid, $24::text, $25::text, $26::bytea, 201, $1::uuid)
		ON CONFLICT (user_id, route, key) DO NOTHING RETURNING 1`

// insertCaseSQL writes the row of a new case in one statement: the claim
// of its idempotency key (claimSQL, or none), its code from the
// organization's counter (organizations.NextCode's form) and the row with
// its sealed identity and contact; nothing when a measure code ($20) names
// no measure. The case's other rows follow in
// insertPartsSQL: row-level security checks them against the case row,
// which only a later statement sees.
func insertCaseSQL(claimed bool) string {
	claim := `SELECT 1`
	if claimed {
		claim = claimSQL
	}
	return `WITH claim AS (` + claim + `),
	n AS (INSERT INTO case_code_counters (organization_id, year, last) SELECT $2::uuid, $3::int, 1 FROM claim
		WHERE (SELECT count(*) FROM measures WHERE code = ANY($20::text[])) = cardinality($20::text[])
		ON CONFLICT (organization_id, year) DO UPDATE SET last = case_code_counters.last + 1 RETURNING last)
	INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status,
		risk_level, identified_at, identification_channel, trafficking_status, sex, age_bracket, is_minor, citizenship,
		region_of_origin, exploitation_types, countries_of_exploitation, means_of_control, labour_sector,
		recruitment_method, recruiter_relation, measure_codes, reflection_ends_on, created_by, identity_enc, contact_enc)
	SELECT $1::uuid, o.code || '-' || $3::int || '-' || lpad(n.last::text, greatest(4, length(n.last::text)), '0'),
		$2::uuid, $2::uuid, 'identification', 'open', $5::text, $6::timestamptz, $7::text, $8::text, $9::text, $10::text,
		$11::boolean, $12::text, $13::text, $14::text[], $15::text[], $16::text[], $17::text, $18::text, $19::text,
		$20::text[], $21::date, $4::uuid, $22::bytea, $23::bytea
	FROM n JOIN organizations o ON o.id = $2::uuid`
}

// insertPartsSQL writes the rows beside a new case $1 written by the same
// transaction (none when insertCaseSQL wrote no case): its data key ($2
// master version, $3 wrapped), its events ($5 to $11, one array a column),
// its blind index tokens ($12 kinds, $13 tokens), its creator $4 assigned,
// its first stage and, when audited is not empty, the audit entry
// case.create (audit.InsertSQL, from $14).
func insertPartsSQL(audited string) string {
	auditedCTE := ""
	if audited != "" {
		auditedCTE = `,
	audited AS (` + audited + ` FROM c)`
	}
	return `WITH c AS (SELECT id FROM cases WHERE id = $1::uuid),
	k AS (INSERT INTO case_keys (case_id, key_version, master_version, wrapped) SELECT id, 1, $2::text, $3::bytea FROM c),
	e AS (INSERT INTO case_events (id, case_id, position, kind, country, region, year_month, details_enc)
		SELECT e.id, c.id, e.position, e.kind, e.country, e.region, e.year_month, e.details
		FROM c, unnest($5::uuid[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bytea[])
			AS e(id, position, kind, country, region, year_month, details)),
	b AS (INSERT INTO case_blind_index (case_id, kind, token)
		SELECT c.id, t.kind, t.token FROM c, unnest($12::text[], $13::bytea[]) AS t(kind, token) ON CONFLICT DO NOTHING),
	a AS (INSERT INTO case_assignments (case_id, user_id, assigned_by) SELECT id, $4::uuid, $4::uuid FROM c),
	m AS (INSERT INTO case_stage_moves (case_id, from_stage, to_stage, moved_by) SELECT id, NULL, 'identification', $4::uuid FROM c)` +
		auditedCTE + `
	SELECT count(*) FROM c`
}

// errKeyHeld says that the idempotency key of a create is already held:
// the create runs again as a retry (createInTx) to replay or refuse it.
var errKeyHeld = errors.New("cases: the idempotency key is held")

// newCase is a new case's two statements, insertCaseSQL and
// insertPartsSQL, with their arguments: its identity, contact and events
// sealed under a new data key, its blind index tokens computed.
type newCase struct {
	caseSQL, partsSQL   string
	caseArgs, partsArgs []any
}

// prepare seals and lays out the new case id of the caller p with the
// fields f (validated): claiming idemKey for body when not empty, and
// recording the audit entry case.create when audited.
func (s *Service) prepare(ctx context.Context, p reqctx.Principal, id uuid.UUID, f Fields, idemKey string, body []byte,
	audited bool) (newCase, error) {
	sealer, wrapped, masterVersion, err := newCaseSealer(ctx, s.keys, id)
	if err != nil {
		return newCase{}, err
	}
	identityEnc, contactEnc, err := sealIdentity(sealer, id, 1, f.Identity)
	if err != nil {
		return newCase{}, err
	}
	ev := eventColumns{}
	for i, e := range f.TraffickingEvents {
		eid := uuid.New()
		details, err := sealEventDetails(sealer, eid, 1, e)
		if err != nil {
			return newCase{}, err
		}
		ev.add(eid, i, e, details)
	}
	var kinds []string
	var tokens [][]byte
	for _, t := range s.tokens(f.Identity) {
		kinds, tokens = append(kinds, t.kind), append(tokens, t.token)
	}
	insert, auditArgs := "", []any(nil)
	if audited {
		if insert, auditArgs, err = audit.InsertSQL(ctx, "case.create", "case", id.String(), `'success'`, 14); err != nil {
			return newCase{}, err
		}
	}
	nc := newCase{caseSQL: insertCaseSQL(idemKey != ""), partsSQL: insertPartsSQL(insert)}
	nc.caseArgs = []any{id, p.OrganizationID, f.IdentifiedAt.In(Bishkek).Year(), p.UserID, f.RiskLevel, *f.IdentifiedAt,
		f.IdentificationChannel, f.TraffickingStatus, orUnknown(f.Sex), orUnknown(f.AgeBracket), f.IsMinor, f.Citizenship,
		f.RegionOfOrigin, texts(f.ExploitationTypes), texts(f.CountriesOfExploitation), texts(f.MeansOfControl),
		f.LabourSector, f.RecruitmentMethod, f.RecruiterRelation, texts(f.MeasureCodes), s.reflectionEnds(f),
		identityEnc, contactEnc}
	if idemKey != "" {
		nc.caseArgs = append(nc.caseArgs, createRoute, idemKey, s.keys.RequestHash(createRoute, body))
	}
	nc.partsArgs = append([]any{id, masterVersion, wrapped, p.UserID,
		ev.ids, ev.positions, ev.kinds, ev.countries, ev.regions, ev.months, ev.details, texts(kinds), tokens}, auditArgs...)
	return nc, nil
}

// createPipelined writes the new case id of the caller p with the fields f
// (validated) and reads it back in one round trip: BEGIN, the scope, the
// measures named (locked against removal), insertCaseSQL, insertPartsSQL,
// the case read (getSQL) and COMMIT pipelined in one batch, and the case
// decrypted once committed. The organization's counter of case codes is so
// held for the batch only, not across round trips: concurrent creates of
// one organization queue on it. It answers errKeyHeld, having written
// nothing, when the idempotency key is held by an earlier request.
func (s *Service) createPipelined(ctx context.Context, p reqctx.Principal, id uuid.UUID, f Fields, idemKey string, body []byte) (Case, error) {
	if err := measures.ValidCodes("measure_codes", f.MeasureCodes); err != nil {
		return Case{}, err
	}
	nc, err := s.prepare(ctx, p, id, f, idemKey, body, true)
	if err != nil {
		return Case{}, err
	}
	var out Case
	err = database.Pipelined(ctx, s.db, func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue(database.ScopeSQL, p.OrganizationID.String(), p.UserID.String())
		if len(f.MeasureCodes) > 0 {
			b.Queue(`SELECT count(*) FROM (SELECT code FROM measures WHERE code = ANY($1::text[]) FOR KEY SHARE) m`, f.MeasureCodes)
		}
		b.Queue(nc.caseSQL, nc.caseArgs...)
		b.Queue(nc.partsSQL, nc.partsArgs...)
		b.Queue(getSQL(`SELECT 1`), id, p.UserID, p.OrganizationID, p.Role)
		b.Queue("COMMIT")
		g, err := sendCreate(ctx, c, b, len(f.MeasureCodes))
		if err != nil {
			return err
		}
		out, err = s.getView(ctx, p, g)
		return err
	})
	return out, err
}

// insert writes, in the caller's transaction tx, the new case id of the
// caller's organization with the fields f (validated), the caller as its
// worker: the statements of createPipelined, for a create that replays
// nothing under a held key and for a case opened from an intake (whose
// callers record the audit entries).
func (s *Service) insert(ctx context.Context, tx *gorm.DB, p reqctx.Principal, id uuid.UUID, f Fields) error {
	if err := measures.CheckCodes(ctx, tx, "measure_codes", f.MeasureCodes); err != nil {
		return err
	}
	nc, err := s.prepare(ctx, p, id, f, "", nil, false)
	if err != nil {
		return err
	}
	// The statements number their parameters ($1, $2 ...), as pgx
	// reads them: sent on the transaction's connection, not through
	// GORM's placeholders.
	conn := tx.Statement.ConnPool
	res, err := conn.ExecContext(ctx, nc.caseSQL, nc.caseArgs...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return cmp.Or(err, errors.New("cases: a new case was not written"))
	}
	_, err = conn.ExecContext(ctx, nc.partsSQL, nc.partsArgs...)
	return err
}

// sendCreate sends the batch of createPipelined and reads its answers:
// the new case as getSQL reads it, committed. It answers the measure
// check's error when the measures found are fewer than the codes given,
// and errKeyHeld when no case was written otherwise.
func sendCreate(ctx context.Context, c *pgx.Conn, b *pgx.Batch, codes int) (getRow, error) {
	br := c.SendBatch(ctx, b)
	defer func() { _ = br.Close() }()
	for range 2 { // BEGIN and the scope
		if _, err := br.Exec(); err != nil {
			return getRow{}, err
		}
	}
	if codes > 0 {
		var found int
		if err := br.QueryRow().Scan(&found); err != nil {
			return getRow{}, err
		}
		if found != codes {
			return getRow{}, measures.ErrUnknownCodes("measure_codes")
		}
	}
	written, err := br.Exec()
	if err != nil {
		return getRow{}, err
	}
	if written.RowsAffected() != 1 {
		return getRow{}, errKeyHeld
	}
	if _, err := br.Exec(); err != nil {
		return getRow{}, err
	}
	var g getRow
	if err := br.QueryRow().Scan(g.targets()...); err != nil {
		return getRow{}, err
	}
	if _, err := br.Exec(); err != nil { // COMMIT
		return getRow{}, err
	}
	if g.kind == "none" {
		return getRow{}, errors.New("cases: a new case read without a relation")
	}
	return g, br.Close()
}

// eventColumns are the events of a new case, one slice a column, for
// insertPartsSQL.
type eventColumns struct {
	ids                        []uuid.UUID
	positions                  []int32
	kinds                      []string
	countries, regions, months []*string
	details                    [][]byte
}

func (ev *eventColumns) add(id uuid.UUID, position int, e Event, details []byte) {
	ev.ids = append(ev.ids, id)
	ev.positions = append(ev.positions, int32(position))
	ev.kinds = append(ev.kinds, e.Kind)
	ev.countries = append(ev.countries, e.Country)
	ev.regions = append(ev.regions, e.Region)
	ev.months = append(ev.months, e.YearMonth)
	ev.details = append(ev.details, details)
}

// texts is s as a text[] parameter: empty, not NULL, when s is nil.
func texts(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
