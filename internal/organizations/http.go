package organizations

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler is the HTTP face of the organization service.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Register adds the organization routes.
func (h *Handler) Register(r *web.Router) {
	r.Handle(http.MethodGet, "/api/v1/organizations", authz.OrganizationList, h.list)
	r.Handle(http.MethodPost, "/api/v1/organizations", authz.OrganizationCreate, h.create)
	r.Handle(http.MethodPatch, "/api/v1/organizations/:id", authz.OrganizationUpdate, h.update)
}

func (h *Handler) list(c echo.Context) error {
	p, err := web.ParsePage(c)
	if err != nil {
		return err
	}
	l, err := h.svc.List(c.Request().Context(), p)
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
	o, err := h.svc.Create(c.Request().Context(), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", web.ETag(o.Version))
	return c.JSON(http.StatusCreated, o)
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
	id, err := web.PathUUID(c, "id", "organization")
	if err != nil {
		return err
	}
	o, err := h.svc.Update(c.Request().Context(), id, version, p)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", web.ETag(o.Version))
	return c.JSON(http.StatusOK, o)
}
