package stats

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler is the HTTP face of the statistics service.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Register adds the statistics routes (coordinators only, by the policy).
func (h *Handler) Register(r *web.Router) {
	r.Handle(http.MethodGet, "/api/v1/stats/tables", authz.StatsRead, h.list)
	r.Handle(http.MethodGet, "/api/v1/stats/tables/:name", authz.StatsRead, h.table)
	r.Handle(http.MethodGet, "/api/v1/stats/series/:name", authz.StatsRead, h.series)
	r.Handle(http.MethodGet, "/api/v1/stats/export/htcds", authz.StatsExport, h.export(LayoutHTCDS))
	r.Handle(http.MethodGet, "/api/v1/stats/export/ctdc", authz.StatsExport, h.export(LayoutCTDC))
}

func (h *Handler) list(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"items": h.svc.List(), "next_cursor": nil})
}

func (h *Handler) table(c echo.Context) error {
	if err := onlyParam(c, "period"); err != nil {
		return err
	}
	t, err := h.svc.Table(c.Request().Context(), c.Param("name"), c.QueryParam("period"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, t)
}

func (h *Handler) series(c echo.Context) error {
	if len(c.QueryParams()) > 0 {
		return apperr.Invalid("query", "a series takes no parameters")
	}
	t, err := h.svc.Series(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, t)
}

// export answers the person-level export in a layout.
func (h *Handler) export(layout string) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := onlyParam(c, "year"); err != nil {
			return err
		}
		e, err := h.svc.Export(c.Request().Context(), layout, c.QueryParam("year"))
		if err != nil {
			return err
		}
		hd := c.Response().Header()
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Disposition", `attachment; filename="`+e.Filename+`"`)
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", e.CSV)
	}
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
