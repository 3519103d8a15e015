package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
)

// accounts are the demo accounts the flows act as.
var accounts = map[string]string{
	"caseworker":  "caseworker@sezim.kg",     // Sezim's caseworker: creates, reads, lists, refers
	"social":      "social@mlsp.gov.kg",      // the social protection department: accepts referrals
	"coordinator": "coordinator@mlsp.gov.kg", // the national coordinator: statistics and reports
}

// allFlows are the flows, in the order they run.
var allFlows = []string{"sign-in", "create-case", "read-case", "list-cases", "refer-accept", "stats-table", "half-year-report", "stats-all"}

// FlowResult is one flow's figures; latencies are in milliseconds. Ratio
// is the API's throughput over the floor's (1 would be an API costing
// nothing beyond its SQL).
type FlowResult struct {
	Flow        string  `json:"flow"`
	Unavailable bool    `json:"unavailable,omitempty"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	Throughput  float64 `json:"requests_per_second"`
	P50         float64 `json:"p50_ms"`
	P95         float64 `json:"p95_ms"`
	P99         float64 `json:"p99_ms"`
	FirstError  string  `json:"first_error,omitempty"`
	// FirstMS is the flow's first request, before the timed ones: for the
	// statistics flows it waits for the year's release to be computed
	// (unless the server's warm-up got there first).
	FirstMS float64 `json:"first_request_ms"`
	// SettleMS is how long the flow waited, after its first request, for
	// the server's background work to settle (settle.go).
	SettleMS float64 `json:"settle_ms"`
	// P95ByPath is, for a flow over several paths (stats-all), each
	// path's p95.
	P95ByPath map[string]float64 `json:"p95_ms_by_path,omitempty"`
	// PeakRSSMB is the server's peak resident memory during the flow.
	PeakRSSMB float64 `json:"server_peak_rss_mb"`
	// CPU is the processor time of one iteration (cpu.go): a request, two
	// for refer-accept; FloorCPU and MinimalCPU those of one iteration of
	// each floor.
	CPU        CPUUse  `json:"cpu_ms_per_iteration"`
	FloorCPU   *CPUUse `json:"floor_cpu_ms_per_iteration,omitempty"`
	MinimalCPU *CPUUse `json:"minimal_cpu_ms_per_transaction,omitempty"`

	FloorRequests   int     `json:"floor_http_requests_per_iteration,omitempty"`
	FloorStatements int     `json:"floor_statements_per_iteration,omitempty"`
	FloorThroughput float64 `json:"floor_iterations_per_second,omitempty"`
	FloorP50        float64 `json:"floor_p50_ms,omitempty"`
	FloorP95        float64 `json:"floor_p95_ms,omitempty"`
	FloorP99        float64 `json:"floor_p99_ms,omitempty"`
	FloorErrors     int     `json:"floor_errors,omitempty"`
	FloorFirstError string  `json:"floor_first_error,omitempty"`
	Ratio           float64 `json:"api_over_floor,omitempty"`

	// The minimal floor (minimal.go): the flow's data in one hand-written
	// statement as the owner.
	MinimalThroughput float64 `json:"minimal_transactions_per_second,omitempty"`
	MinimalP50        float64 `json:"minimal_p50_ms,omitempty"`
	MinimalP95        float64 `json:"minimal_p95_ms,omitempty"`
	MinimalErrors     int     `json:"minimal_errors,omitempty"`
	MinimalFirstError string  `json:"minimal_first_error,omitempty"`
	MinimalRatio      float64 `json:"api_over_minimal,omitempty"`
}

type bench struct {
	base   string
	o      options
	http   *http.Client
	tokens map[string]string // by account key
	seq    atomic.Int64
	cpu    cpuMeter

	socialOrg uuid.UUID
	readIDs   []string // cases the caseworker may read
	referIDs  []string // open cases of the caseworker, each with a consent to the department
	consents  map[string]string
}

// flowSpec is one flow: run makes one iteration as client w (i < 0: the
// traced iteration), with ua as the User-Agent when not empty.
type flowSpec struct {
	available func(ctx context.Context) string // "" when the flow can run
	setup     func(ctx context.Context) error
	run       func(ctx context.Context, w, i int, ua string) error
	byPath    func() map[string]float64 // each path's p95, for a flow of several paths
}

// loadFixtures picks, from the dataset, the cases the read and refer
// flows use.
func (b *bench) loadFixtures(ctx context.Context, superURL, db string) error {
	conn, err := connectTo(ctx, superURL, db)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, `SELECT id FROM organizations WHERE code = 'MLSSM-SOC'`).Scan(&b.socialOrg); err != nil {
		return fmt.Errorf("social protection department: %w", err)
	}
	pick := func(q string, n int) ([]string, error) {
		rows, err := conn.Query(ctx, q, accounts["caseworker"], n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			out = append(out, id.String())
		}
		return out, rows.Err()
	}
	// Any case of the caseworker's, spread over the whole dataset.
	if b.readIDs, err = pick(`SELECT a.case_id FROM case_assignments a JOIN users u ON u.id = a.user_id
		WHERE u.email = $1 ORDER BY random() LIMIT $2`, 2000); err != nil {
		return err
	}
	// Open adult cases (a minor's consent is given by a guardian).
	if b.referIDs, err = pick(`SELECT c.id FROM case_assignments a JOIN users u ON u.id = a.user_id JOIN cases c ON c.id = a.case_id
		WHERE u.email = $1 AND c.status = 'open' AND c.is_minor IS NOT TRUE AND c.owner_organization_id = u.organization_id
		ORDER BY random() LIMIT $2`, 64); err != nil {
		return err
	}
	if len(b.readIDs) == 0 || len(b.referIDs) == 0 {
		return errors.New("the dataset has no case of the demo caseworker")
	}
	return nil
}

func (b *bench) flow(name string) (flowSpec, bool) {
	switch name {
	case "sign-in":
		return flowSpec{run: func(ctx context.Context, _, _ int, ua string) error {
			_, err := b.signIn(ctx, "caseworker", ua)
			return err
		}}, true
	case "create-case":
		return flowSpec{run: func(ctx context.Context, _, _ int, ua string) error {
			n := b.seq.Add(1)
			body := fmt.Appendf(nil, `{"sex":"female","citizenship":"KG","region_of_origin":"osh","identification_channel":"hotline",
				"exploitation_types":["forced_labour"],"countries_of_exploitation":["RU"],"risk_level":"medium",
				"trafficking_events":[{"kind":"exploitation","country":"RU","region":"Moscow","year_month":"2025-03","place":"a market","details":"bench %d"}],
				"identity":{"given_name":"Бенч","family_name":"Бенчова","birth_date":"1999-04-12","phone":"+996555000111"}}`, n)
			return b.call(ctx, "caseworker", ua, http.MethodPost, "/api/v1/cases", body, http.StatusCreated, nil,
				"Idempotency-Key", fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), n))
		}}, true
	case "read-case":
		return flowSpec{run: func(ctx context.Context, w, i int, ua string) error {
			id := b.readIDs[uint(w*7919+i*31)%uint(len(b.readIDs))]
			return b.call(ctx, "caseworker", ua, http.MethodGet, "/api/v1/cases/"+id, nil, http.StatusOK, nil)
		}}, true
	case "list-cases":
		return flowSpec{run: func(ctx context.Context, _, _ int, ua string) error {
			return b.call(ctx, "caseworker", ua, http.MethodGet, "/api/v1/cases?limit=50", nil, http.StatusOK, nil)
		}}, true
	case "refer-accept":
		return flowSpec{setup: b.consentsForReferrals, run: func(ctx context.Context, w, i int, ua string) error {
			id := b.referIDs[uint(w*17+i)%uint(len(b.referIDs))]
			body := fmt.Appendf(nil, `{"kind":"assistance","to_organization_id":%q,"assistance_types":["financial","housing"],
				"categories":["identity"],"urgency":"normal","consent_id":%q}`, b.socialOrg, b.consents[id])
			var ref struct {
				ID string `json:"id"`
			}
			if err := b.call(ctx, "caseworker", ua, http.MethodPost, "/api/v1/cases/"+id+"/referrals", body, http.StatusCreated, &ref); err != nil {
				return err
			}
			return b.call(ctx, "social", ua, http.MethodPost, "/api/v1/referrals/"+ref.ID+"/accept", []byte(`{}`), http.StatusOK, nil)
		}}, true
	case "stats-table":
		return flowSpec{run: func(ctx context.Context, _, _ int, ua string) error {
			return b.call(ctx, "coordinator", ua, http.MethodGet, "/api/v1/stats/tables/persons_by_sex_age?period=2025", nil, http.StatusOK, nil)
		}}, true
	case "stats-all":
		s := &statsAll{b: b}
		return flowSpec{setup: s.setup, run: s.run, byPath: s.byPath}, true
	case "half-year-report":
		const path = "/api/v1/reports/half-year/2025/1"
		return flowSpec{
			available: func(ctx context.Context) string {
				err := b.call(ctx, "coordinator", "", http.MethodGet, path, nil, http.StatusOK, nil)
				var se *statusError
				if errors.As(err, &se) && (se.status == http.StatusNotFound || se.status == http.StatusMethodNotAllowed) {
					return fmt.Sprintf("GET %s answers %d", path, se.status)
				}
				return ""
			},
			run: func(ctx context.Context, _, _ int, ua string) error {
				return b.call(ctx, "coordinator", ua, http.MethodGet, path, nil, http.StatusOK, nil)
			}}, true
	}
	return flowSpec{}, false
}

// consentsForReferrals records, once per run, a data-sharing consent to
// the department for each case the refer flow uses.
func (b *bench) consentsForReferrals(ctx context.Context) error {
	if b.consents != nil {
		return nil
	}
	b.consents = map[string]string{}
	for _, id := range b.referIDs {
		body := fmt.Appendf(nil, `{"purpose":"data_sharing","recipient_organization_id":%q,"categories":["identity"],"given_by":"person"}`, b.socialOrg)
		var out struct {
			ID string `json:"id"`
		}
		if err := b.call(ctx, "caseworker", "", http.MethodPost, "/api/v1/cases/"+id+"/consents", body, http.StatusCreated, &out); err != nil {
			return err
		}
		b.consents[id] = out.ID
	}
	return nil
}

// signInAll signs every account of the flows in (again), between flows.
func (b *bench) signInAll(ctx context.Context) error {
	for who := range accounts {
		tok, err := b.signIn(ctx, who, "")
		if err != nil {
			return err
		}
		b.tokens[who] = tok
	}
	return nil
}

func (b *bench) signIn(ctx context.Context, who, ua string) (string, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err := b.call(ctx, "", ua, http.MethodPost, "/api/v1/auth/login",
		fmt.Appendf(nil, `{"email":%q,"password":"jardam-demo-2025"}`, accounts[who]), http.StatusOK, &tok)
	return tok.AccessToken, err
}

type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

// call makes one request as the account who ("" for none) and checks the
// status.
func (b *bench) call(ctx context.Context, who, ua, method, path string, body []byte, want int, out any, hdr ...string) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ua == "" {
		ua = "jardam-bench"
	}
	req.Header.Set("User-Agent", ua)
	if tok := b.tokens[who]; who != "" && tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	status, data, err := fetch(b.http, req)
	if err != nil {
		return err
	}
	if status != want {
		return &statusError{status, fmt.Sprintf("%s %s: %d %s", method, path, status, bytes.TrimSpace(data))}
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

func printTable(w io.Writer, r Report) error {
	var err error
	printf := func(w io.Writer, format string, a ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, a...)
		}
	}
	printf(w, "\nJardam over HTTP: %d cases, %d clients per flow, %s per flow, %d CPUs, %s\n\n",
		r.Cases, r.Concurrency, r.Duration, r.CPUs, r.GoVersion)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	printf(tw, "flow\tfirst ms\trequests\terrors\treq/s\tp50 ms\tp95 ms\tp99 ms\tpeak MB\tfloor stmts\tfloor it/s\tfloor p50\tfloor p95\tAPI/floor\tminimal tx/s\tminimal p95\tAPI/minimal\t\n")
	for _, f := range r.Flows {
		if f.Unavailable {
			printf(tw, "%s\tunavailable\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n", f.Flow)
			continue
		}
		var floor string
		if f.FloorThroughput > 0 {
			floor = fmt.Sprintf("%d\t%.1f\t%.2f\t%.2f\t%.2f", f.FloorStatements, f.FloorThroughput, f.FloorP50, f.FloorP95, f.Ratio)
		} else {
			floor = "-\t-\t-\t-\t-"
		}
		minimal := "-\t-\t-"
		if f.MinimalThroughput > 0 {
			minimal = fmt.Sprintf("%.1f\t%.2f\t%.2f", f.MinimalThroughput, f.MinimalP95, f.MinimalRatio)
		}
		printf(tw, "%s\t%.0f\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%.0f\t%s\t%s\t\n", f.Flow, f.FirstMS, f.Requests, f.Errors, f.Throughput, f.P50, f.P95, f.P99, f.PeakRSSMB, floor, minimal)
	}
	if err == nil {
		err = tw.Flush()
	}
	printf(w, "\nProcessor time per iteration (a request; two for refer-accept; a transaction of the minimal SQL), ms: the server, the database cluster, the bench's clients\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	printf(tw, "flow\tserver\tdatabase\tclients\ttotal\tminimal database\tminimal clients\tminimal total\t\n")
	for _, f := range r.Flows {
		if f.Unavailable {
			continue
		}
		minimal := "-\t-\t-"
		if m := f.MinimalCPU; m != nil {
			minimal = fmt.Sprintf("%.3f\t%.3f\t%.3f", m.DatabaseMS, m.ClientMS, m.Total())
		}
		c := f.CPU
		printf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.3f\t%s\t\n", f.Flow, c.ServerMS, c.DatabaseMS, c.ClientMS, c.Total(), minimal)
	}
	if err == nil {
		err = tw.Flush()
	}
	printf(w, "\nAPI/floor: the API's iterations per second over those of its own SQL replayed through pgx (1.0 = no cost beyond the SQL)\n")
	printf(w, "API/minimal: the API's requests per second over the transactions per second of the minimal SQL returning the same data and writing the same audit entries (minimal.go)\n")
	printf(w, "server peak memory (VmHWM, highest of the flows): %.1f MB; load average before %s, after %s\n", r.ServerPeakRSSMB, r.LoadBefore, r.LoadAfter)
	for _, f := range r.Flows {
		if f.FirstError != "" {
			printf(w, "first error in %s: %s\n", f.Flow, firstLine(f.FirstError))
		}
		if f.FloorFirstError != "" {
			printf(w, "first error in the floor of %s: %s\n", f.Flow, f.FloorFirstError)
		}
		if f.MinimalFirstError != "" {
			printf(w, "first error in the minimal floor of %s: %s\n", f.Flow, firstLine(f.MinimalFirstError))
		}
	}
	return err
}
