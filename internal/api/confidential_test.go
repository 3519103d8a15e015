package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
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
	worker := env.Token("caseworker@sezim.kg")
	sup := env.Token("supervisor@sezim.kg")
	other := env.Token("caseworker@akzhurok.kg")

	m := map[string]string{
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
	const birth = "1994-02-03"

	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: worker,
		Header: map[string]string{"Idempotency-Key": "confidential-1"},
		Body: map[string]any{
			"sex": "female", "citizenship": "KG", "region_of_origin": "chui",
			"exploitation_types": []string{"forced_labour"}, "countries_of_exploitation": []string{"RU"},
			"identity": map[string]any{
				"given_name": m["identity.given_name"], "family_name": m["identity.family_name"],
				"patronymic": m["identity.patronymic"],
				"aliases":    []string{m["identity.aliases[0]"], m["identity.aliases[1]"]},
				"birth_date": birth, "document_number": m["identity.document_number"],
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
	id, code := c["id"].(string), c["code"].(string)
	path := "/api/v1/cases/" + id

	r = env.Do(apitest.Request{Method: http.MethodPatch, Path: path, Token: worker, Header: map[string]string{"If-Match": `"1"`},
		Body: map[string]any{"identity": map[string]any{"address": m["identity.address (patched)"],
			"aliases": []string{m["identity.aliases[0]"], m["identity.aliases[1]"], m["identity.aliases[2] (patched)"]}}}})
	if r.Status != http.StatusOK {
		t.Fatalf("patch identity: %d %s", r.Status, r.Body)
	}
	for _, mv := range []struct{ stage, reason string }{
		{"shelter", m["stage reason (shelter)"]}, {"rehabilitation", m["stage reason (rehabilitation)"]},
	} {
		r = env.Do(apitest.Request{Method: http.MethodPost, Path: path + "/stage", Token: worker,
			Body: map[string]string{"stage": mv.stage, "reason": mv.reason}})
		if r.Status != http.StatusOK {
			t.Fatalf("move to %s: %d %s", mv.stage, r.Status, r.Body)
		}
	}
	r = env.Do(apitest.Request{Method: http.MethodPut, Path: path + "/plan", Token: sup, Body: map[string]any{
		"needs_assessment": m["plan.needs_assessment"],
		"goals": []map[string]any{
			{"text": m["plan.goals[0].text"], "due_on": "2026-12-31"},
			{"text": m["plan.goals[1].text"]},
		}}})
	if r.Status != http.StatusOK {
		t.Fatalf("put plan: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Request{Method: http.MethodPost, Path: path + "/notes", Token: worker,
		Body: map[string]string{"text": m["note.text"]}})
	if r.Status != http.StatusCreated {
		t.Fatalf("add note: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Request{Method: http.MethodPost, Path: path + "/assistance", Token: worker,
		Body: map[string]any{"type": "shelter", "status": "in_progress", "started_on": "2025-02-01", "notes": m["assistance.notes"]}})
	if r.Status != http.StatusCreated {
		t.Fatalf("add assistance: %d %s", r.Status, r.Body)
	}
	// Searches and duplicate checks are audited; what was looked for is not.
	r = env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/search", Token: worker,
		Body: map[string]any{"identity": map[string]any{"given_name": m["search given_name"], "family_name": m["search family_name"]}}})
	if r.Status != http.StatusOK {
		t.Fatalf("search: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/duplicates", Token: other,
		Body: map[string]any{"identity": map[string]any{"given_name": m["duplicates given_name"], "family_name": m["identity.family_name"],
			"birth_date": birth, "document_number": m["duplicates document_number"]}}})
	if r.Status != http.StatusOK {
		t.Fatalf("duplicate check: %d %s", r.Status, r.Body)
	}
	// A match in another organization notifies Sezim's supervisors.
	r = env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/duplicates", Token: other,
		Body: map[string]any{"identity": map[string]any{"given_name": m["identity.given_name"], "family_name": m["identity.family_name"], "birth_date": birth}}})
	if r.Status != http.StatusOK || r.Map(t)["exists_elsewhere"] != true {
		t.Fatalf("duplicate check with a match elsewhere: %d %s", r.Status, r.Body)
	}

	// The markers went in: the owner's side reads every one of them back.
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

	t.Run("pg_dump of the whole database holds no marker", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "jardam.sql")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, pgDump, "--format=plain", "--no-password", "--file="+file, "--dbname="+confSuperDBURL(env))
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
	})
	t.Run("audit entries hold no marker", func(t *testing.T) {
		rows := confSuperText(t, env, `SELECT coalesce(string_agg(a::text, E'\n'), '') FROM audit_entries a`)
		if !strings.Contains(rows, "case.duplicate_check") || !strings.Contains(rows, "case.search") {
			t.Fatalf("the searches were not audited:\n%s", rows)
		}
		confAssertNoMarkers(t, "audit_entries", []byte(rows), m)
	})
	t.Run("notifications hold no marker", func(t *testing.T) {
		rows := confSuperText(t, env, `SELECT coalesce(string_agg(n::text, E'\n'), '') FROM notifications n`)
		if !strings.Contains(rows, "duplicate_check_match") {
			t.Fatalf("no duplicate check notification:\n%s", rows)
		}
		confAssertNoMarkers(t, "notifications", []byte(rows), m)
	})
	t.Run("the server's log holds no marker", func(t *testing.T) {
		logged := serverLog.bytes()
		if !strings.Contains(string(logged), `"route":"/api/v1/cases/:id"`) {
			t.Fatalf("the log was not captured:\n%s", logged)
		}
		confAssertNoMarkers(t, "server log", logged, m)
	})
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

	type made struct {
		id      string
		markers map[string]string
	}
	mk := func() made {
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
		return made{id, ms}
	}
	source := mk()
	get := func(suffix, id string) *apitest.Response {
		return env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + id + suffix, Token: worker})
	}
	// refused checks that a read answers 5xx and shows none of the markers.
	refused := func(t *testing.T, r *apitest.Response, markers ...map[string]string) {
		t.Helper()
		if r.Status < 500 {
			t.Errorf("answered %d, want a 5xx: %s", r.Status, r.Body)
		}
		for _, ms := range markers {
			for field, v := range ms {
				if bytes.Contains(r.Body, []byte(v)) {
					t.Errorf("the answer shows %s: %s", field, r.Body)
				}
			}
		}
	}

	t.Run("identity_enc copied to another case: 5xx without the source's identity", func(t *testing.T) {
		target := mk()
		env.DB.Exec(t, `UPDATE cases SET identity_enc = (SELECT identity_enc FROM cases WHERE id = $1) WHERE id = $2`, source.id, target.id)
		refused(t, get("", target.id), source.markers)
		// Nor does the list show the source's identity a second time.
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Token: worker})
		if n := bytes.Count(r.Body, []byte(source.markers["given_name"])); n > 1 {
			t.Errorf("the list shows the source's name %d times", n)
		}
	})
	t.Run("contact_enc copied to another case: 5xx without the source's contact", func(t *testing.T) {
		target := mk()
		env.DB.Exec(t, `UPDATE cases SET contact_enc = (SELECT contact_enc FROM cases WHERE id = $1) WHERE id = $2`, source.id, target.id)
		refused(t, get("", target.id), source.markers)
	})
	t.Run("ciphertexts copied with their wrapped data key to another case: 5xx", func(t *testing.T) {
		target := mk()
		env.DB.Exec(t, `UPDATE case_keys t SET wrapped = s.wrapped, master_version = s.master_version, key_version = s.key_version
			FROM case_keys s WHERE s.case_id = $1 AND t.case_id = $2`, source.id, target.id)
		env.DB.Exec(t, `UPDATE cases t SET identity_enc = s.identity_enc, contact_enc = s.contact_enc
			FROM cases s WHERE s.id = $1 AND t.id = $2`, source.id, target.id)
		refused(t, get("", target.id), source.markers)
	})
	t.Run("identity_enc moved to contact_enc of the same case: 5xx", func(t *testing.T) {
		target := mk()
		env.DB.Exec(t, `UPDATE cases SET contact_enc = identity_enc WHERE id = $1`, target.id)
		refused(t, get("", target.id), target.markers)
	})
	t.Run("contact_enc moved to identity_enc of the same case: 5xx", func(t *testing.T) {
		target := mk()
		env.DB.Exec(t, `UPDATE cases SET identity_enc = contact_enc WHERE id = $1`, target.id)
		refused(t, get("", target.id), target.markers)
	})
	t.Run("event details moved to another event of the same case (same data key): 5xx", func(t *testing.T) {
		target := mk()
		env.DB.Exec(t, `UPDATE case_events SET details_enc = (SELECT details_enc FROM case_events WHERE case_id = $1 AND position = 0)
			WHERE case_id = $1 AND position = 1`, target.id)
		refused(t, get("", target.id), target.markers)
	})
	t.Run("stage reason moved to another move of the same case (same data key): 5xx on the history", func(t *testing.T) {
		target := mk()
		env.DB.Exec(t, `UPDATE case_stage_moves SET reason_enc = (SELECT reason_enc FROM case_stage_moves WHERE case_id = $1 AND to_stage = 'shelter')
			WHERE case_id = $1 AND to_stage = 'rehabilitation'`, target.id)
		refused(t, get("/stages", target.id), target.markers)
	})
	t.Run("the server's log of the failures shows no identity", func(t *testing.T) {
		logged := lt.text()
		for field, v := range source.markers {
			if strings.Contains(logged, v) {
				t.Errorf("the log shows the source's %s", field)
			}
		}
	})
}

