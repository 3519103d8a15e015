package users

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the account routes (internal/api lists them).
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// List answers a page of accounts, filtered by organization_id, role and
// status.
func (h *Handler) List(c echo.Context) error {
	return web.Paged(c, listFilter, h.svc.List)
}

func listFilter(c echo.Context) (Filter, error) {
	org, err := web.QueryUUID(c, "organization_id")
	return Filter{OrganizationID: org, Role: c.QueryParam("role"), Status: c.QueryParam("status")}, err
}

// Create answers 201 with the new account and its ETag.
func (h *Handler) Create(c echo.Context) error {
	return web.WithBody(c, h.svc.Create, web.TaggedAs(http.StatusCreated, version))
}

// Update applies a patch to account :id and answers it with its ETag.
func (h *Handler) Update(c echo.Context) error {
	return web.PatchOnID(c, web.ID("user"), func(p Patch) *int { return p.Version },
		h.svc.Update, web.TaggedAs(http.StatusOK, version))
}

// Approve records the caller's approval of account :id's grant (four eyes).
func (h *Handler) Approve(c echo.Context) error {
	return web.OnID(c, web.ID("user"), h.svc.Approve, web.OK)
}

func version(u User) int { return u.Version }
