package main

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The minimal floor of a flow: a hand-written transaction that returns the
// same data as the flow's requests and writes the same rows and audit
// entries, in as few statements as SQL allows, as the database's owner (no
// row-level security), at the same concurrency and for the same time as
// the API and its own floor. It is the limit the API approaches: what is
// left above it is the API's own work and the SQL it spends beyond the
// minimum (see docs/performance.md). Flows without one report none: sign-in
// is argon2's, a referral's accept is several decisions, and the
// statistics flows cut their figures from a release the server keeps in
// memory (their own floor is already their SQL).
//
// Each minimal transaction is one statement: data-modifying common table
// expressions write the audit entries (and, for a create, every row of the
// new case) in the statement that reads, so a transaction is one round
// trip.

// minimalSQL is the minimal statement of each flow that has one.
var minimalSQL = map[string]string{
	// The case with its events, assignments and wrapped key, if the
	// caseworker is assigned to it, and one audit entry.
	"read-case": `WITH c AS (
			SELECT c.*, k.key_version, k.master_version, k.wrapped FROM cases c JOIN case_keys k ON k.case_id = c.id
			WHERE c.id = $1 AND EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = c.id AND a.user_id = $2)),
		audit AS (
			INSERT INTO audit_entries (actor_id, organization_id, role, action, object_type, object_id, outcome)
			SELECT $2, $3, 'caseworker', 'case.read', 'case', c.id::text, 'success' FROM c RETURNING 1)
		SELECT c.*,
			(SELECT json_agg(e ORDER BY e.position) FROM case_events e WHERE e.case_id = c.id) AS events,
			(SELECT array_agg(a.user_id) FROM case_assignments a WHERE a.case_id = c.id) AS assigned,
			(SELECT count(*) FROM audit) AS audited
		FROM c`,
	// A page of 50 of the caseworker's cases, newest first (on the index
	// of the assignments by user and case creation, as the server reads
	// them), with their assignments and keys, and one audit entry per case
	// returned.
	"list-cases": `WITH page AS (
			SELECT c.*, k.key_version, k.master_version, k.wrapped
			FROM case_assignments a JOIN cases c ON c.id = a.case_id JOIN case_keys k ON k.case_id = c.id
			WHERE a.user_id = $1 ORDER BY a.case_created_at DESC, a.case_id DESC LIMIT 51),
		audit AS (
			INSERT INTO audit_entries (actor_id, organization_id, role, action, object_type, object_id, outcome)
			SELECT $1, $2, 'caseworker', 'case.list', 'case', p.id::text, 'success' FROM page p RETURNING 1)
		SELECT p.*, (SELECT array_agg(a.user_id) FROM case_assignments a WHERE a.case_id = p.id) AS assigned,
			(SELECT count(*) FROM audit) AS audited
		FROM page p`,
	// A new case: its code from the organization's counter, the case row
	// with its sealed identity and contact, its data key, one trafficking
	// event, three blind index tokens, the caseworker assigned, the first
	// stage, the idempotency key and one audit entry.
	"create-case": `WITH n AS (
			INSERT INTO case_code_counters (organization_id, year, last) VALUES ($2::uuid, 2026, 1)
			ON CONFLICT (organization_id, year) DO UPDATE SET last = case_code_counters.last + 1 RETURNING last),
		c AS (
			INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, risk_level,
				identified_at, identification_channel, sex, citizenship, region_of_origin, exploitation_types,
				countries_of_exploitation, identity_enc, contact_enc, reflection_ends_on, created_by)
			SELECT $1::uuid, 'MIN-' || $1::uuid::text || '-' || n.last, $2::uuid, $2::uuid, 'identification', 'open', 'medium', now(),
				'hotline', 'female', 'KG', 'osh', '{forced_labour}', '{RU}', $4::bytea, $5::bytea, current_date + 30, $3::uuid FROM n
			RETURNING id, code, version),
		k AS (INSERT INTO case_keys (case_id, key_version, master_version, wrapped) SELECT id, 1, 'v1', $6 FROM c),
		e AS (INSERT INTO case_events (id, case_id, position, kind, country, region, year_month, details_enc)
			SELECT gen_random_uuid(), id, 0, 'exploitation', 'RU', 'Moscow', '2025-03', $7 FROM c),
		b AS (INSERT INTO case_blind_index (case_id, kind, token)
			SELECT c.id, t.kind, t.token FROM c, (VALUES ('name', $8::bytea), ('name_birth', $9::bytea), ('document', $10::bytea)) AS t(kind, token)),
		a AS (INSERT INTO case_assignments (case_id, user_id, assigned_by) SELECT id, $3, $3 FROM c),
		m AS (INSERT INTO case_stage_moves (case_id, from_stage, to_stage, moved_by) SELECT id, NULL, 'identification', $3 FROM c),
		i AS (INSERT INTO idempotency_keys (user_id, route, key, request_hash, status, resource_id)
			SELECT $3, 'POST /api/v1/cases', 'min-' || id::text, $11, 201, id FROM c),
		audit AS (INSERT INTO audit_entries (actor_id, organization_id, role, action, object_type, object_id, outcome)
			SELECT $3, $2, 'caseworker', 'case.create', 'case', id::text, 'success' FROM c)
		SELECT id, code, version FROM c`,
}