// TestConfidentialRowLevelSecurityBackstop talks to PostgreSQL as the
// application role, below the services: row-level security alone must keep
// each organization to its own case rows.
func TestConfidentialRowLevelSecurityBackstop(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	sezimWorker := env.Token("caseworker@sezim.kg")
	akWorker := env.Token("caseworker@akzhurok.kg")
	sezim, akzhurok := confOrgID(t, env, "SEZIM"), confOrgID(t, env, "AKZHUROK")

	populate := func(tok, given string) string {
		r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: tok, Body: map[string]any{
			"identity":           map[string]any{"given_name": given, "family_name": "Токтосунова", "birth_date": "1999-04-12", "document_number": "ID " + confDigits(7)},
			"trafficking_events": []map[string]any{{"kind": "exploitation", "country": "RU", "details": "x"}},
		}})
		if r.Status != http.StatusCreated {
			t.Fatalf("create case: %d %s", r.Status, r.Body)
		}
		id := r.Map(t)["id"].(string)
		p := "/api/v1/cases/" + id
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
		return id
	}
	sezimCases := []string{populate(sezimWorker, "Айгүл"), populate(sezimWorker, "Айзада")}
	akCase := populate(akWorker, "Гүлнара")

	// One connection only, so that "the same pooled connection" is certain.
	db, err := database.Open(ctx, env.DB.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { database.Close(db) })
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1)
	count := func(t *testing.T, q *gorm.DB, query string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := q.Raw(query, args...).Scan(&n).Error; err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	pid := func(t *testing.T, q *gorm.DB) int64 { return count(t, q, `SELECT pg_backend_pid()`) }
	// inOrg runs fn in a transaction with SET LOCAL jardam.org_id (and
	// jardam.user_id when given), committing when fn returns nil.
	inOrg := func(org, user string, fn func(tx *gorm.DB) error) error {
		return db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SET LOCAL jardam.org_id = '` + confUUID(t, org) + `'`).Error; err != nil {
				return err
			}
			if user != "" {
				if err := tx.Exec(`SET LOCAL jardam.user_id = '` + confUUID(t, user) + `'`).Error; err != nil {
					return err
				}
			}
			return fn(tx)
		})
	}
	caseTables := []string{"cases", "case_keys", "case_assignments", "case_stage_moves", "case_events", "case_plans",
		"case_blind_index", "case_notes", "assistance"}

	t.Run("no organization set: every case table shows no rows", func(t *testing.T) {
		for _, table := range caseTables {
			if n := env.DB.Count(t, `SELECT count(*) FROM `+table); n == 0 {
				t.Fatalf("%s: no rows as superuser, nothing to hide", table)
			}
			if n := count(t, db, `SELECT count(*) FROM `+table); n != 0 {
				t.Errorf("%s: the application role sees %d rows without an organization", table, n)
			}
			if n := count(t, env.DB.App, `SELECT count(*) FROM `+table); n != 0 {
				t.Errorf("%s: the service's pool sees %d rows without an organization", table, n)
			}
		}
	})
	t.Run("Sezim set with SET LOCAL: only Sezim's cases", func(t *testing.T) {
		want := env.DB.Count(t, `SELECT count(*) FROM cases WHERE owner_organization_id = $1`, sezim)
		if want != int64(len(sezimCases)) {
			t.Fatalf("superuser sees %d Sezim cases, want %d", want, len(sezimCases))
		}
		err := inOrg(sezim, "", func(tx *gorm.DB) error {
			if n := count(t, tx, `SELECT count(*) FROM cases`); n != want {
				t.Errorf("sees %d cases, want Sezim's %d", n, want)
			}
			if n := count(t, tx, `SELECT count(*) FROM cases WHERE owner_organization_id <> ?`, sezim); n != 0 {
				t.Errorf("sees %d cases of other organizations", n)
			}
			if n := count(t, tx, `SELECT count(*) FROM cases WHERE id = ?`, akCase); n != 0 {
				t.Error("sees Akzhurok's case")
			}
			for _, table := range caseTables[1:] {
				own := env.DB.Count(t, `SELECT count(*) FROM `+table+` x JOIN cases c ON c.id = x.case_id WHERE c.owner_organization_id = $1`, sezim)
				if table == "case_notes" {
					own = env.DB.Count(t, `SELECT count(*) FROM case_notes WHERE organization_id = $1`, sezim)
				}
				if n := count(t, tx, `SELECT count(*) FROM `+table); n != own {
					t.Errorf("%s: sees %d rows, want Sezim's %d", table, n, own)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("after the transaction commits: the same connection sees no case", func(t *testing.T) {
		var inside int64
		err := inOrg(sezim, "", func(tx *gorm.DB) error {
			inside = pid(t, tx)
			if n := count(t, tx, `SELECT count(*) FROM cases`); n == 0 {
				t.Error("sees no case inside the transaction")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if after := pid(t, db); after != inside {
			t.Fatalf("another connection (%d, then %d)", inside, after)
		}
		if n := count(t, db, `SELECT count(*) FROM cases`); n != 0 {
			t.Errorf("sees %d cases after the commit", n)
		}
		var setting string
		if err := db.Raw(`SELECT coalesce(current_setting('jardam.org_id', true), '')`).Scan(&setting).Error; err != nil {
			t.Fatal(err)
		}
		if setting != "" {
			t.Errorf("jardam.org_id outlived its transaction: %q", setting)
		}
	})
	t.Run("after the transaction rolls back: the same connection sees no case", func(t *testing.T) {
		errRollback := errors.New("roll back")
		if err := inOrg(sezim, "", func(tx *gorm.DB) error { return errRollback }); !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT count(*) FROM cases`); n != 0 {
			t.Errorf("sees %d cases after the rollback", n)
		}
	})
	insertCase := func(tx *gorm.DB, owner string) error {
		return tx.Exec(`INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, identified_at)
			VALUES (?, ?, ?, ?, 'identification', 'open', now())`, uuid.NewString(), "RLS-"+confDigits(8), owner, owner).Error
	}
	t.Run("Sezim set: a case for Sezim may be inserted (control)", func(t *testing.T) {
		errRollback := errors.New("roll back")
		err := inOrg(sezim, "", func(tx *gorm.DB) error {
			if err := insertCase(tx, sezim); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("insert for the organization set: %v", err)
		}
	})
	t.Run("Sezim set: inserting a case for Akzhurok is refused by WITH CHECK", func(t *testing.T) {
		err := inOrg(sezim, "", func(tx *gorm.DB) error { return insertCase(tx, akzhurok) })
		if !confIsRLSViolation(err) {
			t.Fatalf("err = %v, want a row-level security violation (42501)", err)
		}
		if n := env.DB.Count(t, `SELECT count(*) FROM cases WHERE code LIKE 'RLS-%'`); n != 0 {
			t.Fatalf("%d cases inserted", n)
		}
	})
	t.Run("no organization set: inserting any case is refused", func(t *testing.T) {
		err := db.Transaction(func(tx *gorm.DB) error { return insertCase(tx, sezim) })
		if !confIsRLSViolation(err) {
			t.Fatalf("err = %v, want a row-level security violation (42501)", err)
		}
	})
	t.Run("Sezim set: handing a case to Akzhurok by UPDATE is refused", func(t *testing.T) {
		err := inOrg(sezim, "", func(tx *gorm.DB) error {
			return tx.Exec(`UPDATE cases SET owner_organization_id = ? WHERE id = ?`, akzhurok, sezimCases[0]).Error
		})
		if !confIsRLSViolation(err) {
			t.Fatalf("err = %v, want a row-level security violation (42501)", err)
		}
		if n := env.DB.Count(t, `SELECT count(*) FROM cases WHERE id = $1 AND owner_organization_id = $2`, sezimCases[0], sezim); n != 1 {
			t.Fatal("the case changed hands")
		}
	})
	t.Run("Sezim set: updating Akzhurok's case changes nothing", func(t *testing.T) {
		err := inOrg(sezim, "", func(tx *gorm.DB) error {
			res := tx.Exec(`UPDATE cases SET risk_level = 'high' WHERE id = ?`, akCase)
			if res.Error == nil && res.RowsAffected != 0 {
				t.Errorf("%d rows updated", res.RowsAffected)
			}
			return res.Error
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Sezim set: Akzhurok's notes cannot be read", func(t *testing.T) {
		if n := env.DB.Count(t, `SELECT count(*) FROM case_notes WHERE case_id = $1`, akCase); n == 0 {
			t.Fatal("no note of Akzhurok to hide")
		}
		err := inOrg(sezim, "", func(tx *gorm.DB) error {
			if n := count(t, tx, `SELECT count(*) FROM case_notes WHERE case_id = ? OR organization_id = ?`, akCase, akzhurok); n != 0 {
				t.Errorf("sees %d of Akzhurok's notes", n)
			}
			if n := count(t, tx, `SELECT count(*) FROM case_notes WHERE case_id = ?`, sezimCases[0]); n == 0 {
				t.Error("does not see its own notes (control)")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Akzhurok set: case_blind_index shows only Akzhurok's rows", func(t *testing.T) {
		own := env.DB.Count(t, `SELECT count(*) FROM case_blind_index b JOIN cases c ON c.id = b.case_id WHERE c.owner_organization_id = $1`, akzhurok)
		all := env.DB.Count(t, `SELECT count(*) FROM case_blind_index`)
		if own == 0 || all <= own {
			t.Fatalf("blind index rows: %d of Akzhurok in %d", own, all)
		}
		err := inOrg(akzhurok, "", func(tx *gorm.DB) error {
			if n := count(t, tx, `SELECT count(*) FROM case_blind_index`); n != own {
				t.Errorf("sees %d rows, want Akzhurok's %d (of %d)", n, own, all)
			}
			if n := count(t, tx, `SELECT count(*) FROM case_blind_index WHERE case_id IN ?`, sezimCases); n != 0 {
				t.Errorf("sees %d of Sezim's rows", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the application role neither owns tables nor bypasses row-level security", func(t *testing.T) {
		if n := env.DB.Count(t, `SELECT count(*) FROM pg_roles WHERE rolname = $1 AND NOT rolsuper AND NOT rolbypassrls`, database.AppRole); n != 1 {
			t.Fatal("the application role is a superuser or bypasses row-level security")
		}
		if n := env.DB.Count(t, `SELECT count(*) FROM pg_tables WHERE tableowner = $1`, database.AppRole); n != 0 {
			t.Fatalf("the application role owns %d tables (owners pass row-level security)", n)
		}
		for _, table := range caseTables {
			if n := env.DB.Count(t, `SELECT count(*) FROM pg_class WHERE oid = $1::regclass AND relrowsecurity`, "public."+table); n != 1 {
				t.Errorf("%s: row-level security is not enabled", table)
			}
		}
	})
	t.Run("no function but jardam_duplicate_elsewhere reads the blind index or case secrets with the owner's rights for the application role", func(t *testing.T) {
		// SECURITY DEFINER functions run with their owner's rights, past
		// row-level security. The application role may call a few (the
		// duplicate check, the referral notices); only the duplicate check
		// may touch the blind index, and none may touch ciphertexts, data
		// keys or notes.
		all := confSuperText(t, env, `SELECT coalesce(string_agg(p.oid::regprocedure::text, ', ' ORDER BY 1), '') FROM pg_proc p
			WHERE p.prosecdef AND has_function_privilege('`+database.AppRole+`', p.oid, 'EXECUTE')`)
		if !strings.Contains(all, "jardam_duplicate_elsewhere(bytea[],text[],uuid[])") {
			t.Fatalf("the duplicate check is not among the functions the application role may call: %q", all)
		}
		t.Logf("SECURITY DEFINER functions the application role may call: %s", all)
		got := confSuperText(t, env, `SELECT coalesce(string_agg(p.oid::regprocedure::text, ', ' ORDER BY 1), '') FROM pg_proc p
			WHERE p.prosecdef AND has_function_privilege('`+database.AppRole+`', p.oid, 'EXECUTE')
			  AND p.proname <> 'jardam_duplicate_elsewhere'
			  AND p.prosrc ~* '(case_blind_index|identity_enc|contact_enc|details_enc|reason_enc|plan_enc|text_enc|notes_enc|case_keys|case_notes)'`)
		if got != "" {
			t.Fatalf("functions reading case secrets with the owner's rights: %s", got)
		}
	})
	t.Run("no view lets the application role read past row-level security", func(t *testing.T) {
		got := confSuperText(t, env, `SELECT coalesce(string_agg(c.relname, ', '), '') FROM pg_class c
			WHERE c.relkind IN ('v', 'm') AND c.relnamespace = 'public'::regnamespace
			  AND has_table_privilege('`+database.AppRole+`', c.oid, 'SELECT')
			  AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)`)
		if got != "" {
			t.Fatalf("views readable with the owner's rights: %s", got)
		}
	})
}

// TestConfidentialDuplicateFunctionAnswersOnlyBoolean checks the one door
// past row-level security: jardam_duplicate_elsewhere says whether a case
// elsewhere holds the tokens, and nothing about which.
func TestConfidentialDuplicateFunctionAnswersOnlyBoolean(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sezimWorker := env.Token("caseworker@sezim.kg")
	akWorker := env.Token("caseworker@akzhurok.kg")
	akzhurok := confOrgID(t, env, "AKZHUROK")
	akUser := confUserID(t, env, "caseworker@akzhurok.kg")
	given, family, birth, doc := confCyrMarker(), confCyrMarker(), "1997-08-21", "AN"+confDigits(7)
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: sezimWorker, Body: map[string]any{
		"identity": map[string]any{"given_name": given, "family_name": family, "birth_date": birth, "document_number": doc}}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create case: %d %s", r.Status, r.Body)
	}
	sezimCase := r.Map(t)
	sezimID, sezimCode := sezimCase["id"].(string), sezimCase["code"].(string)

	idx := env.Keyring.Index
	var kinds database.Array[string]
	var tokens database.Array[[]byte]
	for _, tk := range idx.NameKeys(given, family, "", birth) {
		kinds, tokens = append(kinds, "name_birth"), append(tokens, tk)
	}
	kinds, tokens = append(kinds, "document"), append(tokens, idx.DocumentKey(doc))
	if n := env.DB.Count(t, `SELECT count(*) FROM case_blind_index WHERE token = ANY($1::bytea[])`, [][]byte(tokens)); n != int64(len(tokens)) {
		t.Fatalf("the case holds %d of the %d tokens: the test computes other tokens than the service", n, len(tokens))
	}

	// call runs the function as the application role for Akzhurok's
	// caseworker and returns the column types and the rows it answered.
	call := func(t *testing.T, kinds database.Array[string], tokens database.Array[[]byte], visible database.Array[string]) ([]string, []bool) {
		t.Helper()
		var types []string
		var values []bool
		err := env.DB.App.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SELECT set_config('jardam.org_id', ?, true), set_config('jardam.user_id', ?, true)`, akzhurok, akUser).Error; err != nil {
				return err
			}
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

	t.Run("a match elsewhere: one boolean column, one row, true", func(t *testing.T) {
		types, values := call(t, kinds, tokens, database.Array[string]{})
		if len(types) != 1 || types[0] != "BOOL" || len(values) != 1 || !values[0] {
			t.Fatalf("columns %v, rows %v", types, values)
		}
	})
	t.Run("no match: one boolean column, one row, false", func(t *testing.T) {
		other := idx.NameKeys(confCyrMarker(), confCyrMarker(), "", birth)
		types, values := call(t, database.Array[string]{"name_birth"}, database.Array[[]byte]{other[0]}, database.Array[string]{})
		if len(types) != 1 || types[0] != "BOOL" || len(values) != 1 || values[0] {
			t.Fatalf("columns %v, rows %v", types, values)
		}
	})
	t.Run("a visible match does not count as elsewhere: false", func(t *testing.T) {
		_, values := call(t, kinds, tokens, database.Array[string]{sezimID})
		if len(values) != 1 || values[0] {
			t.Fatalf("rows %v", values)
		}
	})
	t.Run("the function's signature returns one boolean, no set, no OUT arguments", func(t *testing.T) {
		n := env.DB.Count(t, `SELECT count(*) FROM pg_proc WHERE proname = 'jardam_duplicate_elsewhere'
			AND prorettype = 'boolean'::regtype AND NOT proretset AND proargmodes IS NULL AND pronargs = 3`)
		if n != 1 {
			t.Fatal("jardam_duplicate_elsewhere is not a plain boolean function of three arguments")
		}
		if n := env.DB.Count(t, `SELECT count(*) FROM pg_proc WHERE proname = 'jardam_duplicate_elsewhere'`); n != 1 {
			t.Fatalf("%d overloads of jardam_duplicate_elsewhere", n)
		}
		if n := env.DB.Count(t, `SELECT count(*) FROM pg_proc WHERE proname = 'jardam_duplicate_elsewhere' AND has_function_privilege('public', oid, 'EXECUTE')`); n != 0 {
			t.Fatal("PUBLIC may execute jardam_duplicate_elsewhere")
		}
	})
	t.Run("the application role cannot see which case matched", func(t *testing.T) {
		call(t, kinds, tokens, database.Array[string]{})
		if n := env.DB.Count(t, `SELECT count(*) FROM notifications WHERE ref_code = $1`, sezimCode); n == 0 {
			t.Fatal("the match notified nobody: nothing to hide")
		}
		err := env.DB.App.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SELECT set_config('jardam.org_id', ?, true), set_config('jardam.user_id', ?, true)`, akzhurok, akUser).Error; err != nil {
				return err
			}
			checks := []struct {
				what  string
				query string
				args  []any
			}{
				{"the matching blind index rows", `SELECT count(*) FROM case_blind_index WHERE token = ANY(?::bytea[])`, []any{tokens}},
				{"the matching case", `SELECT count(*) FROM cases WHERE id = ? OR code = ?`, []any{sezimID, sezimCode}},
				{"its data key", `SELECT count(*) FROM case_keys WHERE case_id = ?`, []any{sezimID}},
				{"its assignments", `SELECT count(*) FROM case_assignments WHERE case_id = ?`, []any{sezimID}},
				{"the notifications naming it", `SELECT count(*) FROM notifications WHERE ref_code = ?`, []any{sezimCode}},
			}
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
	})
	t.Run("through the API: exists_elsewhere only, neither id nor code", func(t *testing.T) {
		r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/duplicates", Token: akWorker,
			Body: map[string]any{"identity": map[string]any{"given_name": given, "family_name": family, "birth_date": birth}}})
		if r.Status != http.StatusOK {
			t.Fatalf("duplicates: %d %s", r.Status, r.Body)
		}
		got := r.Map(t)
		if got["exists_elsewhere"] != true || len(got["matches"].([]any)) != 0 {
			t.Fatalf("answer %s", r.Body)
		}
		if bytes.Contains(r.Body, []byte(sezimID)) || bytes.Contains(r.Body, []byte(sezimCode)) {
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
	})
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

// confSuperDBURL is the superuser URL of the test database.
func confSuperDBURL(env *apitest.Env) string {
	u, err := url.Parse(env.DB.SuperURL)
	if err != nil {
		panic(err)
	}
	pw, _ := u.User.Password()
	return dbtest.URLFor(env.DB.SuperURL, u.User.Username(), pw, env.DB.Name)
}

// confSuperText runs a query returning one text value as the superuser.
func confSuperText(t *testing.T, env *apitest.Env, query string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, confSuperDBURL(env))
	if err != nil {
		t.Fatalf("connect as superuser: %v", err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, query, args...).Scan(&s); err != nil {
		t.Fatalf("superuser query: %v", err)
	}
	return s
}

// confOrgID returns the id of an organization by code.
func confOrgID(t *testing.T, env *apitest.Env, code string) string {
	t.Helper()
	var id string
	if err := env.DB.App.Raw(`SELECT id::text FROM organizations WHERE code = ?`, code).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("organization %s: %v", code, err)
	}
	return id
}

// confUserID returns the id of a user by e-mail.
func confUserID(t *testing.T, env *apitest.Env, email string) string {
	t.Helper()
	var id string
	if err := env.DB.App.Raw(`SELECT id::text FROM users WHERE email = ?`, email).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("user %s: %v", email, err)
	}
	return id
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
