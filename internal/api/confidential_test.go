package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
)

// These tests check what a leak of the database would reveal: values that
// identify a victim are stored as ciphertext only, a ciphertext opens only
// in the row and column it was written for, row-level security keeps every
// organization to its own case rows even when the services forget, and the
// duplicate check's door past row-level security answers yes or no only.
//
// Every request and response is validated against the OpenAPI description.

// TestConfidentialMarkersNeverStoredInClear puts unique marker values
// through every encrypted field of the API, then dumps the whole database
// with pg_dump and reads the audit trail and notifications: no marker may
// be there, in clear, normalized or hex-encoded.
func TestConfidentialMarkersNeverStoredInClear(t *testing.T) {
	t.Parallel()
	serverLog := &confLockedBuffer{}
	pgDump := confFindPgDump(t)
	env := apitest.New(t, apitest.Options{Log: serverLog})
	as := confActors{worker: env.Token("caseworker@sezim.kg"), sup: env.Token("supervisor@sezim.kg"),
		other: env.Token("caseworker@akzhurok.kg")}
	m := confMarkers()
	id, code := confCreateMarkedCase(t, env, as.worker, m)
	path := "/api/v1/cases/" + id
	confWriteMarkedRecords(t, env, as, path, m)
	confLookForMarkers(t, env, as, m)
	confAssertMarkersReadBack(t, env, as.sup, path, m)

	t.Run("pg_dump of the whole database holds no marker", func(t *testing.T) {
		confAssertDumpHoldsNoMarker(t, env, pgDump, code, m)
	})
	t.Run("audit entries hold no marker", func(t *testing.T) {
		confAssertTableHoldsNoMarker(t, env, "audit_entries", m, "case.duplicate_check", "case.search")
	})
	t.Run("notifications hold no marker", func(t *testing.T) {
		confAssertTableHoldsNoMarker(t, env, "notifications", m, "duplicate_check_match")
	})
	t.Run("the server's log holds no marker", func(t *testing.T) {
		logged := serverLog.bytes()
		if !strings.Contains(string(logged), `"route":"/api/v1/cases/:id"`) {
			t.Fatalf("the log was not captured:\n%s", logged)
		}
		confAssertNoMarkers(t, "server log", logged, m)
	})
}

// confActors are the accounts TestConfidentialMarkersNeverStoredInClear
// works as: Sezim's caseworker and supervisor, and Akzhurok's caseworker.
type confActors struct{ worker, sup, other string }

// confBirth is the birth date of the marked case.
const confBirth = "1994-02-03"

// confMarkers returns a fresh marker for every encrypted field the test
// writes (and for what it searches), by field.
func confMarkers() map[string]string {
	return map[string]string{
		"identity.given_name":           confCyrMarker(),
		"identity.family_name":          confCyrMarker(),
		"identity.patronymic":           confCyrMarker(),
		"identity.aliases[0]":           confCyrMarker(),
		"identity.aliases[1]":           confMarker("alias"),
		"identity.document_number":      strings.ToUpper(confMarker("doc")),
		"identity.languages[0]":         confMarker("lang"),
		"identity.phone":                "+996" + confDigits(12),
		"identity.address":              confMarker("addr") + " Чуй проспекти",
		"identity.contact_person":       confCyrMarker(),
		"identity.address (patched)":    confMarker("newaddr"),
		"identity.aliases[2] (patched)": confCyrMarker(),
		"trafficking_events[0].place":   confMarker("place"),
		"trafficking_events[0].details": confMarker("details") + " кармалып турду",
		"trafficking_events[1].place":   confCyrMarker(),
		"trafficking_events[1].details": confMarker("details"),
		"stage reason (shelter)":        confMarker("reason"),
		"stage reason (rehabilitation)": confCyrMarker(),
		"plan.needs_assessment":         confMarker("needs"),
		"plan.goals[0].text":            confMarker("goal"),
		"plan.goals[1].text":            confCyrMarker(),
		"note.text":                     confMarker("note"),
		"assistance.notes":              confMarker("assist"),
		"search given_name":             confCyrMarker(),
		"search family_name":            confCyrMarker(),
		"duplicates given_name":         confCyrMarker(),
		"duplicates document_number":    strings.ToUpper(confMarker("dupdoc")),
	}
}

// confCreateMarkedCase creates a case whose identity and events carry the
// markers and returns its id and code.
func confCreateMarkedCase(t *testing.T, env *apitest.Env, worker string, m map[string]string) (id, code string) {
	t.Helper()
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: worker,
		Header: map[string]string{"Idempotency-Key": "confidential-1"},
		Body: map[string]any{
			"sex": "female", "citizenship": "KG", "region_of_origin": "chui",
			"exploitation_types": []string{"forced_labour"}, "countries_of_exploitation": []string{"RU"},
			"identity": map[string]any{
				"given_name": m["identity.given_name"], "family_name": m["identity.family_name"],
				"patronymic": m["identity.patronymic"],
				"aliases":    []string{m["identity.aliases[0]"], m["identity.aliases[1]"]},
				"birth_date": confBirth, "document_number": m["identity.document_number"],
				"languages": []string{m["identity.languages[0]"]}, "phone": m["identity.phone"],
				"address": m["identity.address"], "contact_person": m["identity.contact_person"],
			},
			"trafficking_events": []map[string]any{
				{"kind": "recruitment", "country": "KG", "year_month": "2024-11", "place": m["trafficking_events[0].place"], "details": m["trafficking_events[0].details"]},
				{"kind": "exploitation", "country": "RU", "year_month": "2025-01", "place": m["trafficking_events[1].place"], "details": m["trafficking_events[1].details"]},
			},
		}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create case: %d %s", r.Status, r.Body)
	}
	c := r.Map(t)
	return c["id"].(string), c["code"].(string)
}

// confStep is one request and the status it must answer.
type confStep struct {
	what string
	want int
	req  apitest.Request
}

// confRun sends each step and stops the test at the first other answer.
func confRun(t *testing.T, env *apitest.Env, steps []confStep) {
	t.Helper()
	for _, s := range steps {
		if r := env.Do(s.req); r.Status != s.want {
			t.Fatalf("%s: %d %s", s.what, r.Status, r.Body)
		}
	}
}

