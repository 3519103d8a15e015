package main

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/casekeys"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/demo"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
)

// The bulk seed writes synthetic cases straight into the tables with COPY,
// sealed with the dataset's own keys exactly as the case service seals them
// (cases.SealNew: a wrapped data key per case, identity, contact and event
// details bound to their row, blind index tokens), so the server reads,
// lists and counts them like cases it created. Beside each case it writes
// the rows the service would: the creator's assignment, stage moves,
// assistance, for a quarter of Sezim's cases a consent and a referral to
// the social protection department (mostly accepted), and the audit
// entries of all that, chained into the audit trail with a signed
// checkpoint, so the server's linker has nothing left to catch up on.
//
// It runs as the superuser of the private cluster with
// session_replication_role = replica (no foreign key or other triggers:
// the rows are consistent by construction, the owner each part of a case
// carries included) and commits one batch at a time.

const seedBatch = 5000

type seedUser struct {
	ID, OrgID uuid.UUID
	Role      string
}

type bulkSeeder struct {
	conn   *pgx.Conn
	keys   *casekeys.Keyring
	master jcrypto.KeyWrapper
	signer *audit.Signer
	rng    *mrand.Rand
	now    time.Time

	orgs       map[string]uuid.UUID // by code
	orgCode    map[uuid.UUID]string
	workers    map[uuid.UUID][]uuid.UUID // caseworkers by organization
	supervisor map[uuid.UUID]uuid.UUID
	social     uuid.UUID
	socialOrg  uuid.UUID
	codes      map[string]int // last case code number by "org|year"
	refCodes   map[string]int
	txid       string

	nextAudit int64
	linkSeq   int64
	linkHash  []byte

	// rows of the current batch, by table
	rows map[string][][]any
}

var seedTables = []struct {
	name string
	cols []string
}{
	{"cases", []string{"id", "code", "owner_organization_id", "identifying_organization_id", "stage", "status", "closure_reason",
		"risk_level", "identified_at", "identification_channel", "trafficking_status", "sex", "age_bracket", "is_minor", "citizenship",
		"region_of_origin", "exploitation_types", "countries_of_exploitation", "labour_sector", "reflection_ends_on",
		"identity_enc", "contact_enc", "created_by", "created_at", "updated_at", "version"}},
	{"case_keys", []string{"case_id", "key_version", "master_version", "wrapped", "owner_organization_id"}},
	{"case_events", []string{"id", "case_id", "position", "kind", "country", "region", "year_month", "details_enc", "owner_organization_id"}},
	{"case_blind_index", []string{"case_id", "kind", "token", "owner_organization_id"}},
	{"case_assignments", []string{"case_id", "user_id", "assigned_at", "assigned_by", "case_created_at", "owner_organization_id"}},
	{"case_stage_moves", []string{"id", "case_id", "from_stage", "to_stage", "closure_reason", "moved_by", "moved_at", "owner_organization_id"}},
	{"assistance", []string{"id", "case_id", "type", "provider_organization_id", "status", "started_on", "ended_on", "cost_kgs",
		"funding_source", "created_by", "created_at", "updated_at"}},
	{"consents", []string{"id", "case_id", "purpose", "recipient_organization_id", "categories", "given_by", "given_at",
		"recorded_by", "created_at", "owner_organization_id"}},
	{"referrals", []string{"id", "code", "case_id", "kind", "from_organization_id", "to_organization_id", "assistance_types",
		"categories", "urgency", "status", "due_at", "consent_id", "case_sex", "case_age_bracket", "case_region",
		"key_master_version", "key_wrapped", "responded_at", "accepted_by", "created_by", "created_at", "updated_at"}},
	{"referral_assignments", []string{"referral_id", "user_id", "assigned_at"}},
	{"referral_events", []string{"id", "referral_id", "from_status", "to_status", "actor_id", "at"}},
	{"audit_entries", []string{"id", "at", "actor_id", "organization_id", "role", "action", "object_type", "object_id", "outcome",
		"request_id", "client_ip", "user_agent"}},
	{"audit_links", []string{"seq", "entry_id", "prev_hash", "hash", "linked_at"}},
}

