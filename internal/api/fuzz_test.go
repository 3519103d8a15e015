package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// Fuzzed route selectors: sel%16 picks the route, (sel/16)%6 the caller.
const (
	fzRouteCreate = iota
	fzRouteList
	fzRouteSearch
	fzRouteDuplicates
	fzRouteGet
	fzRoutePatch
	fzRouteMoveStage
	fzRouteStages
	fzRouteGetPlan
	fzRoutePutPlan
	fzRouteAddAssistance
	fzRouteListAssistance
	fzRoutePatchAssistance
	fzRouteAddNote
	fzRouteListNotes
	fzRouteAccessLog
)

// fuzzTarget says what a route's {id} names.
type fuzzTarget int

const (
	fuzzNoID fuzzTarget = iota
	fuzzCaseID
	fuzzAssistanceID
)

var fuzzRoutes = []struct {
	method, path string
	target       fuzzTarget
}{
	fzRouteCreate:          {http.MethodPost, "/api/v1/cases", fuzzNoID},
	fzRouteList:            {http.MethodGet, "/api/v1/cases", fuzzNoID},
	fzRouteSearch:          {http.MethodPost, "/api/v1/cases/search", fuzzNoID},
	fzRouteDuplicates:      {http.MethodPost, "/api/v1/cases/duplicates", fuzzNoID},
	fzRouteGet:             {http.MethodGet, "/api/v1/cases/{id}", fuzzCaseID},
	fzRoutePatch:           {http.MethodPatch, "/api/v1/cases/{id}", fuzzCaseID},
	fzRouteMoveStage:       {http.MethodPost, "/api/v1/cases/{id}/stage", fuzzCaseID},
	fzRouteStages:          {http.MethodGet, "/api/v1/cases/{id}/stages", fuzzCaseID},
	fzRouteGetPlan:         {http.MethodGet, "/api/v1/cases/{id}/plan", fuzzCaseID},
	fzRoutePutPlan:         {http.MethodPut, "/api/v1/cases/{id}/plan", fuzzCaseID},
	fzRouteAddAssistance:   {http.MethodPost, "/api/v1/cases/{id}/assistance", fuzzCaseID},
	fzRouteListAssistance:  {http.MethodGet, "/api/v1/cases/{id}/assistance", fuzzCaseID},
	fzRoutePatchAssistance: {http.MethodPatch, "/api/v1/assistance/{id}", fuzzAssistanceID},
	fzRouteAddNote:         {http.MethodPost, "/api/v1/cases/{id}/notes", fuzzCaseID},
	fzRouteListNotes:       {http.MethodGet, "/api/v1/cases/{id}/notes", fuzzCaseID},
	fzRouteAccessLog:       {http.MethodGet, "/api/v1/cases/{id}/access-log", fuzzCaseID},
}

// Callers, in selector order. org is the organization whose fixtures the
// caller may see ("" for none).
const (
	fzCallerWorker = iota
	fzCallerSupervisor
	fzCallerOtherOrg
	fzCallerMinistry
	fzCallerAnonymous
	fzCallerBadToken
)

var fuzzCallers = []struct{ email, org string }{
	fzCallerWorker:     {"caseworker@sezim.kg", "sezim"},
	fzCallerSupervisor: {"supervisor@sezim.kg", "sezim"},
	fzCallerOtherOrg:   {"caseworker@akzhurok.kg", "akzhurok"},
	fzCallerMinistry:   {"social@mlsp.gov.kg", ""},
	fzCallerAnonymous:  {"", ""},
	fzCallerBadToken:   {"", ""},
}

// Path variants: variant&3 picks the kind, variant>>2 the form.
const (
	fzPathSezim = iota
	fzPathAkzhurok
	fzPathMissing
	fzPathOdd
)

const fuzzMissingID = "00000000-0000-4000-8000-000000000000"

var fuzzContentTypes = []string{
	"application/json",
	"application/merge-patch+json",
	"",
	"text/plain",
	"application/json; charset=utf-8",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=x",
	"application/json; charset",
	"APPLICATION/JSON",
	"application/xml",
}