// confWriteMarkedRecords patches the identity, moves the stage twice, and
// writes a plan, a note and assistance, all carrying markers.
func confWriteMarkedRecords(t *testing.T, env *apitest.Env, as confActors, path string, m map[string]string) {
	t.Helper()
	confRun(t, env, []confStep{
		{"patch identity", http.StatusOK, apitest.Request{Method: http.MethodPatch, Path: path, Token: as.worker,
			Header: map[string]string{"If-Match": `"1"`},
			Body: map[string]any{"identity": map[string]any{"address": m["identity.address (patched)"],
				"aliases": []string{m["identity.aliases[0]"], m["identity.aliases[1]"], m["identity.aliases[2] (patched)"]}}}}},
		{"move to shelter", http.StatusOK, apitest.Request{Method: http.MethodPost, Path: path + "/stage", Token: as.worker,
			Body: map[string]string{"stage": "shelter", "reason": m["stage reason (shelter)"]}}},
		{"move to rehabilitation", http.StatusOK, apitest.Request{Method: http.MethodPost, Path: path + "/stage", Token: as.worker,
			Body: map[string]string{"stage": "rehabilitation", "reason": m["stage reason (rehabilitation)"]}}},
		{"put plan", http.StatusOK, apitest.Request{Method: http.MethodPut, Path: path + "/plan", Token: as.sup, Body: map[string]any{
			"needs_assessment": m["plan.needs_assessment"],
			"goals": []map[string]any{
				{"text": m["plan.goals[0].text"], "due_on": "2026-12-31"},
				{"text": m["plan.goals[1].text"]},
			}}}},
		{"add note", http.StatusCreated, apitest.Request{Method: http.MethodPost, Path: path + "/notes", Token: as.worker,
			Body: map[string]string{"text": m["note.text"]}}},
		{"add assistance", http.StatusCreated, apitest.Request{Method: http.MethodPost, Path: path + "/assistance", Token: as.worker,
			Body: map[string]any{"type": "shelter", "status": "in_progress", "started_on": "2025-02-01", "notes": m["assistance.notes"]}}},
	})
}

// confLookForMarkers searches and checks for duplicates with markers:
// both are audited, what was looked for is not. The last check matches
// the case from another organization and so notifies Sezim's supervisors.
func confLookForMarkers(t *testing.T, env *apitest.Env, as confActors, m map[string]string) {
	t.Helper()
	confRun(t, env, []confStep{
		{"search", http.StatusOK, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/search", Token: as.worker,
			Body: map[string]any{"identity": map[string]any{"given_name": m["search given_name"], "family_name": m["search family_name"]}}}},
		{"duplicate check", http.StatusOK, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/duplicates", Token: as.other,
			Body: map[string]any{"identity": map[string]any{"given_name": m["duplicates given_name"], "family_name": m["identity.family_name"],
				"birth_date": confBirth, "document_number": m["duplicates document_number"]}}}},
	})
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/duplicates", Token: as.other,
		Body: map[string]any{"identity": map[string]any{"given_name": m["identity.given_name"], "family_name": m["identity.family_name"], "birth_date": confBirth}}})
	if r.Status != http.StatusOK || r.Map(t)["exists_elsewhere"] != true {
		t.Fatalf("duplicate check with a match elsewhere: %d %s", r.Status, r.Body)
	}
}

// confAssertMarkersReadBack checks that the markers went in: the owner's
// side reads every one of them back.
func confAssertMarkersReadBack(t *testing.T, env *apitest.Env, sup, path string, m map[string]string) {
	t.Helper()
	var readBack bytes.Buffer
	for _, p := range []string{path, path + "/stages", path + "/plan", path + "/notes", path + "/assistance"} {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: p, Token: sup})
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", p, r.Status, r.Body)
		}
		readBack.Write(r.Body)
	}
	for field, v := range m {
		if strings.HasPrefix(field, "search ") || strings.HasPrefix(field, "duplicates ") || field == "identity.address" {
			continue // looked for, or replaced by the patch
		}
		if !bytes.Contains(readBack.Bytes(), []byte(v)) {
			t.Fatalf("the API does not return %s: the marker did not go in", field)
		}
	}
}

// confAssertDumpHoldsNoMarker dumps the whole database with pg_dump and
// looks for the markers in it.
func confAssertDumpHoldsNoMarker(t *testing.T, env *apitest.Env, pgDump, code string, m map[string]string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "jardam.sql")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pgDump, "--format=plain", "--no-password", "--file="+file, "--dbname="+env.DB.SuperDBURL())
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", pgDump, err, out)
	}
	dump, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The dump holds the data: the case's code and its ciphertexts.
	if !bytes.Contains(dump, []byte(code)) || !bytes.Contains(dump, []byte("COPY public.cases")) {
		t.Fatalf("the dump (%d bytes) does not hold the case rows", len(dump))
	}
	confAssertNoMarkers(t, "pg_dump", dump, m)
}

// confAssertTableHoldsNoMarker reads every row of table as the superuser:
// the rows must hold each of wants (what the test did left its trace) and
// no marker.
func confAssertTableHoldsNoMarker(t *testing.T, env *apitest.Env, table string, m map[string]string, wants ...string) {
	t.Helper()
	rows := env.DB.Text(t, `SELECT coalesce(string_agg(x::text, E'\n'), '') FROM `+table+` x`)
	for _, w := range wants {
		if !strings.Contains(rows, w) {
			t.Fatalf("%s holds no %s: nothing to check:\n%s", table, w, rows)
		}
	}
	confAssertNoMarkers(t, table, []byte(rows), m)
}

// confLockedBuffer collects the server's log lines across goroutines.
type confLockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *confLockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *confLockedBuffer) bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

