package stats

import (
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the statistics routes (internal/api lists them;
// coordinators only, by the policy).
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// List answers the tables there are.
func (h *Handler) List(c echo.Context) error { return web.Items(c, h.svc.List()) }

// Table answers table :name for ?period=.
func (h *Handler) Table(c echo.Context) error {
	if err := onlyParam(c, "period"); err != nil {
		return err
	}
	t, err := h.svc.Table(c.Request().Context(), c.Param("name"), c.QueryParam("period"))
	if err != nil {
		return err
	}
	return web.OK(c, t)
}

// Series answers series :name over the years.
func (h *Handler) Series(c echo.Context) error {
	if len(c.QueryParams()) > 0 {
		return apperr.Invalid("query", "a series takes no parameters")
	}
	t, err := h.svc.Series(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	return web.OK(c, t)
}

// ExportHTCDS answers the person-level export of ?year= in the HTCDS
// layout, as a CSV file.
func (h *Handler) ExportHTCDS(c echo.Context) error { return h.export(c, LayoutHTCDS) }

// ExportCTDC answers the person-level export of ?year= in the CTDC layout,
// as a CSV file.
func (h *Handler) ExportCTDC(c echo.Context) error { return h.export(c, LayoutCTDC) }

func (h *Handler) export(c echo.Context, layout string) error {
	if err := onlyParam(c, "year"); err != nil {
		return err
	}
	e, err := h.svc.Export(c.Request().Context(), layout, c.QueryParam("year"))
	if err != nil {
		return err
	}
	return web.Attachment(c, e.Filename, "text/csv; charset=utf-8", e.CSV)
}

// onlyParam refuses a query string with any parameter but name, or with
// name given more than once.
func onlyParam(c echo.Context, name string) error {
	q := c.QueryParams()
	for k := range q {
		if k != name {
			return apperr.Invalid("query", "only "+name+" is accepted")
		}
	}
	if len(q[name]) > 1 {
		return apperr.Invalid(name, "must be given once")
	}
	return nil
}