// Query strings for the list routes, picked by variant>>2.
var fuzzQueries = []string{
	"", "?limit=50", "?limit=0", "?limit=201", "?limit=abc", "?limit=-1", "?stage=bogus", "?stage=shelter&status=open",
	"?status=closed", "?risk_level=HIGH", "?cursor=!!!", "?cursor=MTcwMDAwMDAwMDAwMDAwMC5ub3QtYS11dWlk",
	"?assigned_user_id=nope", "?assigned_user_id=" + fuzzMissingID, "?identified_from=2025-02-30",
	"?identified_from=2024-01-01&identified_to=2025-01-01", "?limit=1&limit=2", "?limit=99999999999999999999",
}

// Idempotency keys for creates, picked by variant%4; fuzzIdemFromInput
// sends the fuzzed If-Match string as the key.
var fuzzIdemKeys = []string{"", "fuzz-key-1", fuzzIdemFromInput, strings.Repeat("k", 201)}

const fuzzIdemFromInput = "\x00from-input"

// Identity markers of the two fixture cases: a response to a caller of
// another organization must never contain them.
const (
	fuzzSezimMarker    = "Zhyldyzmarker"
	fuzzAkzhurokMarker = "Nurzhanmarker"
)

// fuzzCaseTables, and the referral tables beside them, are fingerprinted
// around every request. audit_entries is left out: reads and denials are
// audited.
var fuzzCaseTables = []struct {
	name    string
	version bool
}{
	{"cases", true}, {"case_keys", false}, {"case_code_counters", false}, {"case_events", false},
	{"case_assignments", false}, {"case_stage_moves", false}, {"case_plans", true}, {"case_blind_index", false},
	{"assistance", true}, {"case_notes", false}, {"idempotency_keys", false}, {"notifications", false},
	{"outbox", false}, {"consents", false}, {"referrals", false}, {"referral_assignments", false}, {"referral_events", false},
}

// fuzzFingerprintSQL returns, per table, the row count, the sum of versions and
// a hash of every row, in one string.
func fuzzFingerprintSQL() string {
	parts := make([]string, len(fuzzCaseTables))
	for i, t := range fuzzCaseTables {
		v := "''"
		if t.version {
			v = "coalesce(sum(version), 0)::text"
		}
		parts[i] = fmt.Sprintf(`(SELECT '%s:' || count(*) || ':' || %s || ':' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM %s t)`,
			t.name, v, t.name)
	}
	return "SELECT concat_ws(' ', " + strings.Join(parts, ", ") + ")"
}

// fuzzSuperDB opens a pool on env's database as the superuser, past row-level
// security.
func fuzzSuperDB(tb testing.TB, env *apitest.Env) *gorm.DB {
	tb.Helper()
	db, err := database.Open(context.Background(), env.DB.SuperDBURL())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { database.Close(db) })
	return db
}

// fuzzServe sends one request straight to the handler, without the network and
// without OpenAPI validation.
func fuzzServe(h http.Handler, method, path, token, contentType string, body []byte, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// fuzzCreatedID returns the id of the object a 201 response created.
func fuzzCreatedID(tb testing.TB, rec *httptest.ResponseRecorder) string {
	tb.Helper()
	var out struct{ ID string }
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &out) != nil || out.ID == "" {
		tb.Fatalf("create: %d %s", rec.Code, rec.Body.Bytes())
	}
	return out.ID
}

// fuzzValidHeaderValue reports whether s could arrive as an HTTP header value.
func fuzzValidHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// fuzzTB hands apitest the fuzz function's F, but sends what the service
// logs (its warnings and errors) to the T of the input being run: a fuzz
// target must not call F.Log.
type fuzzTB struct {
	testing.TB
	mu  sync.Mutex
	cur *testing.T
}

func (w *fuzzTB) use(t *testing.T) {
	w.mu.Lock()
	w.cur = t
	w.mu.Unlock()
	t.Cleanup(func() {
		w.mu.Lock()
		w.cur = nil
		w.mu.Unlock()
	})
}

func (w *fuzzTB) Log(args ...any) {
	w.mu.Lock()
	t := w.cur
	w.mu.Unlock()
	if t != nil {
		t.Log(args...)
		return
	}
	w.TB.Log(args...)
}

// fuzzSeed is one seed corpus entry, written by name.
type fuzzSeed struct {
	route, caller int
	variant       byte
	body          string
	ct            int
	ifMatch       string
}

func (s fuzzSeed) add(f *testing.F) {
	f.Add(byte(s.caller*len(fuzzRoutes)+s.route), s.variant, []byte(s.body), byte(s.ct), s.ifMatch)
}