// seedBulk adds n synthetic cases to the prepared database db (demo
// organizations and accounts already seeded), with caseworkers per crisis
// center in proportion.
func seedBulk(ctx context.Context, superURL, db, keysDir string, n int) error {
	conn, err := connectTo(ctx, superURL, db)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	master, err := jcrypto.LoadMasterKeyFile(filepath.Join(keysDir, "master.key"))
	if err != nil {
		return err
	}
	idx, err := casekeys.LoadIndexKeyFile(filepath.Join(keysDir, "index.key"))
	if err != nil {
		return err
	}
	keys, err := casekeys.NewKeyring(master, idx)
	if err != nil {
		return err
	}
	signer, err := audit.LoadSigner(filepath.Join(keysDir, "audit.key"))
	if err != nil {
		return err
	}
	s := &bulkSeeder{conn: conn, keys: keys, master: master, signer: signer, rng: mrand.New(mrand.NewPCG(2025, uint64(n))),
		now: time.Now().UTC(), orgs: map[string]uuid.UUID{}, orgCode: map[uuid.UUID]string{}, workers: map[uuid.UUID][]uuid.UUID{},
		supervisor: map[uuid.UUID]uuid.UUID{}, codes: map[string]int{}, refCodes: map[string]int{}}
	for _, q := range []string{"SET session_replication_role = replica", "SET synchronous_commit = off"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return err
		}
	}
	if err := s.load(ctx, n); err != nil {
		return err
	}
	start := time.Now()
	for done := 0; done < n; {
		k := min(seedBatch, n-done)
		if err := s.batch(ctx, k); err != nil {
			return err
		}
		done += k
		if done%(20*seedBatch) == 0 || done == n {
			el := time.Since(start)
			logf("bulk seed: %d of %d cases (%v, %.0f cases/s)", done, n, el.Round(time.Second), float64(done)/el.Seconds())
		}
	}
	return s.finish(ctx)
}