// TestConfidentialMovedCiphertextFailsToDecrypt copies ciphertexts, as
// someone with write access to the database could, to another case, another
// column or another row of the same case: the API must refuse to answer
// rather than show one record's secrets as another's.
func TestConfidentialMovedCiphertextFailsToDecrypt(t *testing.T) {
	t.Parallel()
	lt := &confLogT{T: t}
	env := apitest.New(lt)
	worker := env.Token("caseworker@sezim.kg")
	source := confMakeMarkedCase(t, env, worker)
	for _, tc := range confMoves() {
		t.Run(tc.name, func(t *testing.T) {
			target := confMakeMarkedCase(t, env, worker)
			tc.move(t, env.DB, source.id, target.id)
			hidden := target.markers
			if tc.fromSource {
				hidden = source.markers
			}
			r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + target.id + tc.read, Token: worker})
			confAssertRefused(t, r, hidden)
			if tc.listOnce {
				// Nor does the list show the source's identity a second time.
				r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Token: worker})
				if n := bytes.Count(r.Body, []byte(source.markers["given_name"])); n > 1 {
					t.Errorf("the list shows the source's name %d times", n)
				}
			}
		})
	}
	t.Run("the server's log of the failures shows no identity", func(t *testing.T) {
		logged := lt.text()
		for field, v := range source.markers {
			if strings.Contains(logged, v) {
				t.Errorf("the log shows the source's %s", field)
			}
		}
	})
}

// confMade is a case with markers in its identity, events and stage moves.
type confMade struct {
	id      string
	markers map[string]string
}

// confMakeMarkedCase creates a case with markers, moves it to shelter and
// rehabilitation and checks that it reads back before any tampering.
func confMakeMarkedCase(t *testing.T, env *apitest.Env, worker string) confMade {
	t.Helper()
	ms := map[string]string{
		"given_name": confCyrMarker(), "family_name": confCyrMarker(), "document_number": strings.ToUpper(confMarker("doc")),
		"phone": "+996" + confDigits(12), "address": confMarker("addr"), "contact_person": confCyrMarker(),
		"event0": confMarker("ev"), "event1": confMarker("ev"), "reason0": confMarker("why"), "reason1": confMarker("why"),
	}
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: worker, Body: map[string]any{
		"identity": map[string]any{"given_name": ms["given_name"], "family_name": ms["family_name"], "birth_date": "1991-06-30",
			"document_number": ms["document_number"], "phone": ms["phone"], "address": ms["address"], "contact_person": ms["contact_person"]},
		"trafficking_events": []map[string]any{
			{"kind": "recruitment", "country": "KG", "details": ms["event0"]},
			{"kind": "exploitation", "country": "KZ", "details": ms["event1"]},
		}}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create case: %d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	for i, stage := range []string{"shelter", "rehabilitation"} {
		r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + id + "/stage", Token: worker,
			Body: map[string]string{"stage": stage, "reason": ms[fmt.Sprintf("reason%d", i)]}})
		if r.Status != http.StatusOK {
			t.Fatalf("move to %s: %d %s", stage, r.Status, r.Body)
		}
	}
	for _, p := range []string{"", "/stages"} {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + id + p, Token: worker})
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s before tampering: %d %s", p, r.Status, r.Body)
		}
	}
	return confMade{id, ms}
}

// confAssertRefused checks that a read answers 5xx and shows none of the
// markers.
func confAssertRefused(t *testing.T, r *apitest.Response, markers map[string]string) {
	t.Helper()
	if r.Status < 500 {
		t.Errorf("answered %d, want a 5xx: %s", r.Status, r.Body)
	}
	for field, v := range markers {
		if bytes.Contains(r.Body, []byte(v)) {
			t.Errorf("the answer shows %s: %s", field, r.Body)
		}
	}
}

// confMove is one way of moving ciphertexts in the database.
type confMove struct {
	name string
	// move tampers with the rows of target (and source).
	move func(t *testing.T, db *dbtest.DB, source, target string)
	// read is the read of target that must fail.
	read string
	// fromSource: the source's markers must not show (else the target's).
	fromSource bool
	// listOnce: the case list must not show the source's name twice.
	listOnce bool
}

// confMoves lists the moves TestConfidentialMovedCiphertextFailsToDecrypt
// makes, each on a fresh target case.
func confMoves() []confMove {
	return []confMove{
		{name: "identity_enc copied to another case: 5xx without the source's identity", fromSource: true, listOnce: true,
			move: func(t *testing.T, db *dbtest.DB, source, target string) {
				db.Exec(t, `UPDATE cases SET identity_enc = (SELECT identity_enc FROM cases WHERE id = $1) WHERE id = $2`, source, target)
			}},
		{name: "contact_enc copied to another case: 5xx without the source's contact", fromSource: true,
			move: func(t *testing.T, db *dbtest.DB, source, target string) {
				db.Exec(t, `UPDATE cases SET contact_enc = (SELECT contact_enc FROM cases WHERE id = $1) WHERE id = $2`, source, target)
			}},
		{name: "ciphertexts copied with their wrapped data key to another case: 5xx", fromSource: true,
			move: func(t *testing.T, db *dbtest.DB, source, target string) {
				db.Exec(t, `UPDATE case_keys t SET wrapped = s.wrapped, master_version = s.master_version, key_version = s.key_version
					FROM case_keys s WHERE s.case_id = $1 AND t.case_id = $2`, source, target)
				db.Exec(t, `UPDATE cases t SET identity_enc = s.identity_enc, contact_enc = s.contact_enc
					FROM cases s WHERE s.id = $1 AND t.id = $2`, source, target)
			}},
		{name: "identity_enc moved to contact_enc of the same case: 5xx",
			move: func(t *testing.T, db *dbtest.DB, _, target string) {
				db.Exec(t, `UPDATE cases SET contact_enc = identity_enc WHERE id = $1`, target)
			}},
		{name: "contact_enc moved to identity_enc of the same case: 5xx",
			move: func(t *testing.T, db *dbtest.DB, _, target string) {
				db.Exec(t, `UPDATE cases SET identity_enc = contact_enc WHERE id = $1`, target)
			}},
		{name: "event details moved to another event of the same case (same data key): 5xx",
			move: func(t *testing.T, db *dbtest.DB, _, target string) {
				db.Exec(t, `UPDATE case_events SET details_enc = (SELECT details_enc FROM case_events WHERE case_id = $1 AND position = 0)
					WHERE case_id = $1 AND position = 1`, target)
			}},
		{name: "stage reason moved to another move of the same case (same data key): 5xx on the history", read: "/stages",
			move: func(t *testing.T, db *dbtest.DB, _, target string) {
				db.Exec(t, `UPDATE case_stage_moves SET reason_enc = (SELECT reason_enc FROM case_stage_moves WHERE case_id = $1 AND to_stage = 'shelter')
					WHERE case_id = $1 AND to_stage = 'rehabilitation'`, target)
			}},
	}
}

