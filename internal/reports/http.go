package reports

import (
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the half-year report and budget routes (internal/api
// lists them).
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Get answers the half-year report :year/:half as JSON, or as a file in
// ?format= xlsx, pdf or csv.
func (h *Handler) Get(c echo.Context) error {
	ctx := c.Request().Context()
	format := c.QueryParam("format")
	if format == "" || format == "json" {
		rep, err := h.svc.Report(ctx, c.Param("year"), c.Param("half"), c.QueryParam("organization_id"))
		if err != nil {
			return err
		}
		return web.OK(c, rep)
	}
	if !IsFormat(format) {
		return apperr.Invalid("format", "must be json, xlsx, pdf or csv")
	}
	f, err := h.svc.Export(ctx, c.Param("year"), c.Param("half"), c.QueryParam("organization_id"), format)
	if err != nil {
		return err
	}
	return web.Attachment(c, f.Name, f.ContentType, f.Body)
}

// PutNarrative writes the narrative of measure :measure_code in the report
// and answers it.
func (h *Handler) PutNarrative(c echo.Context) error {
	var in NarrativeInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	n, err := h.svc.PutNarrative(c.Request().Context(), c.Param("year"), c.Param("half"), c.Param("measure_code"), in)
	if err != nil {
		return err
	}
	return web.OK(c, n)
}

// Submit submits the half-year report and answers it.
func (h *Handler) Submit(c echo.Context) error {
	var in SubmitInput
	key, body, err := web.IdempotentBody(c, &in)
	if err != nil {
		return err
	}
	rep, err := h.svc.Submit(c.Request().Context(), c.Param("year"), c.Param("half"), key, body)
	if err != nil {
		return err
	}
	return web.OK(c, rep)
}

// Budget answers the budget of ?program= in ?year=.
func (h *Handler) Budget(c echo.Context) error {
	b, err := h.svc.Budget(c.Request().Context(), c.QueryParam("program"), c.QueryParam("year"))
	if err != nil {
		return err
	}
	return web.OK(c, b)
}
