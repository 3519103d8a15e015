package organizations

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the organization routes (internal/api lists them).
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// List answers a page of organizations.
func (h *Handler) List(c echo.Context) error {
	p, err := web.ParsePage(c)
	if err != nil {
		return err
	}
	l, err := h.svc.List(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return web.OK(c, l)
}

// Create answers 201 with the new organization and its ETag.
func (h *Handler) Create(c echo.Context) error {
	return web.WithBody(c, h.svc.Create, web.TaggedAs(http.StatusCreated, version))
}

// Update applies a patch to organization :id and answers it with its ETag.
func (h *Handler) Update(c echo.Context) error {
	return web.PatchOnID(c, web.ID("organization"), func(p Patch) *int { return p.Version },
		h.svc.Update, web.TaggedAs(http.StatusOK, version))
}

func version(o Organization) int { return o.Version }
