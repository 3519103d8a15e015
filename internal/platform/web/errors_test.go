package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/web"
)

func TestErrorHandler_AbandonedRequestIsNotAnError(t *testing.T) {
	var logs bytes.Buffer
	h := web.ErrorHandler(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	e := echo.New()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/indicators", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	h(fmt.Errorf("indicators: %w", context.Canceled), e.NewContext(req, rec))
	if rec.Code != web.StatusClientClosedRequest {
		t.Fatalf("status %d, want %d", rec.Code, web.StatusClientClosedRequest)
	}
	if strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "abandoned") {
		t.Fatalf("log: %s", logs.String())
	}
}

func TestErrorHandler_CanceledWhileTheClientWaitsIsAnError(t *testing.T) {
	// A cancellation that is not the client's (the request's context is
	// live) is a failure of ours: 500, logged.
	var logs bytes.Buffer
	h := web.ErrorHandler(slog.New(slog.NewTextHandler(&logs, nil)))
	e := echo.New()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/indicators", nil)
	rec := httptest.NewRecorder()
	h(errors.Join(errors.New("lookup"), context.Canceled), e.NewContext(req, rec))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("status %d, log %s", rec.Code, logs.String())
	}
}