// TestConfidentialRowLevelSecurityBackstop talks to PostgreSQL as the
// application role, below the services: row-level security alone must keep
// each organization to its own case rows.
func TestConfidentialRowLevelSecurityBackstop(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)
	// The checks share one connection and run in order.
	runSteps(t, w, []step[*rlsWorld]{
		{"no organization set: every case table shows no rows", (*rlsWorld).noOrganizationSeesNoRows},
		{"Sezim set with SET LOCAL: only Sezim's cases", (*rlsWorld).sezimSeesOnlyItsCases},
		{"after the transaction commits: the same connection sees no case", (*rlsWorld).commitLeavesNoOrganization},
		{"after the transaction rolls back: the same connection sees no case", (*rlsWorld).rollbackLeavesNoOrganization},
		{"Sezim set: a case for Sezim may be inserted (control)", (*rlsWorld).sezimInsertsItsCase},
		{"Sezim set: inserting a case for Akzhurok is refused by WITH CHECK", (*rlsWorld).sezimCannotInsertForAkzhurok},
		{"no organization set: inserting any case is refused", (*rlsWorld).noOrganizationCannotInsert},
		{"Sezim set: handing a case to Akzhurok by UPDATE is refused", (*rlsWorld).sezimCannotHandOver},
		{"Sezim set: updating Akzhurok's case changes nothing", (*rlsWorld).sezimCannotUpdateAkzhurok},
		{"Sezim set: Akzhurok's notes cannot be read", (*rlsWorld).sezimCannotReadAkzhurokNotes},
		{"Sezim set: a part of Akzhurok's case naming Sezim as its owner is refused", (*rlsWorld).sezimCannotClaimAkzhurokParts},
		{"Akzhurok set: case_blind_index shows only Akzhurok's rows", (*rlsWorld).akzhurokSeesOnlyItsBlindIndex},
		{"the application role neither owns tables nor bypasses row-level security", (*rlsWorld).appRoleIsPlain},
		{"no function but jardam_duplicate_elsewhere reads the blind index or case secrets with the owner's rights for the application role", (*rlsWorld).noDefinerFunctionReadsSecrets},
		{"no view lets the application role read past row-level security", (*rlsWorld).noViewBypassesRLS},
	})
}

// rlsCaseTables are the tables that hold case rows.
var rlsCaseTables = []string{"cases", "case_keys", "case_assignments", "case_stage_moves", "case_events", "case_plans",
	"case_blind_index", "case_notes", "assistance"}

// rlsWorld is two cases of Sezim and one of Akzhurok, each with a stage
// move, a plan, a note and assistance, and one connection as the
// application role.
type rlsWorld struct {
	env             *apitest.Env
	db              *gorm.DB
	sezim, akzhurok string
	sezimCases      []string
	akCase          string
}

func newRLSWorld(t *testing.T) *rlsWorld {
	t.Helper()
	env := apitest.New(t)
	sezimWorker := env.Token("caseworker@sezim.kg")
	akWorker := env.Token("caseworker@akzhurok.kg")
	w := &rlsWorld{env: env, sezim: env.OrgID("SEZIM"), akzhurok: env.OrgID("AKZHUROK")}
	w.sezimCases = []string{rlsPopulate(t, env, sezimWorker, "Айгүл"), rlsPopulate(t, env, sezimWorker, "Айзада")}
	w.akCase = rlsPopulate(t, env, akWorker, "Гүлнара")
	// One connection only, so that "the same pooled connection" is certain.
	db, err := database.Open(context.Background(), env.DB.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { database.Close(db) })
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1)
	w.db = db
	return w
}

// rlsPopulate creates a case with a row in every case table and returns
// its id.
func rlsPopulate(t *testing.T, env *apitest.Env, tok, given string) string {
	t.Helper()
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: tok, Body: map[string]any{
		"identity":           map[string]any{"given_name": given, "family_name": "Токтосунова", "birth_date": "1999-04-12", "document_number": "ID " + confDigits(7)},
		"trafficking_events": []map[string]any{{"kind": "exploitation", "country": "RU", "details": "x"}},
	}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create case: %d %s", r.Status, r.Body)
	}
	p := "/api/v1/cases/" + r.Map(t)["id"].(string)
	for _, req := range []apitest.Request{
		{Method: http.MethodPost, Path: p + "/stage", Body: map[string]string{"stage": "shelter", "reason": "x"}},
		{Method: http.MethodPut, Path: p + "/plan", Body: map[string]any{"needs_assessment": "x", "goals": []any{}}},
		{Method: http.MethodPost, Path: p + "/notes", Body: map[string]string{"text": "x"}},
		{Method: http.MethodPost, Path: p + "/assistance", Body: map[string]any{"type": "shelter"}},
	} {
		req.Token = tok
		if r := env.Do(req); r.Status >= 300 {
			t.Fatalf("%s %s: %d %s", req.Method, req.Path, r.Status, r.Body)
		}
	}
	return strings.TrimPrefix(p, "/api/v1/cases/")
}

