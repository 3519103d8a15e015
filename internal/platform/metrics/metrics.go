// Package metrics owns Jardam's operations metrics in the Prometheus text
// format: HTTP requests by method, route template and status, the database
// pool, and gauges read from the database on each scrape (outbox backlog,
// audit linker lag). Labels are route templates, methods and status codes
// only: a metric never carries a raw path, an id, a query or any personal
// data. The endpoint is served on its own listen address, meant for
// operators, never on the API's.
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric name.
const Namespace = "jardam"

// Registry holds one process's metrics. Its methods are safe for concurrent
// use; a nil *Registry records nothing, so code can take one optionally.
type Registry struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	scrapeErrors *prometheus.CounterVec
}

// New returns a registry with the HTTP request metrics and the Go runtime
// and process collectors.
func New() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by method, route template and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, route template and status class.",
			Buckets: []float64{.0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "code_class"}),
		scrapeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "metrics", Name: "gauge_errors_total",
			Help: "Scrapes on which a gauge read from the database failed, by gauge.",
		}, []string{"gauge"}),
	}
	r.reg.MustRegister(r.requests, r.latency, r.scrapeErrors,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// knownMethods bounds the method label: anything else counts as OTHER.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// ObserveRequest records one answered request. route must be the route
// template (such as /api/v1/cases/:id), never the raw path; an empty route
// (no route matched) is recorded as "unmatched".
func (r *Registry) ObserveRequest(method, route string, status int, d time.Duration) {
	if r == nil {
		return
	}
	if !knownMethods[method] {
		method = "OTHER"
	}
	if route == "" {
		route = "unmatched"
	}
	r.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	r.latency.WithLabelValues(method, route, strconv.Itoa(status/100)+"xx").Observe(d.Seconds())
}

// AddDBPool exports the statistics of the connection pool db (open, in use
// and idle connections, waits) labelled with name.
func (r *Registry) AddDBPool(db *sql.DB, name string) error {
	return r.reg.Register(collectors.NewDBStatsCollector(db, name))
}

// GaugeFunc reads a gauge's current value, typically with one query.
type GaugeFunc func(ctx context.Context) (float64, error)

// AddGauge exports a gauge named jardam_<name> whose value read calls on
// each scrape, within timeout. When read fails the gauge is left out of
// that scrape and jardam_metrics_gauge_errors_total{gauge=name} counts it
// (collectors run concurrently, so the count shows by the next scrape); a
// database outage never fails the whole scrape. It returns an error
// when the name is taken or invalid.
func (r *Registry) AddGauge(name, help string, timeout time.Duration, read GaugeFunc) error {
	return r.reg.Register(&gauge{
		desc:    prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, nil, nil),
		name:    name,
		timeout: timeout,
		read:    read,
		errors:  r.scrapeErrors,
	})
}

type gauge struct {
	desc    *prometheus.Desc
	name    string
	timeout time.Duration
	read    GaugeFunc
	errors  *prometheus.CounterVec
}

func (g *gauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *gauge) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	v, err := g.read(ctx)
	if err != nil {
		g.errors.WithLabelValues(g.name).Inc()
		return
	}
	ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v)
}

// Register adds a collector of the service's own (such as the background
// jobs' counts). It returns an error when its metrics clash with others.
func (r *Registry) Register(c prometheus.Collector) error { return r.reg.Register(c) }

// Handler serves the metrics in the Prometheus exposition format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{
		Registry:            r.reg,
		MaxRequestsInFlight: 2,
		Timeout:             10 * time.Second,
	})
}

// Server serves GET /metrics (and nothing else) on its own address.
type Server struct {
	hs  *http.Server
	ln  net.Listener
	log *slog.Logger
}

// Listen opens addr for the metrics endpoint. It returns the listener's
// error (address in use, bad address).
func (r *Registry) Listen(addr string, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", r.Handler())
	return &Server{ln: ln, log: log, hs: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}}, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until Shutdown; it logs and returns an unexpected error.
func (s *Server) Serve() error {
	err := s.hs.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	s.log.Error("metrics endpoint stopped", slog.String("error", err.Error()))
	return err
}

// Shutdown stops the server, waiting for running scrapes until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.hs.Shutdown(ctx) }
