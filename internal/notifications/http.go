package notifications

import (
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the notification routes (internal/api lists them).
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// List answers a page of the caller's notifications, only the unread ones
// with ?unread=true.
func (h *Handler) List(c echo.Context) error {
	return web.Paged(c, func(c echo.Context) (bool, error) { return web.QueryBool(c, "unread") }, h.svc.List)
}

// ReadAll marks every notification of the caller read.
func (h *Handler) ReadAll(c echo.Context) error {
	n, err := h.svc.MarkAllRead(c.Request().Context())
	if err != nil {
		return err
	}
	return web.OK(c, map[string]int64{"marked": n, "unread_count": 0})
}

// Read marks notification :id read and answers it.
func (h *Handler) Read(c echo.Context) error {
	return web.OnID(c, web.ID("notification"), h.svc.MarkRead, web.OK)
}