// rlsCount runs a count query on q.
func rlsCount(t *testing.T, q *gorm.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := q.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// inOrg runs fn in a transaction with SET LOCAL jardam.org_id, committing
// when fn returns nil.
func (w *rlsWorld) inOrg(t *testing.T, org string, fn func(tx *gorm.DB) error) error {
	return w.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL jardam.org_id = '` + confUUID(t, org) + `'`).Error; err != nil {
			return err
		}
		return fn(tx)
	})
}

// inOrgOrFail is inOrg failing the test on an error.
func (w *rlsWorld) inOrgOrFail(t *testing.T, org string, fn func(tx *gorm.DB)) {
	t.Helper()
	if err := w.inOrg(t, org, func(tx *gorm.DB) error { fn(tx); return nil }); err != nil {
		t.Fatal(err)
	}
}

// rlsInsertCase inserts a bare case owned by owner.
func rlsInsertCase(tx *gorm.DB, owner string) error {
	return tx.Exec(`INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, identified_at)
		VALUES (?, ?, ?, ?, 'identification', 'open', now())`, uuid.NewString(), "RLS-"+confDigits(8), owner, owner).Error
}

// rlsAssertViolation fails unless err is a row-level security refusal.
func rlsAssertViolation(t *testing.T, err error) {
	t.Helper()
	if !confIsRLSViolation(err) {
		t.Fatalf("err = %v, want a row-level security violation (42501)", err)
	}
}

func (w *rlsWorld) noOrganizationSeesNoRows(t *testing.T) {
	for _, table := range rlsCaseTables {
		if n := w.env.DB.Count(t, `SELECT count(*) FROM `+table); n == 0 {
			t.Fatalf("%s: no rows as superuser, nothing to hide", table)
		}
		if n := rlsCount(t, w.db, `SELECT count(*) FROM `+table); n != 0 {
			t.Errorf("%s: the application role sees %d rows without an organization", table, n)
		}
		if n := rlsCount(t, w.env.DB.App, `SELECT count(*) FROM `+table); n != 0 {
			t.Errorf("%s: the service's pool sees %d rows without an organization", table, n)
		}
	}
}

func (w *rlsWorld) sezimSeesOnlyItsCases(t *testing.T) {
	want := w.env.DB.Count(t, `SELECT count(*) FROM cases WHERE owner_organization_id = $1`, w.sezim)
	if want != int64(len(w.sezimCases)) {
		t.Fatalf("superuser sees %d Sezim cases, want %d", want, len(w.sezimCases))
	}
	w.inOrgOrFail(t, w.sezim, func(tx *gorm.DB) {
		if n := rlsCount(t, tx, `SELECT count(*) FROM cases`); n != want {
			t.Errorf("sees %d cases, want Sezim's %d", n, want)
		}
		if n := rlsCount(t, tx, `SELECT count(*) FROM cases WHERE owner_organization_id <> ?`, w.sezim); n != 0 {
			t.Errorf("sees %d cases of other organizations", n)
		}
		if n := rlsCount(t, tx, `SELECT count(*) FROM cases WHERE id = ?`, w.akCase); n != 0 {
			t.Error("sees Akzhurok's case")
		}
		for _, table := range rlsCaseTables[1:] {
			own := w.env.DB.Count(t, `SELECT count(*) FROM `+table+` x JOIN cases c ON c.id = x.case_id WHERE c.owner_organization_id = $1`, w.sezim)
			if table == "case_notes" {
				own = w.env.DB.Count(t, `SELECT count(*) FROM case_notes WHERE organization_id = $1`, w.sezim)
			}
			if n := rlsCount(t, tx, `SELECT count(*) FROM `+table); n != own {
				t.Errorf("%s: sees %d rows, want Sezim's %d", table, n, own)
			}
		}
	})
}

func (w *rlsWorld) commitLeavesNoOrganization(t *testing.T) {
	var inside int64
	w.inOrgOrFail(t, w.sezim, func(tx *gorm.DB) {
		inside = rlsCount(t, tx, `SELECT pg_backend_pid()`)
		if n := rlsCount(t, tx, `SELECT count(*) FROM cases`); n == 0 {
			t.Error("sees no case inside the transaction")
		}
	})
	if after := rlsCount(t, w.db, `SELECT pg_backend_pid()`); after != inside {
		t.Fatalf("another connection (%d, then %d)", inside, after)
	}
	if n := rlsCount(t, w.db, `SELECT count(*) FROM cases`); n != 0 {
		t.Errorf("sees %d cases after the commit", n)
	}
	var setting string
	if err := w.db.Raw(`SELECT coalesce(current_setting('jardam.org_id', true), '')`).Scan(&setting).Error; err != nil {
		t.Fatal(err)
	}
	if setting != "" {
		t.Errorf("jardam.org_id outlived its transaction: %q", setting)
	}
}

func (w *rlsWorld) rollbackLeavesNoOrganization(t *testing.T) {
	errRollback := errors.New("roll back")
	if err := w.inOrg(t, w.sezim, func(tx *gorm.DB) error { return errRollback }); !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if n := rlsCount(t, w.db, `SELECT count(*) FROM cases`); n != 0 {
		t.Errorf("sees %d cases after the rollback", n)
	}
}

func (w *rlsWorld) sezimInsertsItsCase(t *testing.T) {
	errRollback := errors.New("roll back")
	err := w.inOrg(t, w.sezim, func(tx *gorm.DB) error {
		if err := rlsInsertCase(tx, w.sezim); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("insert for the organization set: %v", err)
	}
}

func (w *rlsWorld) sezimCannotInsertForAkzhurok(t *testing.T) {
	rlsAssertViolation(t, w.inOrg(t, w.sezim, func(tx *gorm.DB) error { return rlsInsertCase(tx, w.akzhurok) }))
	if n := w.env.DB.Count(t, `SELECT count(*) FROM cases WHERE code LIKE 'RLS-%'`); n != 0 {
		t.Fatalf("%d cases inserted", n)
	}
}

func (w *rlsWorld) noOrganizationCannotInsert(t *testing.T) {
	rlsAssertViolation(t, w.db.Transaction(func(tx *gorm.DB) error { return rlsInsertCase(tx, w.sezim) }))
}

func (w *rlsWorld) sezimCannotHandOver(t *testing.T) {
	rlsAssertViolation(t, w.inOrg(t, w.sezim, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE cases SET owner_organization_id = ? WHERE id = ?`, w.akzhurok, w.sezimCases[0]).Error
	}))
	if n := w.env.DB.Count(t, `SELECT count(*) FROM cases WHERE id = $1 AND owner_organization_id = $2`, w.sezimCases[0], w.sezim); n != 1 {
		t.Fatal("the case changed hands")
	}
}

