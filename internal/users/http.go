package users

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler is the HTTP face of the account service.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Register adds the account routes.
func (h *Handler) Register(r *web.Router) {
	r.Handle(http.MethodGet, "/api/v1/users", authz.UserList, h.list)
	r.Handle(http.MethodPost, "/api/v1/users", authz.UserCreate, h.create)
	r.Handle(http.MethodPatch, "/api/v1/users/:id", authz.UserUpdate, h.update)
	r.Handle(http.MethodPost, "/api/v1/users/:id/approve", authz.UserApprove, h.approve)
}

func (h *Handler) list(c echo.Context) error {
	p, err := web.ParsePage(c)
	if err != nil {
		return err
	}
	var f Filter
	if v := c.QueryParam("organization_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return apperr.Invalid("organization_id", "must be a UUID")
		}
		f.OrganizationID = id
	}
	f.Role = c.QueryParam("role")
	f.Status = c.QueryParam("status")
	l, err := h.svc.List(c.Request().Context(), f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (h *Handler) create(c echo.Context) error {
	var in CreateInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	u, err := h.svc.Create(c.Request().Context(), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", web.ETag(u.Version))
	return c.JSON(http.StatusCreated, u)
}

func (h *Handler) update(c echo.Context) error {
	body, err := web.ReadBody(c, true)
	if err != nil {
		return err
	}
	var p Patch
	if err := web.Decode(body, &p); err != nil {
		return err
	}
	version, err := web.ExpectedVersion(c, p.Version)
	if err != nil {
		return err
	}
	id, err := web.PathUUID(c, "id", "user")
	if err != nil {
		return err
	}
	u, err := h.svc.Update(c.Request().Context(), id, version, p)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", web.ETag(u.Version))
	return c.JSON(http.StatusOK, u)
}

func (h *Handler) approve(c echo.Context) error {
	id, err := web.PathUUID(c, "id", "user")
	if err != nil {
		return err
	}
	a, err := h.svc.Approve(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, a)
}
