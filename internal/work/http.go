package work

import (
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the work list route (internal/api lists it).
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Mine answers the caller's work list: what is overdue or due soon, of one
// ?kind= or of every kind.
func (h *Handler) Mine(c echo.Context) error {
	out, err := h.svc.Mine(c.Request().Context(), c.QueryParam("kind"))
	if err != nil {
		return err
	}
	return web.OK(c, out)
}