func (w *rlsWorld) sezimCannotUpdateAkzhurok(t *testing.T) {
	err := w.inOrg(t, w.sezim, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE cases SET risk_level = 'high' WHERE id = ?`, w.akCase)
		if res.Error == nil && res.RowsAffected != 0 {
			t.Errorf("%d rows updated", res.RowsAffected)
		}
		return res.Error
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sezimCannotClaimAkzhurokParts: the owner a part carries is the database's
// copy of its case's (migration 0041), whatever the writer says: a part of
// another organization's case naming the writer's organization is refused,
// and rewriting the owner of a part, its own or another's, changes nothing.
func (w *rlsWorld) sezimCannotClaimAkzhurokParts(t *testing.T) {
	err := w.inOrg(t, w.sezim, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO case_stage_moves (case_id, to_stage, owner_organization_id) VALUES (?, 'shelter', ?)`,
			w.akCase, w.sezim).Error
	})
	rlsAssertViolation(t, err)
	w.inOrgOrFail(t, w.sezim, func(tx *gorm.DB) {
		if err := tx.Exec(`UPDATE case_plans SET owner_organization_id = ? WHERE case_id = ?`, w.sezim, w.akCase).Error; err != nil {
			t.Errorf("update of Akzhurok's plans: %v", err)
		}
		if err := tx.Exec(`UPDATE case_plans SET owner_organization_id = ? WHERE case_id = ?`, w.akzhurok, w.sezimCases[0]).Error; err != nil {
			t.Errorf("update of Sezim's own plans: %v", err)
		}
	})
	for _, c := range append([]string{w.akCase}, w.sezimCases...) {
		if n := w.env.DB.Count(t, `SELECT count(*) FROM case_plans p JOIN cases c ON c.id = p.case_id
			WHERE p.case_id = $1 AND p.owner_organization_id <> c.owner_organization_id`, c); n != 0 {
			t.Errorf("case %s: %d plans carry another owner than their case's", c, n)
		}
	}
	if n := w.env.DB.Count(t, `SELECT count(*) FROM case_plans WHERE case_id = $1`, w.sezimCases[0]); n == 0 {
		t.Error("no plan of Sezim's to rewrite (control)")
	}
}

func (w *rlsWorld) sezimCannotReadAkzhurokNotes(t *testing.T) {
	if n := w.env.DB.Count(t, `SELECT count(*) FROM case_notes WHERE case_id = $1`, w.akCase); n == 0 {
		t.Fatal("no note of Akzhurok to hide")
	}
	w.inOrgOrFail(t, w.sezim, func(tx *gorm.DB) {
		if n := rlsCount(t, tx, `SELECT count(*) FROM case_notes WHERE case_id = ? OR organization_id = ?`, w.akCase, w.akzhurok); n != 0 {
			t.Errorf("sees %d of Akzhurok's notes", n)
		}
		if n := rlsCount(t, tx, `SELECT count(*) FROM case_notes WHERE case_id = ?`, w.sezimCases[0]); n == 0 {
			t.Error("does not see its own notes (control)")
		}
	})
}

func (w *rlsWorld) akzhurokSeesOnlyItsBlindIndex(t *testing.T) {
	own := w.env.DB.Count(t, `SELECT count(*) FROM case_blind_index b JOIN cases c ON c.id = b.case_id WHERE c.owner_organization_id = $1`, w.akzhurok)
	all := w.env.DB.Count(t, `SELECT count(*) FROM case_blind_index`)
	if own == 0 || all <= own {
		t.Fatalf("blind index rows: %d of Akzhurok in %d", own, all)
	}
	w.inOrgOrFail(t, w.akzhurok, func(tx *gorm.DB) {
		if n := rlsCount(t, tx, `SELECT count(*) FROM case_blind_index`); n != own {
			t.Errorf("sees %d rows, want Akzhurok's %d (of %d)", n, own, all)
		}
		if n := rlsCount(t, tx, `SELECT count(*) FROM case_blind_index WHERE case_id IN ?`, w.sezimCases); n != 0 {
			t.Errorf("sees %d of Sezim's rows", n)
		}
	})
}

func (w *rlsWorld) appRoleIsPlain(t *testing.T) {
	if n := w.env.DB.Count(t, `SELECT count(*) FROM pg_roles WHERE rolname = $1 AND NOT rolsuper AND NOT rolbypassrls`, database.AppRole); n != 1 {
		t.Fatal("the application role is a superuser or bypasses row-level security")
	}
	if n := w.env.DB.Count(t, `SELECT count(*) FROM pg_tables WHERE tableowner = $1`, database.AppRole); n != 0 {
		t.Fatalf("the application role owns %d tables (owners pass row-level security)", n)
	}
	for _, table := range rlsCaseTables {
		if n := w.env.DB.Count(t, `SELECT count(*) FROM pg_class WHERE oid = $1::regclass AND relrowsecurity`, "public."+table); n != 1 {
			t.Errorf("%s: row-level security is not enabled", table)
		}
	}
}

// noDefinerFunctionReadsSecrets: SECURITY DEFINER functions run with their
// owner's rights, past row-level security. The application role may call a
// few (the duplicate check, the referral notices); only the duplicate check
// may read the blind index, and none may touch ciphertexts, data keys or
// notes, except the one that destroys: jardam_carry_out_erasures sets the
// data keys of due, approved erasures to NULL and deletes their blind-index
// rows, and answers ids only.
func (w *rlsWorld) noDefinerFunctionReadsSecrets(t *testing.T) {
	const callable = `SELECT coalesce(string_agg(p.oid::regprocedure::text, ', ' ORDER BY 1), '') FROM pg_proc p
		WHERE p.prosecdef AND has_function_privilege('` + database.AppRole + `', p.oid, 'EXECUTE')`
	all := w.env.DB.Text(t, callable)
	if !strings.Contains(all, "jardam_duplicate_elsewhere(bytea[],text[],uuid[])") {
		t.Fatalf("the duplicate check is not among the functions the application role may call: %q", all)
	}
	t.Logf("SECURITY DEFINER functions the application role may call: %s", all)
	got := w.env.DB.Text(t, callable+`
		  AND p.proname NOT IN ('jardam_duplicate_elsewhere', 'jardam_carry_out_erasures')
		  -- Contact retention writes NULL over the sealed columns of
		  -- expired contacts and answers their ids only (checked below).
		  AND p.proname <> 'jardam_erase_expired_contacts'
		  AND p.prosrc ~* '(case_blind_index|identity_enc|contact_enc|details_enc|reason_enc|plan_enc|text_enc|notes_enc|case_keys|case_notes)'`)
	if got != "" {
		t.Fatalf("functions reading case secrets with the owner's rights: %s", got)
	}
	if n := w.env.DB.Count(t, `SELECT count(*) FROM pg_proc WHERE proname = 'jardam_erase_expired_contacts'
		AND proretset AND prorettype = 'uuid'::regtype`); n != 1 {
		t.Error("contact retention must answer the erased contacts' ids only")
	}
	if res := w.env.DB.Text(t, `SELECT pg_get_function_result('jardam_carry_out_erasures(uuid, integer)'::regprocedure)`); res != "TABLE(request_id uuid, case_id uuid, organization_id uuid)" {
		t.Fatalf("the erasure function answers %s, not ids only", res)
	}
}