// actor is the account a minimal transaction acts as.
type actor struct{ user, org uuid.UUID }

// minimal runs the minimal floor of each flow that has one and sets its
// figures and the ratio API/minimal.
func (b *bench) minimal(ctx context.Context, ownerURL string, results []FlowResult) error {
	cfg, err := pgxpool.ParseConfig(ownerURL)
	if err != nil {
		return err
	}
	cfg.MaxConns = serverPoolSize
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	who := map[string]actor{}
	for key, email := range accounts {
		var a actor
		if err := pool.QueryRow(ctx, `SELECT id, organization_id FROM users WHERE email = $1`, email).Scan(&a.user, &a.org); err != nil {
			return fmt.Errorf("account %s: %w", email, err)
		}
		who[key] = a
	}
	for i := range results {
		f := &results[i]
		sql, ok := minimalSQL[f.Flow]
		if f.Unavailable || !ok {
			continue
		}
		args := b.minimalArgs(f.Flow, who)
		logf("minimal %s: 1 statement, %d clients for %v", f.Flow, b.o.concurrency, b.o.duration)
		fr := b.drive(ctx, f.Flow+" (minimal)", func(ctx context.Context, w, i int) error {
			rows, err := pool.Query(ctx, sql, args(w, i)...)
			if err != nil {
				return err
			}
			n := 0
			for rows.Next() {
				_ = rows.RawValues()
				n++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("minimal %s answered no row", f.Flow)
			}
			return nil
		})
		f.MinimalThroughput, f.MinimalP50, f.MinimalP95, f.MinimalErrors, f.MinimalFirstError = fr.Throughput, fr.P50, fr.P95, fr.Errors, fr.FirstError
		f.MinimalCPU = &fr.CPU
		if fr.Throughput > 0 {
			f.MinimalRatio = f.Throughput / fr.Throughput
		}
	}
	return nil
}

// minimalArgs returns the arguments of one minimal transaction of flow, as
// client w's i-th: the same cases as the API's flow reads.
func (b *bench) minimalArgs(flow string, who map[string]actor) func(w, i int) []any {
	cw := who["caseworker"]
	switch flow {
	case "read-case":
		return func(w, i int) []any {
			return []any{b.readIDs[uint(w*7919+i*31)%uint(len(b.readIDs))], cw.user, cw.org}
		}
	case "list-cases":
		return func(int, int) []any { return []any{cw.user, cw.org} }
	case "create-case":
		return func(int, int) []any {
			return []any{uuid.New(), cw.org, cw.user, randomBytes(96), randomBytes(64), randomBytes(60), randomBytes(48),
				randomBytes(32), randomBytes(32), randomBytes(32), randomBytes(32)}
		}
	}
	return nil
}

// randomBytes stands for a ciphertext or token of n bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