// load reads the organizations, accounts, counters and the audit chain's
// head, and adds the extra caseworkers.
func (s *bulkSeeder) load(ctx context.Context, n int) error {
	rows, err := s.conn.Query(ctx, `SELECT id, code FROM organizations`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id uuid.UUID
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return err
		}
		s.orgs[code], s.orgCode[id] = id, code
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range []string{"SEZIM", "AKZHUROK", "MLSSM-SOC"} {
		if s.orgs[c] == uuid.Nil {
			return fmt.Errorf("bulk seed: organization %s missing (run the demo seed first)", c)
		}
	}
	// Caseworkers per crisis center: one per 2 500 cases, 5 to 100.
	extra := min(100, max(5, n/2500)) - 1
	for _, c := range []struct{ org, email, domain string }{{"SEZIM", "caseworker@sezim.kg", "sezim.kg"}, {"AKZHUROK", "caseworker@akzhurok.kg", "akzhurok.kg"}} {
		if _, err := s.conn.Exec(ctx, `INSERT INTO users (organization_id, email, name, role, password_hash)
			SELECT organization_id, 'bench-caseworker-' || g || '@' || $2, 'Bench caseworker ' || g, 'caseworker', password_hash
			FROM users, generate_series(1, $3::int) g WHERE email = $1
			ON CONFLICT (email) DO NOTHING`, c.email, c.domain, extra); err != nil {
			return err
		}
	}
	rows, err = s.conn.Query(ctx, `SELECT id, organization_id, role, email FROM users WHERE disabled_at IS NULL ORDER BY email`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var u seedUser
		var email string
		if err := rows.Scan(&u.ID, &u.OrgID, &u.Role, &email); err != nil {
			return err
		}
		switch {
		case u.Role == "caseworker" && email == "social@mlsp.gov.kg":
			s.social, s.socialOrg = u.ID, u.OrgID
		case u.Role == "caseworker":
			s.workers[u.OrgID] = append(s.workers[u.OrgID], u.ID)
		case u.Role == "supervisor":
			s.supervisor[u.OrgID] = u.ID
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if s.social == uuid.Nil || len(s.workers[s.orgs["SEZIM"]]) == 0 || len(s.workers[s.orgs["AKZHUROK"]]) == 0 {
		return errors.New("bulk seed: demo accounts missing")
	}
	for table, m := range map[string]map[string]int{"case_code_counters": s.codes, "referral_code_counters": s.refCodes} {
		rows, err := s.conn.Query(ctx, `SELECT organization_id, year, last FROM `+table)
		if err != nil {
			return err
		}
		for rows.Next() {
			var org uuid.UUID
			var year, last int
			if err := rows.Scan(&org, &year, &last); err != nil {
				return err
			}
			m[org.String()+"|"+strconv.Itoa(year)] = last
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return s.loadChainHead(ctx)
}

// loadChainHead links what the demo seed wrote (as the linker would) so
// that the bulk entries chain after it.
func (s *bulkSeeder) loadChainHead(ctx context.Context) error {
	err := s.conn.QueryRow(ctx, `SELECT seq, hash FROM audit_links ORDER BY seq DESC LIMIT 1`).Scan(&s.linkSeq, &s.linkHash)
	if errors.Is(err, pgx.ErrNoRows) {
		s.linkSeq, s.linkHash, err = 0, audit.GenesisHash(), nil
	}
	if err != nil {
		return err
	}
	rows, err := s.conn.Query(ctx, `SELECT id, at, actor_id, organization_id, role, action, object_type, object_id, outcome,
			request_id, client_ip, user_agent, txid::text
		FROM audit_entries e WHERE NOT EXISTS (SELECT 1 FROM audit_links k WHERE k.entry_id = e.id) ORDER BY id`)
	if err != nil {
		return err
	}
	var pending []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var txid string
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.OrganizationID, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID,
			&e.Outcome, &e.RequestID, &e.ClientIP, &e.UserAgent, &txid); err != nil {
			return err
		}
		e.TxID, _ = strconv.ParseUint(txid, 10, 64)
		pending = append(pending, e)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := s.conn.QueryRow(ctx, `SELECT COALESCE(max(id), 0) + 1 FROM audit_entries`).Scan(&s.nextAudit); err != nil {
		return err
	}
	s.rows = map[string][][]any{}
	for _, e := range pending {
		s.link(e)
	}
	return nil
}

func (s *bulkSeeder) link(e audit.Entry) {
	s.linkSeq++
	h := audit.LinkHash(s.linkHash, e)
	s.add("audit_links", s.linkSeq, e.ID, s.linkHash, h, s.now)
	s.linkHash = h
}

func (s *bulkSeeder) add(table string, vals ...any) { s.rows[table] = append(s.rows[table], vals) }

// record adds an audit entry of the bulk seed's (one transaction's) txid.
func (s *bulkSeeder) record(at time.Time, actor, org uuid.UUID, role, action, objectType, objectID string) {
	txid, _ := strconv.ParseUint(s.txid, 10, 64)
	a, o := actor, org
	e := audit.Entry{ID: s.nextAudit, At: at.UTC().Truncate(time.Microsecond), ActorID: &a, OrganizationID: &o, Role: role,
		Action: action, ObjectType: objectType, ObjectID: objectID, Outcome: audit.Success, RequestID: "bench-seed",
		ClientIP: "127.0.0.1", UserAgent: "jardam-bench", TxID: txid}
	s.nextAudit++
	s.add("audit_entries", e.ID, e.At, a, o, role, action, objectType, objectID, e.Outcome, e.RequestID, e.ClientIP, e.UserAgent)
	s.link(e)
}

var (
	benchFemale   = []string{"Айгүл", "Айзада", "Нургүл", "Жылдыз", "Бермет", "Асель", "Гүлнара", "Динара", "Назира", "Чолпон", "Айжан", "Мээрим"}
	benchMale     = []string{"Бакыт", "Нурлан", "Азамат", "Эрлан", "Улан", "Тимур", "Айбек", "Мирлан", "Канат", "Эркин", "Элдияр", "Бекжан"}
	benchFamilies = []string{"Токтосун", "Асан", "Жумабай", "Сыдык", "Абдыкерим", "Осмон", "Исак", "Бекболот", "Мамыт", "Турдубай", "Садыр", "Кадыр"}
	benchRegions  = []string{"osh", "jalal_abad", "batken", "chui", "bishkek_city", "issyk_kul", "naryn", "talas", "osh_city"}
	benchChannels = []string{"hotline", "ngo_outreach", "consulate", "police", "border_service", "international_organization", "self_referral"}
	benchCountry  = []string{"RU", "RU", "RU", "KZ", "KZ", "TR", "AE", "KR"}
	benchSectors  = []string{"construction", "agriculture", "domestic_work", "manufacturing", "hospitality"}
	benchFunding  = []string{"state_social_order", "international_organization", "ngo_own_funds"}
)

func ptr[T any](v T) *T { return &v }

// dateOf is the calendar day of t in Bishkek, as a date column holds it.
func dateOf(t time.Time) time.Time {
	y, m, d := t.In(cases.Bishkek).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (s *bulkSeeder) oneOf(list []string) string { return list[s.rng.IntN(len(list))] }

func (s *bulkSeeder) counter(m map[string]int, org uuid.UUID, year int) int {
	k := org.String() + "|" + strconv.Itoa(year)
	m[k]++
	return m[k]
}

func pad4(n int) string {
	t := strconv.Itoa(n)
	return strings.Repeat("0", max(0, 4-len(t))) + t
}

// Cases are identified from 2021 to mid-December 2025.
var (
	seedFrom = time.Date(2021, 1, 4, 9, 0, 0, 0, cases.Bishkek)
	seedTo   = time.Date(2025, 12, 20, 0, 0, 0, 0, cases.Bishkek)
)

// batch generates k cases and copies them in one transaction, whose id
// the audit entries carry (as the column default gives them).
func (s *bulkSeeder) batch(ctx context.Context, k int) error {
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := tx.QueryRow(ctx, `SELECT pg_current_xact_id()::text`).Scan(&s.txid); err != nil {
		return err
	}
	for range k {
		if err := s.oneCase(ctx); err != nil {
			return err
		}
	}
	for _, t := range seedTables {
		rows := s.rows[t.name]
		if len(rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("bulk seed: copy %s: %w", t.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	s.rows = map[string][][]any{}
	return nil
}

func (s *bulkSeeder) oneCase(ctx context.Context) error {
	c := s.drawCase()
	if err := cases.PrepareNew(&c.f, s.now); err != nil {
		return fmt.Errorf("bulk seed: %w", err)
	}
	id := uuid.New()
	sealed, err := cases.SealNew(ctx, s.keys, id, c.f)
	if err != nil {
		return err
	}
	r := s.rng
	created := c.identified.Add(time.Duration(1+r.IntN(48)) * time.Hour).UTC()
	year := c.identified.In(cases.Bishkek).Year()
	code := s.orgCode[c.org] + "-" + strconv.Itoa(year) + "-" + pad4(s.counter(s.codes, c.org, year))
	age0 := s.now.Sub(c.identified)
	path := demo.StagePath(r, age0)
	stage, status := "identification", "open"
	var closure *string
	if len(path) > 0 {
		stage = path[len(path)-1]
	}
	if stage == "closed" {
		status, closure = "closed", ptr([]string{"reintegrated", "reintegrated", "reintegrated", "lost_contact", "declined_assistance"}[r.IntN(5)])
	}
	f := c.f
	reflection := dateOf(c.identified.AddDate(0, 0, 30))
	s.add("cases", id, code, c.org, c.org, stage, status, closure, f.RiskLevel, c.identified.UTC(), f.IdentificationChannel,
		f.TraffickingStatus, c.sex, *f.AgeBracket, f.IsMinor, f.Citizenship, f.RegionOfOrigin, f.ExploitationTypes,
		f.CountriesOfExploitation, f.LabourSector, reflection, sealed.IdentityEnc, sealed.ContactEnc, c.worker, created, created, 1+len(path))
	s.addSealed(id, c.org, sealed)
	s.add("case_assignments", id, c.worker, created, c.worker, created, c.org)
	s.record(created, c.worker, c.org, "caseworker", "case.create", "case", id.String())
	s.addStageMoves(id, c, created, path, closure)
	s.addAssistance(id, c, created, age0)
	if c.org == s.orgs["SEZIM"] && r.IntN(4) == 0 {
		return s.refer(ctx, id, c.org, c.worker, c.f, c.identified, created)
	}
	return nil
}

// drawnCase is a synthetic case before it is sealed: its fields, owning
// organization, caseworker and moment of identification.
type drawnCase struct {
	f           cases.Fields
	sex         string
	org, worker uuid.UUID
	identified  time.Time
}

// drawCase draws a case: two in three at Sezim, the rest at Ak-Zhurok.
func (s *bulkSeeder) drawCase() drawnCase {
	r := s.rng
	org := s.orgs["SEZIM"]
	if r.IntN(3) == 0 {
		org = s.orgs["AKZHUROK"]
	}
	ws := s.workers[org]
	worker := ws[r.IntN(len(ws))]
	female := r.IntN(10) < 6
	sex, given, family := "male", s.oneOf(benchMale), s.oneOf(benchFamilies)+"ов"
	if female {
		sex, given, family = "female", s.oneOf(benchFemale), family[:len(family)-len("ов")]+"ова"
	}
	identified := seedFrom.Add(time.Duration(r.Int64N(int64(seedTo.Sub(seedFrom))))).Truncate(time.Second)
	age := []int{15, 19, 22, 25, 28, 34, 42, 51}[r.IntN(8)]
	birth := identified.AddDate(-age, -r.IntN(12), -r.IntN(28))
	country := s.oneOf(benchCountry)
	expl := []string{"forced_labour"}
	switch r.IntN(20) {
	case 0, 1, 2, 3, 4:
		expl = []string{"sexual_exploitation"}
	case 5, 6:
		expl = []string{"forced_marriage"}
	case 7:
		expl = []string{"forced_begging"}
	}
	f := cases.Fields{
		Identity: &cases.Identity{GivenName: ptr(given), FamilyName: ptr(family), BirthDate: ptr(birth.Format("2006-01-02")),
			Languages: []string{"ky", "ru"}, Phone: ptr(fmt.Sprintf("+99655%07d", r.IntN(10000000)))},
		IdentifiedAt:            ptr(identified.UTC()),
		IdentificationChannel:   ptr(s.oneOf(benchChannels)),
		TraffickingStatus:       ptr([]string{"actual", "actual", "actual", "possible", "possible", "not_a_victim"}[r.IntN(6)]),
		Sex:                     ptr(sex),
		Citizenship:             ptr("KG"),
		RegionOfOrigin:          ptr(s.oneOf(benchRegions)),
		ExploitationTypes:       expl,
		CountriesOfExploitation: []string{country},
		RiskLevel:               ptr([]string{"low", "medium", "medium", "high"}[r.IntN(4)]),
		TraffickingEvents: []cases.Event{
			{Kind: "recruitment", Country: ptr("KG"), YearMonth: ptr(identified.AddDate(0, -4, 0).Format("2006-01"))},
			{Kind: "exploitation", Country: ptr(country), YearMonth: ptr(identified.AddDate(0, -2, 0).Format("2006-01")),
				Details: ptr("synthetic benchmark record")},
		},
	}
	if expl[0] == "forced_labour" {
		f.LabourSector = ptr(s.oneOf(benchSectors))
	}
	return drawnCase{f: f, sex: sex, org: org, worker: worker, identified: identified}
}

// addSealed adds a case's key, its events and its blind index tokens
// (each kind and token once); org owns the case.
func (s *bulkSeeder) addSealed(id, org uuid.UUID, sealed cases.SealedCase) {
	s.add("case_keys", id, 1, sealed.MasterVersion, sealed.Wrapped, org)
	for _, e := range sealed.Events {
		s.add("case_events", e.ID, id, e.Position, e.Kind, e.Country, e.Region, e.YearMon, e.DetailsEnc, org)
	}
	seen := map[string]bool{}
	for _, t := range sealed.Tokens {
		if k := t.Kind + string(t.Token); !seen[k] {
			seen[k] = true
			s.add("case_blind_index", id, t.Kind, t.Token, org)
		}
	}
}

// addStageMoves adds the case's first stage and its moves along path;
// the organization's supervisor, when it has one, closes the case.
func (s *bulkSeeder) addStageMoves(id uuid.UUID, c drawnCase, created time.Time, path []string, closure *string) {
	r := s.rng
	s.add("case_stage_moves", uuid.New(), id, nil, "identification", nil, c.worker, created, c.org)
	from := "identification"
	at := created
	for i, st := range path {
		at = at.Add(time.Duration(20+r.IntN(60)+i*30) * 24 * time.Hour)
		if at.After(s.now) {
			at = s.now.Add(-time.Duration(len(path)-i) * time.Hour)
		}
		mover, role := c.worker, "caseworker"
		var reason *string
		if st == "closed" {
			mover, role, reason = s.supervisor[c.org], "supervisor", closure
			if mover == uuid.Nil {
				mover, role = c.worker, "caseworker"
			}
		}
		s.add("case_stage_moves", uuid.New(), id, from, st, reason, mover, at, c.org)
		s.record(at, mover, c.org, role, "case.move_stage", "case", id.String())
		from = st
	}
}

// addAssistance adds the case's assistance: shelter for most, counselling,
// legal help.
func (s *bulkSeeder) addAssistance(id uuid.UUID, c drawnCase, created time.Time, age0 time.Duration) {
	r := s.rng
	funding := s.oneOf(benchFunding)
	day := func(d int) time.Time { return dateOf(c.identified.AddDate(0, 0, d)) }
	add := func(kind, status string, start time.Time, end *time.Time, cost *float64) {
		aid := uuid.New()
		s.add("assistance", aid, id, kind, c.org, status, start, end, cost, funding, c.worker, created, created)
		s.record(created, c.worker, c.org, "caseworker", "assistance.create", "case", id.String())
	}
	if age0 > 30*24*time.Hour || r.IntN(2) == 0 {
		days := 10 + r.IntN(80)
		st, end := "in_progress", (*time.Time)(nil)
		if age0 > time.Duration(days+5)*24*time.Hour {
			st, end = "completed", ptr(day(1+days))
		}
		add("shelter", st, day(1), end, ptr(float64(days*900)))
	}
	if r.IntN(10) < 7 {
		add("psychological", "completed", day(3), ptr(day(40)), ptr(float64(6000+500*r.IntN(8))))
	}
	if r.IntN(10) < 3 {
		add("legal", "in_progress", day(10), nil, nil)
	}
}

// refer records a data-sharing consent and a referral to the social
// protection department, accepted six times in seven by its worker.
func (s *bulkSeeder) refer(ctx context.Context, caseID, org, worker uuid.UUID, f cases.Fields, identified, created time.Time) error {
	r := s.rng
	given := created.Add(time.Hour)
	consentID := uuid.New()
	giver := "person"
	if f.IsMinor != nil && *f.IsMinor {
		giver = "guardianship_authority"
	}
	s.add("consents", consentID, caseID, "data_sharing", s.socialOrg, []string{"identity"}, giver, given, worker, given, org)
	s.record(given, worker, org, "caseworker", "consent.create", "case", caseID.String())
	refID := uuid.New()
	year := identified.In(cases.Bishkek).Year()
	code := s.orgCode[org] + "-R" + strconv.Itoa(year) + "-" + pad4(s.counter(s.refCodes, org, year))
	_, wrapped, mv, err := jcrypto.NewCaseSealer(ctx, s.master, "referral:"+refID.String())
	if err != nil {
		return err
	}
	at := given.Add(time.Hour)
	status := "accepted"
	var responded, acceptedBy any
	if r.IntN(7) == 0 {
		status = "pending"
	} else {
		responded, acceptedBy = at.Add(26*time.Hour), s.social
	}
	urgency := "normal"
	if r.IntN(4) == 0 {
		urgency = "urgent"
	}
	s.add("referrals", refID, code, caseID, "assistance", org, s.socialOrg, []string{"financial", "housing"}, []string{"identity"},
		urgency, status, at.Add(72*time.Hour), consentID, *f.Sex, *f.AgeBracket, f.RegionOfOrigin, mv, wrapped, responded, acceptedBy,
		worker, at, at)
	s.add("referral_events", uuid.New(), refID, nil, "pending", worker, at)
	s.record(at, worker, org, "caseworker", "referral.create", "case", caseID.String())
	if status == "accepted" {
		acc := at.Add(26 * time.Hour)
		s.add("referral_assignments", refID, s.social, acc)
		s.add("referral_events", uuid.New(), refID, "pending", "accepted", s.social, acc)
		s.record(acc, s.social, s.socialOrg, "caseworker", "referral.accept", "case", caseID.String())
	}
	return nil
}

// finish moves the counters and sequences past what was written and signs
// a checkpoint at the chain's new head.
func (s *bulkSeeder) finish(ctx context.Context) error {
	for table, m := range map[string]map[string]int{"case_code_counters": s.codes, "referral_code_counters": s.refCodes} {
		for k, last := range m {
			org, year, _ := strings.Cut(k, "|")
			if _, err := s.conn.Exec(ctx, `INSERT INTO `+table+` (organization_id, year, last) VALUES ($1, $2, $3)
				ON CONFLICT (organization_id, year) DO UPDATE SET last = GREATEST(`+table+`.last, EXCLUDED.last)`, org, year, last); err != nil {
				return err
			}
		}
	}
	if _, err := s.conn.Exec(ctx, `SELECT setval('audit_entries_id_seq', $1)`, s.nextAudit-1); err != nil {
		return err
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	_, err := s.conn.Exec(ctx, `INSERT INTO audit_checkpoints (seq, hash, key_id, signature, at) VALUES ($1, $2, $3, $4, $5)`,
		s.linkSeq, s.linkHash, s.signer.KeyID(), s.signer.Sign(s.linkSeq, s.linkHash, at), at)
	return err
}