// Content type indexes in fuzzContentTypes.
const (
	fzMediaJSON = iota
	fzMediaMergePatch
	fzMediaNone
	fzMediaText
	fzMediaJSONCharset
	fzMediaForm
	fzMediaMultipart
	fzMediaBadParams
	fzMediaUpper
	fzMediaXML
)

// fuzzSeeds is the seed corpus: inputs that once failed, and the
// interesting cases of every route.
func fuzzSeeds() []fuzzSeed {
	return slices.Concat(fuzzCreateSeeds(), fuzzReadAndPatchSeeds(), fuzzStepSeeds())
}

// fuzzCreateSeeds are the seeds of POST /api/v1/cases, with an input to
// the assistance route that once answered 500.
func fuzzCreateSeeds() []fuzzSeed {
	validCreate := `{"sex":"female","citizenship":"KG","region_of_origin":"osh","identification_channel":"hotline",
		"exploitation_types":["forced_labour"],"countries_of_exploitation":["RU"],
		"trafficking_events":[{"kind":"exploitation","country":"RU","region":"Moscow","year_month":"2025-03","place":"a market","details":"held"}],
		"identity":{"given_name":"Айгүл","family_name":"Токтосунова","birth_date":"1999-04-12","phone":"+996555000111"}}`
	deep := `{"identity":` + strings.Repeat(`{"given_name":`, 2000) + `"x"` + strings.Repeat("}", 2001)
	deepArray := `{"exploitation_types":` + strings.Repeat("[", 12000) + strings.Repeat("]", 12000) + `}`
	return []fuzzSeed{
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"Бакыт"}}`, fzMediaJSON, ""},
		// Inputs that once answered 500: a key that is not UTF-8, a date in year 0.
		{fzRouteCreate, fzCallerWorker, 2, `{"identity":{"given_name":"A"}}`, fzMediaJSON, "\xff"},
		{fzRouteAddAssistance, fzCallerWorker, fzPathSezim, `{"type":"shelter","started_on":"0000-01-01"}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A"},"identified_at":"0000-01-01T00:00:00Z"}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, validCreate, fzMediaJSONCharset, ""},
		{fzRouteCreate, fzCallerWorker, 1, `{"identity":{"given_name":"Бакыт"},"sex":"male"}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 1, `{"identity":{"given_name":"Бакыт"},"sex":"female"}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 3, `{"identity":{"given_name":"Бакыт"}}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 2, `{"identity":{"given_name":"Бакыт"}}`, fzMediaJSON, "retry-7"},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A"},"nickname":"x"}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A"},"sex":"robot","risk_level":"extreme"}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"` + strings.Repeat("Ы", 5000) + `"}}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"` + strings.Repeat("x", 70000) + `"}}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A"},"version":3}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A"},"assigned_user_ids":[]}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":null}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `[{"identity":{"given_name":"A"}}]`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, deep, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, deepArray, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A"}} {}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A\u0000"}}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A"},"is_minor":"yes","age_bracket":7}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A"},"identified_at":"2999-01-01T00:00:00Z"}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A","birth_date":"1999-02-30"},"trafficking_events":[{"kind":"teleport","year_month":"2025-13"}]}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, "\xef\xbb\xbf" + `{"identity":{"given_name":"A"}}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A"}}`, fzMediaText, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A"}}`, fzMediaNone, ""},
		{fzRouteCreate, fzCallerWorker, 0, `identity=A`, fzMediaForm, ""},
		{fzRouteCreate, fzCallerWorker, 0, `{"identity":{"given_name":"A"}}`, fzMediaBadParams, ""},
		{fzRouteCreate, fzCallerMinistry, 0, `{"identity":{"given_name":"A"}}`, fzMediaJSON, ""},
		{fzRouteCreate, fzCallerAnonymous, 0, `{"identity":{"given_name":"A"}}`, fzMediaJSON, ""},
	}
}

// fuzzReadAndPatchSeeds are the seeds of the lists, reads and patches.
func fuzzReadAndPatchSeeds() []fuzzSeed {
	return []fuzzSeed{
		// Lists and reads.
		{fzRouteList, fzCallerWorker, 1 << 2, ``, fzMediaNone, ""},
		{fzRouteList, fzCallerSupervisor, 6 << 2, ``, fzMediaNone, ""},
		{fzRouteList, fzCallerWorker, 11 << 2, ``, fzMediaNone, ""},
		{fzRouteList, fzCallerWorker, 14 << 2, ``, fzMediaNone, ""},
		{fzRouteGet, fzCallerWorker, fzPathSezim, ``, fzMediaNone, ""},
		{fzRouteGet, fzCallerWorker, fzPathAkzhurok, ``, fzMediaNone, ""},
		{fzRouteGet, fzCallerOtherOrg, fzPathSezim, ``, fzMediaNone, ""},
		{fzRouteGet, fzCallerMinistry, fzPathSezim, ``, fzMediaNone, ""},
		{fzRouteGet, fzCallerWorker, fzPathMissing, ``, fzMediaNone, ""},
		{fzRouteGet, fzCallerWorker, fzPathOdd, ``, fzMediaNone, ""},
		{fzRouteGet, fzCallerWorker, fzPathOdd | 1<<2, ``, fzMediaNone, ""},
		{fzRouteGet, fzCallerAnonymous, fzPathSezim, ``, fzMediaNone, ""},
		{fzRouteGet, fzCallerBadToken, fzPathSezim, ``, fzMediaNone, ""},
		// Patches.
		{fzRoutePatch, fzCallerWorker, fzPathSezim, `{"risk_level":null,"identity":{"phone":null,"address":"Bishkek"}}`, fzMediaMergePatch, `"1"`},
		{fzRoutePatch, fzCallerWorker, fzPathSezim, `{"stage":"closed"}`, fzMediaMergePatch, `"1"`},
		{fzRoutePatch, fzCallerWorker, fzPathSezim, `{"code":"X","id":"` + fuzzMissingID + `"}`, fzMediaJSON, `"1"`},
		{fzRoutePatch, fzCallerWorker, fzPathSezim, `{"risk_level":"low"}`, fzMediaJSON, `"999"`},
		{fzRoutePatch, fzCallerWorker, fzPathSezim, `{"risk_level":"low"}`, fzMediaJSON, ``},
		{fzRoutePatch, fzCallerWorker, fzPathSezim, `{"risk_level":"low"}`, fzMediaJSON, `W/"abc"`},
		{fzRoutePatch, fzCallerWorker, fzPathSezim, `{"risk_level":"low","version":0}`, fzMediaJSON, ``},
		{fzRoutePatch, fzCallerWorker, fzPathSezim, `{"sex":"robot"}`, fzMediaJSON, `"1"`},
		{fzRoutePatch, fzCallerWorker, fzPathSezim, `{"assigned_user_ids":[]}`, fzMediaJSON, `"2"`},
		{fzRoutePatch, fzCallerWorker, fzPathSezim, `{"identity":null,"trafficking_events":null}`, fzMediaMergePatch, `"2"`},
		{fzRoutePatch, fzCallerWorker, fzPathSezim, `[]`, fzMediaMergePatch, `"1"`},
		{fzRoutePatch, fzCallerWorker, fzPathSezim, `{"risk_level":"low"}`, fzMediaText, `"1"`},
		{fzRoutePatch, fzCallerWorker, fzPathAkzhurok, `{"risk_level":"low"}`, fzMediaJSON, `"1"`},
		{fzRoutePatch, fzCallerWorker, fzPathOdd | 2<<2, `{"risk_level":"low"}`, fzMediaJSON, `"1"`},
		{fzRoutePatch, fzCallerSupervisor, fzPathSezim, `{"assigned_user_ids":["` + fuzzMissingID + `"]}`, fzMediaJSON, `"2"`},
	}
}

// fuzzStepSeeds are the seeds of stage moves, plans, assistance, notes,
// search, duplicate checks and the access log.
func fuzzStepSeeds() []fuzzSeed {
	return []fuzzSeed{
		// Stage moves.
		{fzRouteMoveStage, fzCallerWorker, fzPathSezim, `{"stage":"limbo","reason":"x"}`, fzMediaJSON, ""},
		{fzRouteMoveStage, fzCallerWorker, fzPathSezim, `{"stage":"identification","reason":"back"}`, fzMediaJSON, ""},
		{fzRouteMoveStage, fzCallerWorker, fzPathSezim, `{"stage":"closed","reason":"reintegrated"}`, fzMediaJSON, ""},
		{fzRouteMoveStage, fzCallerSupervisor, fzPathSezim, `{"stage":"closed","reason":"not a reason"}`, fzMediaJSON, ""},
		{fzRouteMoveStage, fzCallerWorker, fzPathSezim, `{"stage":"shelter","reason":"` + strings.Repeat("r", 2001) + `"}`, fzMediaJSON, ""},
		{fzRouteMoveStage, fzCallerWorker, fzPathSezim, `{"stage":"shelter","reason":"needs shelter","version":1}`, fzMediaJSON, ""},
		{fzRouteMoveStage, fzCallerWorker, fzPathSezim, `{"stage":["shelter"]}`, fzMediaJSON, ""},
		{fzRouteMoveStage, fzCallerOtherOrg, fzPathSezim, `{"stage":"shelter","reason":"x"}`, fzMediaJSON, ""},
		{fzRouteStages, fzCallerWorker, fzPathSezim, ``, fzMediaNone, ""},
		// Plans.
		{fzRouteGetPlan, fzCallerWorker, fzPathSezim, ``, fzMediaNone, ""},
		{fzRoutePutPlan, fzCallerWorker, fzPathSezim, `{"needs_assessment":"x","goals":[{"text":"","status":"someday"}]}`, fzMediaJSON, ""},
		{fzRoutePutPlan, fzCallerWorker, fzPathSezim, `{"needs_assessment":"x","goals":[{"text":"passport","due_on":"2026-02-30"}]}`, fzMediaJSON, ""},
		{fzRoutePutPlan, fzCallerWorker, fzPathSezim, `{"needs_assessment":"x","goals":null}`, fzMediaJSON, `"7"`},
		{fzRoutePutPlan, fzCallerWorker, fzPathMissing, `{"needs_assessment":"x","goals":[]}`, fzMediaJSON, ""},
		// Assistance.
		{fzRouteAddAssistance, fzCallerWorker, fzPathSezim, `{"type":"shelter","status":"in_progress","started_on":"2025-03-01","cost_kgs":12500.5,"funding_source":"state_social_order"}`, fzMediaJSON, ""},
		{fzRouteAddAssistance, fzCallerWorker, fzPathSezim, `{"type":"teleport","started_on":"2025-03-05","ended_on":"2025-03-01"}`, fzMediaJSON, ""},
		{fzRouteAddAssistance, fzCallerWorker, fzPathSezim, `{"type":"shelter","cost_kgs":-1,"measure_codes":["bad code"]}`, fzMediaJSON, ""},
		{fzRouteAddAssistance, fzCallerWorker, fzPathAkzhurok, `{"type":"shelter"}`, fzMediaJSON, ""},
		{fzRouteListAssistance, fzCallerWorker, fzPathSezim, ``, fzMediaNone, ""},
		{fzRoutePatchAssistance, fzCallerWorker, fzPathSezim, `{"status":"completed","ended_on":"2025-04-01"}`, fzMediaMergePatch, `"1"`},
		{fzRoutePatchAssistance, fzCallerWorker, fzPathSezim, `{"case_id":"` + fuzzMissingID + `"}`, fzMediaJSON, `"1"`},
		{fzRoutePatchAssistance, fzCallerWorker, fzPathSezim, `{"status":"completed"}`, fzMediaJSON, ``},
		{fzRoutePatchAssistance, fzCallerWorker, fzPathAkzhurok, `{"status":"declined"}`, fzMediaJSON, `"1"`},
		// Notes, search, duplicates, access log.
		{fzRouteAddNote, fzCallerWorker, fzPathSezim, `{"text":"first visit"}`, fzMediaJSON, ""},
		{fzRouteAddNote, fzCallerWorker, fzPathSezim, `{"text":""}`, fzMediaJSON, ""},
		{fzRouteAddNote, fzCallerWorker, fzPathSezim, `{"text":null,"author_id":"` + fuzzMissingID + `"}`, fzMediaJSON, ""},
		{fzRouteListNotes, fzCallerWorker, fzPathSezim | 4<<2, ``, fzMediaNone, ""},
		{fzRouteSearch, fzCallerWorker, 0, `{"identity":{"given_name":"Aigul","family_name":"Toktosunova"}}`, fzMediaJSON, ""},
		{fzRouteSearch, fzCallerWorker, 0, `{"identity":{}}`, fzMediaJSON, ""},
		{fzRouteSearch, fzCallerWorker, 0, `{"identity":"Aigul"}`, fzMediaJSON, ""},
		{fzRouteDuplicates, fzCallerWorker, 0, `{"identity":{"given_name":"Aigul"}}`, fzMediaJSON, ""},
		{fzRouteDuplicates, fzCallerOtherOrg, 0, `{"identity":{"given_name":"Zhyldyz","birth_date":"1990-01-01"}}`, fzMediaJSON, ""},
		{fzRouteAccessLog, fzCallerWorker, fzPathSezim, ``, fzMediaNone, ""},
		{fzRouteAccessLog, fzCallerSupervisor, fzPathSezim | 4<<2, ``, fzMediaNone, ""},
	}
}

// FuzzCaseRoutes drives the case routes with arbitrary bodies, content
// types, If-Match values, callers and ids on a real database. For every
// input: no 5xx; a JSON body (problem+json from 400) with nosniff; a 4xx
// or a GET writes nothing to the case tables; a case of another
// organization (or a missing one) never answers 2xx, and no response leaks
// the identity of another organization's case.
func FuzzCaseRoutes(f *testing.F) {
	tb := &fuzzTB{TB: f}
	w := newFuzzWorld(f, tb)
	for _, s := range fuzzSeeds() {
		s.add(f)
	}
	f.Fuzz(func(t *testing.T, sel, variant byte, body []byte, ctSel byte, ifMatch string) {
		tb.use(t)
		route := fuzzRoutes[int(sel)%len(fuzzRoutes)]
		callerIdx := int(sel) / len(fuzzRoutes) % len(fuzzCallers)
		caller := fuzzCallers[callerIdx]
		ifMatch = strings.Trim(ifMatch, " \t")
		if !fuzzValidHeaderValue(ifMatch) || len(ifMatch) > 8<<10 {
			t.Skip("not a header value a server would accept")
		}
		path, owner, header := w.request(route.method, route.path, route.target, variant, ifMatch)
		ct := fuzzContentTypes[int(ctSel)%len(fuzzContentTypes)]

		before := w.fingerprint(t)
		rec := fuzzServe(w.h, route.method, path, w.tokens[callerIdx], ct, body, header)
		label := fmt.Sprintf("%s %s as %q (content type %q, headers %q)", route.method, path, caller.email, ct, header)
		t.Logf("%s: %d", label, rec.Code)
		fuzzAssertAnswer(t, label, rec)
		if rec.Code < 300 && route.target != fuzzNoID && (owner == "" || owner != caller.org) {
			t.Errorf("%s: status %d on an object of organization %q", label, rec.Code, owner)
		}
		for org, m := range map[string]string{"sezim": fuzzSezimMarker, "akzhurok": fuzzAkzhurokMarker} {
			if org != caller.org && bytes.Contains(rec.Body.Bytes(), []byte(m)) {
				t.Errorf("%s: the response shows the identity of a case of %s", label, org)
			}
		}
		if rec.Code >= 400 || route.method == http.MethodGet {
			if after := w.fingerprint(t); after != before {
				t.Errorf("%s: status %d, yet the case tables changed:\nbefore %s\nafter  %s", label, rec.Code, before, after)
			}
		}
	})
}

// fuzzWorld is the API with a case (and its assistance) of Sezim and one of
// Akzhurok, a token for every caller and a superuser pool to fingerprint
// the case tables.
type fuzzWorld struct {
	h                          http.Handler
	tokens                     []string
	sezimCase, sezimAssistance string
	akzCase, akzAssistance     string
	super                      *gorm.DB
	fpSQL                      string
}

func newFuzzWorld(f *testing.F, tb *fuzzTB) *fuzzWorld {
	env := apitest.New(tb)
	w := &fuzzWorld{h: env.Server.Echo, tokens: make([]string, len(fuzzCallers)), super: fuzzSuperDB(f, env), fpSQL: fuzzFingerprintSQL()}
	for i, c := range fuzzCallers {
		if c.email != "" {
			w.tokens[i] = env.Token(c.email)
		}
	}
	w.tokens[fzCallerBadToken] = "not-a-token"
	fixture := func(tok, marker string) (caseID, assistanceID string) {
		body := fmt.Sprintf(`{"sex":"female","identity":{"given_name":%q,"family_name":%q,"birth_date":"1990-01-01","document_number":%q}}`,
			marker, marker, marker)
		caseID = fuzzCreatedID(f, fuzzServe(w.h, http.MethodPost, "/api/v1/cases", tok, "application/json", []byte(body), nil))
		assistanceID = fuzzCreatedID(f, fuzzServe(w.h, http.MethodPost, "/api/v1/cases/"+caseID+"/assistance", tok, "application/json",
			[]byte(`{"type":"shelter","status":"in_progress","started_on":"2025-03-01"}`), nil))
		return caseID, assistanceID
	}
	w.sezimCase, w.sezimAssistance = fixture(w.tokens[fzCallerWorker], fuzzSezimMarker)
	w.akzCase, w.akzAssistance = fixture(w.tokens[fzCallerOtherOrg], fuzzAkzhurokMarker)
	return w
}

// fingerprint sums up the case tables (see fuzzFingerprintSQL).
func (w *fuzzWorld) fingerprint(t *testing.T) string {
	var s string
	if err := w.super.Raw(w.fpSQL).Scan(&s).Error; err != nil {
		t.Fatalf("fingerprint: %v", err)
	}
	return s
}

// fuzzOddIDs are malformed ids, or other spellings of id (which uuid.Parse
// accepts): from the eighth on they name id's case.
func fuzzOddIDs(id string) []string {
	return []string{"not-a-uuid", "00000000-0000-0000-0000-00000000000g", strings.Repeat("a", 300), "%20", "0", "..",
		id + "x", id[:35], "{" + id + "}", "urn:uuid:" + id, strings.ToUpper(id), strings.ReplaceAll(id, "-", "")}
}

// request builds the path of a request to the route (its {id} chosen by
// the low bits of variant, its query by the others) and its headers, and
// names the organization of the object the path names ("" for none, or
// for a route without an id).
func (w *fuzzWorld) request(method, path string, target fuzzTarget, variant byte, ifMatch string) (string, string, map[string]string) {
	owner, header := "", map[string]string{}
	create := method == http.MethodPost && path == "/api/v1/cases"
	if ifMatch != "" {
		header["If-Match"] = ifMatch
	}
	sub := int(variant >> 2)
	if target != fuzzNoID {
		ids := map[string]string{"sezim": w.sezimCase, "akzhurok": w.akzCase}
		if target == fuzzAssistanceID {
			ids = map[string]string{"sezim": w.sezimAssistance, "akzhurok": w.akzAssistance}
		}
		var id string
		switch variant & 3 {
		case fzPathSezim:
			id, owner = ids["sezim"], "sezim"
		case fzPathAkzhurok:
			id, owner = ids["akzhurok"], "akzhurok"
		case fzPathMissing:
			id = fuzzMissingID
		case fzPathOdd:
			forms := fuzzOddIDs(ids["akzhurok"])
			id = forms[sub%len(forms)]
			if sub%len(forms) >= 8 {
				owner = "akzhurok"
			}
		}
		path = strings.Replace(path, "{id}", id, 1)
	}
	if method == http.MethodGet {
		path += fuzzQueries[sub%len(fuzzQueries)]
	}
	if create {
		switch k := fuzzIdemKeys[variant%4]; k {
		case "":
		case fuzzIdemFromInput:
			if ifMatch != "" {
				header["Idempotency-Key"] = ifMatch
			}
		default:
			header["Idempotency-Key"] = k
		}
	}
	return path, owner, header
}

// fuzzAssertAnswer: no 5xx (nor 1xx); nosniff; JSON, as problem+json from
// 400 on.
func fuzzAssertAnswer(t *testing.T, label string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 || rec.Code < 200 {
		t.Fatalf("%s: status %d: %s", label, rec.Code, rec.Body.Bytes())
	}
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", label, got)
	}
	wantType := "application/json"
	if rec.Code >= 400 {
		wantType = "application/problem+json"
	}
	if mt, _, err := mime.ParseMediaType(rec.Header().Get("Content-Type")); err != nil || mt != wantType {
		t.Errorf("%s: status %d with content type %q, want %s", label, rec.Code, rec.Header().Get("Content-Type"), wantType)
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Errorf("%s: status %d with a body that is not JSON: %.200q", label, rec.Code, rec.Body.Bytes())
	}
}
