package work

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Register adds GET /api/v1/me/work, answered by svc.
func Register(r *web.Router, svc *Service) {
	r.Handle(http.MethodGet, "/api/v1/me/work", authz.WorkList, func(c echo.Context) error {
		out, err := svc.Mine(c.Request().Context(), c.QueryParam("kind"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	})
}