func (w *rlsWorld) noViewBypassesRLS(t *testing.T) {
	got := w.env.DB.Text(t, `SELECT coalesce(string_agg(c.relname, ', '), '') FROM pg_class c
		WHERE c.relkind IN ('v', 'm') AND c.relnamespace = 'public'::regnamespace
		  AND has_table_privilege('`+database.AppRole+`', c.oid, 'SELECT')
		  AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)`)
	if got != "" {
		t.Fatalf("views readable with the owner's rights: %s", got)
	}
}

// TestConfidentialDuplicateFunctionAnswersOnlyBoolean checks the one door
// past row-level security: jardam_duplicate_elsewhere says whether a case
// elsewhere holds the tokens, and nothing about which.
func TestConfidentialDuplicateFunctionAnswersOnlyBoolean(t *testing.T) {
	t.Parallel()
	w := newDupWorld(t)
	runSteps(t, w, []step[*dupWorld]{
		{"a match elsewhere: one boolean column, one row, true", (*dupWorld).matchElsewhereIsTrue},
		{"no match: one boolean column, one row, false", (*dupWorld).noMatchIsFalse},
		{"a visible match does not count as elsewhere: false", (*dupWorld).visibleMatchIsFalse},
		{"the function's signature returns one boolean, no set, no OUT arguments", (*dupWorld).signatureIsOneBoolean},
		{"the application role cannot see which case matched", (*dupWorld).matchStaysHidden},
		{"through the API: exists_elsewhere only, neither id nor code", (*dupWorld).apiAnswersOnlyExistsElsewhere},
	})
}

// dupWorld is a case of Sezim, the blind index tokens of its identity, and
// Akzhurok's caseworker who looks for it.
type dupWorld struct {
	env                        *apitest.Env
	akWorker, akzhurok, akUser string
	given, family, birth       string
	sezimID, sezimCode         string
	kinds                      database.Array[string]
	tokens                     database.Array[[]byte]
}

func newDupWorld(t *testing.T) *dupWorld {
	t.Helper()
	env := apitest.New(t)
	w := &dupWorld{env: env, akWorker: env.Token("caseworker@akzhurok.kg"), akzhurok: env.OrgID("AKZHUROK"),
		akUser: env.UserID("caseworker@akzhurok.kg"), given: confCyrMarker(), family: confCyrMarker(), birth: "1997-08-21"}
	doc := "AN" + confDigits(7)
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: env.Token("caseworker@sezim.kg"), Body: map[string]any{
		"identity": map[string]any{"given_name": w.given, "family_name": w.family, "birth_date": w.birth, "document_number": doc}}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create case: %d %s", r.Status, r.Body)
	}
	sezimCase := r.Map(t)
	w.sezimID, w.sezimCode = sezimCase["id"].(string), sezimCase["code"].(string)
	idx := env.Keyring.Index
	for _, tk := range idx.NameKeys(w.given, w.family, "", w.birth) {
		w.kinds, w.tokens = append(w.kinds, "name_birth"), append(w.tokens, tk)
	}
	w.kinds, w.tokens = append(w.kinds, "document"), append(w.tokens, idx.DocumentKey(doc))
	if n := env.DB.Count(t, `SELECT count(*) FROM case_blind_index WHERE token = ANY($1::bytea[])`, [][]byte(w.tokens)); n != int64(len(w.tokens)) {
		t.Fatalf("the case holds %d of the %d tokens: the test computes other tokens than the service", n, len(w.tokens))
	}
	return w
}

