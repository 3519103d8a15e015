package work

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler is the HTTP face of the work list.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Register adds GET /api/v1/me/work.
func (h *Handler) Register(r *web.Router) {
	r.Handle(http.MethodGet, "/api/v1/me/work", authz.WorkList, h.mine)
}

func (h *Handler) mine(c echo.Context) error {
	out, err := h.svc.Mine(c.Request().Context(), c.QueryParam("kind"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
