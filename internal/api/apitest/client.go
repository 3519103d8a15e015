package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/jardam-kg/jardam/internal/auth"
)

// Request is one call.
type Request struct {
	Method string
	Path   string
	// Body is marshalled as JSON unless RawBody is set.
	Body    any
	RawBody []byte
	Token   string
	Header  map[string]string
	// Invalid marks a request deliberately outside the description (bad
	// JSON, unknown fields, wrong content type): its validation is skipped,
	// the response is still validated.
	Invalid bool
}

// Response is what came back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the body as an object.
func (r *Response) Map(t testing.TB) map[string]any {
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// GetJSON sends GET path with token, fails the test unless it answers 200
// OK, and decodes the body into v.
func (e *Env) GetJSON(t testing.TB, token, path string, v any) {
	t.Helper()
	r := e.Do(Request{Method: http.MethodGet, Path: path, Token: token})
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	r.JSON(t, v)
}

// Do sends req, validating request and response against the description.
func (e *Env) Do(req Request) *Response {
	e.t.Helper()
	var body []byte
	switch {
	case req.RawBody != nil:
		body = req.RawBody
	case req.Body != nil:
		var err error
		if body, err = json.Marshal(req.Body); err != nil {
			e.t.Fatal(err)
		}
	}
	hr, err := http.NewRequest(req.Method, e.HTTP.URL+req.Path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.Token)
	}
	for k, v := range req.Header {
		hr.Header.Set(k, v)
	}
	route, pathParams, rerr := e.router.FindRoute(hr)
	var in *openapi3filter.RequestValidationInput
	if rerr == nil {
		in = &openapi3filter.RequestValidationInput{
			Request: hr, PathParams: pathParams, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
		}
		if !req.Invalid {
			// ValidateRequest consumes the body; give it a copy.
			vr := hr.Clone(context.Background())
			vr.Body = io.NopCloser(bytes.NewReader(body))
			vin := *in
			vin.Request = vr
			if err := openapi3filter.ValidateRequest(context.Background(), &vin); err != nil {
				e.t.Errorf("%s %s: request does not match the description: %v", req.Method, req.Path, err)
			}
		}
	} else if !strings.HasPrefix(req.Path, "/api/") || req.Invalid {
		// Routes outside the API, or deliberately unknown ones.
	} else {
		e.t.Errorf("%s %s: not in the description: %v", req.Method, req.Path, rerr)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read to the end first
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: rb}
	// No API answer may stay in a browser's or a proxy's cache.
	if strings.HasPrefix(req.Path, "/api/") && resp.Header.Get("Cache-Control") != "no-store" {
		e.t.Errorf("%s %s: %d answered with Cache-Control %q, want no-store", req.Method, req.Path, resp.StatusCode,
			resp.Header.Get("Cache-Control"))
	}
	if in != nil {
		in.Request = hr
		rin := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		rin.SetBodyBytes(rb)
		if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
			e.t.Errorf("%s %s: response %d does not match the description: %v\nbody: %s", req.Method, req.Path, resp.StatusCode, err, rb)
		}
	}
	return out
}

// Login signs in with the demo password (or password) and returns the
// token pair.
func (e *Env) Login(email string, password ...string) auth.TokenPair {
	e.t.Helper()
	pw := auth.DemoPassword
	if len(password) > 0 {
		pw = password[0]
	}
	r := e.Do(Request{Method: http.MethodPost, Path: "/api/v1/auth/login", Body: map[string]string{"email": email, "password": pw}})
	if r.Status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	var p auth.TokenPair
	r.JSON(e.t, &p)
	return p
}

// Token signs in and returns the access token.
func (e *Env) Token(email string, password ...string) string {
	e.t.Helper()
	return e.Login(email, password...).AccessToken
}
