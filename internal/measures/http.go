package measures

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the measure, activity and indicator routes (internal/api
// lists them).
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Indicators answers the Program's indicators for ?period=.
func (h *Handler) Indicators(c echo.Context) error {
	m, err := h.svc.Indicators(c.Request().Context(), c.QueryParam("period"))
	if err != nil {
		return err
	}
	return web.OK(c, m)
}

// List answers the measures, filtered by program and direction.
func (h *Handler) List(c echo.Context) error {
	l, err := h.svc.List(c.Request().Context(), Filter{Program: c.QueryParam("program"), Direction: c.QueryParam("direction")})
	if err != nil {
		return err
	}
	return web.OK(c, l)
}

// CreateActivity records an activity and answers 201 with it.
func (h *Handler) CreateActivity(c echo.Context) error {
	var in ActivityInput
	key, body, err := web.IdempotentBody(c, &in)
	if err != nil {
		return err
	}
	a, _, err := h.svc.CreateActivity(c.Request().Context(), in, key, body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

// ListActivities answers a page of activities, filtered by measure_code,
// from and to.
func (h *Handler) ListActivities(c echo.Context) error {
	return web.Paged(c, activityFilter, h.svc.ListActivities)
}

func activityFilter(c echo.Context) (ActivityFilter, error) {
	f := ActivityFilter{MeasureCode: c.QueryParam("measure_code")}
	for _, d := range []struct {
		name string
		dst  **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := c.QueryParam(d.name)
		if v == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return f, apperr.Invalid(d.name, "must be a date written YYYY-MM-DD")
		}
		*d.dst = &t
	}
	return f, nil
}
