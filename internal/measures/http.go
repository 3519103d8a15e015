package measures

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler is the HTTP face of the measure service.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Register adds the measure and activity routes.
func (h *Handler) Register(r *web.Router) {
	r.Handle(http.MethodGet, "/api/v1/measures", authz.MeasureList, h.list)
	r.Handle(http.MethodPost, "/api/v1/activities", authz.ActivityCreate, h.createActivity)
	r.Handle(http.MethodGet, "/api/v1/activities", authz.ActivityList, h.listActivities)
	r.Handle(http.MethodGet, "/api/v1/indicators", authz.IndicatorRead, h.indicators)
}

func (h *Handler) indicators(c echo.Context) error {
	m, err := h.svc.Indicators(c.Request().Context(), c.QueryParam("period"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, m)
}

func (h *Handler) list(c echo.Context) error {
	l, err := h.svc.List(c.Request().Context(), Filter{Program: c.QueryParam("program"), Direction: c.QueryParam("direction")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (h *Handler) createActivity(c echo.Context) error {
	body, err := web.ReadBody(c, false)
	if err != nil {
		return err
	}
	var in ActivityInput
	if err := web.Decode(body, &in); err != nil {
		return err
	}
	a, _, err := h.svc.CreateActivity(c.Request().Context(), in, c.Request().Header.Get("Idempotency-Key"), body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

func (h *Handler) listActivities(c echo.Context) error {
	pg, err := web.ParsePage(c)
	if err != nil {
		return err
	}
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
			return apperr.Invalid(d.name, "must be a date written YYYY-MM-DD")
		}
		*d.dst = &t
	}
	l, err := h.svc.ListActivities(c.Request().Context(), f, pg)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}
