package metrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/metrics"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

func scrape(t *testing.T, reg *metrics.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: status %d", rec.Code)
	}
	return rec.Body.String()
}

func TestObserveRequest_CountsByRouteTemplateAndStatus(t *testing.T) {
	reg := metrics.New()
	reg.ObserveRequest(http.MethodGet, "/api/v1/cases/:id", 200, 3*time.Millisecond)
	reg.ObserveRequest(http.MethodGet, "/api/v1/cases/:id", 200, 4*time.Millisecond)
	reg.ObserveRequest(http.MethodPost, "/api/v1/cases", 503, time.Millisecond)
	reg.ObserveRequest("BREW", "", 405, time.Millisecond)
	out := scrape(t, reg)
	for _, want := range []string{
		`jardam_http_requests_total{method="GET",route="/api/v1/cases/:id",status="200"} 2`,
		`jardam_http_requests_total{method="POST",route="/api/v1/cases",status="503"} 1`,
		`jardam_http_requests_total{method="OTHER",route="unmatched",status="405"} 1`,
		`jardam_http_request_duration_seconds_count{code_class="2xx",method="GET",route="/api/v1/cases/:id"} 2`,
		`jardam_http_request_duration_seconds_bucket{code_class="5xx",method="POST",route="/api/v1/cases",le="0.0025"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}

func TestObserveRequest_NilRegistryRecordsNothing(t *testing.T) {
	var reg *metrics.Registry
	reg.ObserveRequest(http.MethodGet, "/healthz", 200, time.Millisecond) // must not panic
}

// Through the web middleware, a request is labelled by its route template
// and the status the error handler sent; ids, queries and bodies never
// reach a label.
func TestWebMiddleware_LabelsTemplateNeverRawPath(t *testing.T) {
	reg := metrics.New()
	e := web.New(web.Options{Logger: slog.New(slog.DiscardHandler), Observe: reg.ObserveRequest})
	e.GET("/api/v1/cases/:id", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"id": c.Param("id")}) })
	e.POST("/api/v1/cases", func(c echo.Context) error {
		return apperr.Internal(database.ErrUnavailable)
	})
	e.GET("/api/v1/boom", func(c echo.Context) error { return errors.New("boom") })

	const id = "6f1c1f7e-5f57-4a5c-8a37-0d6f3c1b9d10"
	for _, r := range []struct {
		method, target, body string
		want                 int
	}{
		{http.MethodGet, "/api/v1/cases/" + id + "?q=Aigul", "", 200},
		{http.MethodPost, "/api/v1/cases", `{"identity":{"given_name":"Aigul"}}`, 503},
		{http.MethodGet, "/api/v1/boom", "", 500},
		{http.MethodGet, "/api/v1/nowhere/" + id, "", 404},
	} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(r.method, r.target, strings.NewReader(r.body)))
		if rec.Code != r.want {
			t.Fatalf("%s %s: status %d, want %d", r.method, r.target, rec.Code, r.want)
		}
	}
	out := scrape(t, reg)
	for _, want := range []string{
		`jardam_http_requests_total{method="GET",route="/api/v1/cases/:id",status="200"} 1`,
		`jardam_http_requests_total{method="POST",route="/api/v1/cases",status="503"} 1`,
		`jardam_http_requests_total{method="GET",route="/api/v1/boom",status="500"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	for _, leak := range []string{id, "Aigul", "q="} {
		if strings.Contains(out, leak) {
			t.Errorf("scrape carries %q", leak)
		}
	}
}

func TestAddGauge_ReadOnScrape_FailureLeavesItOut(t *testing.T) {
	reg := metrics.New()
	n := 0.0
	if err := reg.AddGauge("outbox_pending", "Pending events.", time.Second, func(context.Context) (float64, error) {
		n++
		return n, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddGauge("audit_unlinked_entries", "Unlinked entries.", 50*time.Millisecond, func(ctx context.Context) (float64, error) {
		<-ctx.Done() // the database does not answer
		return 0, ctx.Err()
	}); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddGauge("outbox_pending", "again", time.Second, nil); err == nil {
		t.Error("a second gauge with the same name was accepted")
	}
	out := scrape(t, reg)
	if !strings.Contains(out, "jardam_outbox_pending 1\n") {
		t.Errorf("first scrape lacks jardam_outbox_pending 1:\n%s", grep(out, "jardam_"))
	}
	if strings.Contains(out, "jardam_audit_unlinked_entries ") {
		t.Error("a gauge whose read failed was exported")
	}
	// Collectors run concurrently: the failure shows by the next scrape.
	out = scrape(t, reg)
	if !strings.Contains(out, "jardam_outbox_pending 2\n") {
		t.Error("the gauge was not read again on the second scrape")
	}
	if !strings.Contains(out, `jardam_metrics_gauge_errors_total{gauge="audit_unlinked_entries"} `) {
		t.Errorf("the failed read was not counted:\n%s", grep(out, "jardam_"))
	}
}

func TestListen_ServesOnlyMetrics(t *testing.T) {
	reg := metrics.New()
	reg.ObserveRequest(http.MethodGet, "/healthz", 200, time.Millisecond)
	srv, err := reg.Listen("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	get := func(path string) (int, string) {
		res, err := http.Get("http://" + srv.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		if err := res.Body.Close(); err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, string(b)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, `route="/healthz"`) {
		t.Errorf("GET /metrics: %d", code)
	}
	if code, _ := get("/api/v1/cases"); code != http.StatusNotFound {
		t.Errorf("GET /api/v1/cases on the metrics address: %d, want 404", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve after Shutdown: %v", err)
	}
}

func grep(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