// asAkzhurok runs fn in a transaction of the application role for
// Akzhurok's caseworker.
func (w *dupWorld) asAkzhurok(fn func(tx *gorm.DB) error) error {
	return w.env.DB.App.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT set_config('jardam.org_id', ?, true), set_config('jardam.user_id', ?, true)`, w.akzhurok, w.akUser).Error; err != nil {
			return err
		}
		return fn(tx)
	})
}

// call runs the function as the application role for Akzhurok's
// caseworker and returns the column types and the rows it answered.
func (w *dupWorld) call(t *testing.T, kinds database.Array[string], tokens database.Array[[]byte], visible database.Array[string]) ([]string, []bool) {
	t.Helper()
	var types []string
	var values []bool
	err := w.asAkzhurok(func(tx *gorm.DB) error {
		rows, err := tx.Raw(`SELECT jardam_duplicate_elsewhere(?::bytea[], ?::text[], ?::uuid[])`, tokens, kinds, visible).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		cts, err := rows.ColumnTypes()
		if err != nil {
			return err
		}
		for _, ct := range cts {
			types = append(types, ct.DatabaseTypeName())
		}
		for rows.Next() {
			var b bool
			if err := rows.Scan(&b); err != nil {
				return err
			}
			values = append(values, b)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	return types, values
}

func (w *dupWorld) matchElsewhereIsTrue(t *testing.T) {
	types, values := w.call(t, w.kinds, w.tokens, database.Array[string]{})
	if len(types) != 1 || types[0] != "BOOL" || len(values) != 1 || !values[0] {
		t.Fatalf("columns %v, rows %v", types, values)
	}
}

func (w *dupWorld) noMatchIsFalse(t *testing.T) {
	other := w.env.Keyring.Index.NameKeys(confCyrMarker(), confCyrMarker(), "", w.birth)
	types, values := w.call(t, database.Array[string]{"name_birth"}, database.Array[[]byte]{other[0]}, database.Array[string]{})
	if len(types) != 1 || types[0] != "BOOL" || len(values) != 1 || values[0] {
		t.Fatalf("columns %v, rows %v", types, values)
	}
}

func (w *dupWorld) visibleMatchIsFalse(t *testing.T) {
	_, values := w.call(t, w.kinds, w.tokens, database.Array[string]{w.sezimID})
	if len(values) != 1 || values[0] {
		t.Fatalf("rows %v", values)
	}
}

func (w *dupWorld) signatureIsOneBoolean(t *testing.T) {
	n := w.env.DB.Count(t, `SELECT count(*) FROM pg_proc WHERE proname = 'jardam_duplicate_elsewhere'
		AND prorettype = 'boolean'::regtype AND NOT proretset AND proargmodes IS NULL AND pronargs = 3`)
	if n != 1 {
		t.Fatal("jardam_duplicate_elsewhere is not a plain boolean function of three arguments")
	}
	if n := w.env.DB.Count(t, `SELECT count(*) FROM pg_proc WHERE proname = 'jardam_duplicate_elsewhere'`); n != 1 {
		t.Fatalf("%d overloads of jardam_duplicate_elsewhere", n)
	}
	if n := w.env.DB.Count(t, `SELECT count(*) FROM pg_proc WHERE proname = 'jardam_duplicate_elsewhere' AND has_function_privilege('public', oid, 'EXECUTE')`); n != 0 {
		t.Fatal("PUBLIC may execute jardam_duplicate_elsewhere")
	}
}

func (w *dupWorld) matchStaysHidden(t *testing.T) {
	w.call(t, w.kinds, w.tokens, database.Array[string]{})
	if n := w.env.DB.Count(t, `SELECT count(*) FROM notifications WHERE ref_code = $1`, w.sezimCode); n == 0 {
		t.Fatal("the match notified nobody: nothing to hide")
	}
	checks := []struct {
		what  string
		query string
		args  []any
	}{
		{"the matching blind index rows", `SELECT count(*) FROM case_blind_index WHERE token = ANY(?::bytea[])`, []any{w.tokens}},
		{"the matching case", `SELECT count(*) FROM cases WHERE id = ? OR code = ?`, []any{w.sezimID, w.sezimCode}},
		{"its data key", `SELECT count(*) FROM case_keys WHERE case_id = ?`, []any{w.sezimID}},
		{"its assignments", `SELECT count(*) FROM case_assignments WHERE case_id = ?`, []any{w.sezimID}},
		{"the notifications naming it", `SELECT count(*) FROM notifications WHERE ref_code = ?`, []any{w.sezimCode}},
	}
	err := w.asAkzhurok(func(tx *gorm.DB) error {
		for _, c := range checks {
			var n int64
			if err := tx.Raw(c.query, c.args...).Scan(&n).Error; err != nil {
				return fmt.Errorf("%s: %w", c.what, err)
			}
			if n != 0 {
				t.Errorf("Akzhurok sees %s (%d rows)", c.what, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (w *dupWorld) apiAnswersOnlyExistsElsewhere(t *testing.T) {
	r := w.env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/duplicates", Token: w.akWorker,
		Body: map[string]any{"identity": map[string]any{"given_name": w.given, "family_name": w.family, "birth_date": w.birth}}})
	if r.Status != http.StatusOK {
		t.Fatalf("duplicates: %d %s", r.Status, r.Body)
	}
	got := r.Map(t)
	if got["exists_elsewhere"] != true || len(got["matches"].([]any)) != 0 {
		t.Fatalf("answer %s", r.Body)
	}
	if bytes.Contains(r.Body, []byte(w.sezimID)) || bytes.Contains(r.Body, []byte(w.sezimCode)) {
		t.Fatalf("the answer names the case: %s", r.Body)
	}
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "exists_elsewhere,matches" {
		t.Fatalf("answer fields %v", keys)
	}
}

// confLogT is a testing.TB that also keeps what the server logs through
// it (apitest sends the server's warnings and errors to t.Log).
type confLogT struct {
	*testing.T
	mu    sync.Mutex
	lines []string
}

func (c *confLogT) Log(args ...any) {
	c.mu.Lock()
	c.lines = append(c.lines, fmt.Sprint(args...))
	c.mu.Unlock()
	c.T.Log(args...)
}

func (c *confLogT) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.lines, "\n")
}

// confFindPgDump returns the path of pg_dump, on PATH or in PostgreSQL's
// Debian directories, newest version first. It fails the test without it.
func confFindPgDump(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("pg_dump"); err == nil {
		return p
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
	sort.Sort(sort.Reverse(sort.StringSlice(found)))
	if len(found) > 0 {
		return found[0]
	}
	t.Fatal("pg_dump not found on PATH nor in /usr/lib/postgresql/*/bin: install the PostgreSQL 15 client tools (apt-get install postgresql-client-15)")
	return ""
}

// confUUID returns s when it is a UUID (so it may be written into SET).
func confUUID(t *testing.T, s string) string {
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatalf("not a UUID: %q", s)
	}
	return id.String()
}

// confIsRLSViolation reports a row-level security refusal.
func confIsRLSViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42501" && strings.Contains(pgErr.Message, "row-level security")
}

// confMarker returns a unique ASCII marker.
func confMarker(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "zq" + prefix + hex.EncodeToString(b)
}

// confDigits returns n random digits.
func confDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

// confCyrMarker returns a unique name-like marker in Kyrgyz Cyrillic,
// capitalized, whose normalized form is long enough to be unique too.
func confCyrMarker() string {
	const letters = "бвгдзклмнпрстфчшжабвгдзклмнпрстфчшж"
	const vowels = "аоуыиэөү"
	lr, vr := []rune(letters), []rune(vowels)
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	var out []rune
	for i, x := range b {
		if i%2 == 0 {
			out = append(out, lr[int(x)%len(lr)])
		} else {
			out = append(out, vr[int(x)%len(vr)])
		}
	}
	s := string(out)
	return strings.ToUpper(string([]rune(s)[:1])) + string([]rune(s)[1:])
}

// confAssertNoMarkers fails when text holds a marker: as sent, in lower or
// upper case, normalized as the blind index normalizes names and
// documents, or as the hex of its UTF-8 bytes (how pg_dump writes bytea).
func confAssertNoMarkers(t *testing.T, where string, text []byte, markers map[string]string) {
	t.Helper()
	lower := bytes.ToLower(text)
	for field, v := range markers {
		forms := map[string]string{
			"as sent":       v,
			"hex":           hex.EncodeToString([]byte(v)),
			"normalized":    jcrypto.NormalizeName(v),
			"document form": jcrypto.NormalizeDocument(v),
		}
		for form, f := range forms {
			if len([]rune(f)) < 10 {
				continue
			}
			if bytes.Contains(lower, bytes.ToLower([]byte(f))) {
				t.Errorf("%s holds the marker of %s (%s)", where, field, form)
			}
		}
	}
}
