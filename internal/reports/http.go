package reports

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler is the HTTP face of the report service.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Register adds the report and budget routes.
func (h *Handler) Register(r *web.Router) {
	r.Handle(http.MethodGet, "/api/v1/reports/half-year/:year/:half", authz.ReportRead, h.get)
	r.Handle(http.MethodPut, "/api/v1/reports/half-year/:year/:half/narratives/:measure_code", authz.ReportWrite, h.putNarrative)
	r.Handle(http.MethodPost, "/api/v1/reports/half-year/:year/:half/submit", authz.ReportWrite, h.submit)
	r.Handle(http.MethodGet, "/api/v1/budget", authz.BudgetRead, h.budget)
}

func (h *Handler) get(c echo.Context) error {
	ctx := c.Request().Context()
	format := c.QueryParam("format")
	if format == "" || format == "json" {
		rep, err := h.svc.Report(ctx, c.Param("year"), c.Param("half"), c.QueryParam("organization_id"))
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, rep)
	}
	if !IsFormat(format) {
		return apperr.Invalid("format", "must be json, xlsx, pdf or csv")
	}
	f, err := h.svc.Export(ctx, c.Param("year"), c.Param("half"), c.QueryParam("organization_id"), format)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+f.Name+`"`)
	return c.Blob(http.StatusOK, f.ContentType, f.Body)
}

func (h *Handler) putNarrative(c echo.Context) error {
	var in NarrativeInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	n, err := h.svc.PutNarrative(c.Request().Context(), c.Param("year"), c.Param("half"), c.Param("measure_code"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}

func (h *Handler) submit(c echo.Context) error {
	body, err := web.ReadBody(c, false)
	if err != nil {
		return err
	}
	var in SubmitInput
	if err := web.Decode(body, &in); err != nil {
		return err
	}
	rep, err := h.svc.Submit(c.Request().Context(), c.Param("year"), c.Param("half"), c.Request().Header.Get("Idempotency-Key"), body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

func (h *Handler) budget(c echo.Context) error {
	b, err := h.svc.Budget(c.Request().Context(), c.QueryParam("program"), c.QueryParam("year"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, b)
}
