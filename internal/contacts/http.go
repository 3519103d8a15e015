package contacts

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the contact routes (internal/api lists them).
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var (
	contactOK      = web.TaggedAs(http.StatusOK, func(c Contact) int { return c.Version })
	contactCreated = web.TaggedAs(http.StatusCreated, func(c Contact) int { return c.Version })
)

// Create records a contact and answers 201 with it and its ETag.
func (h *Handler) Create(c echo.Context) error {
	var f Fields
	key, body, err := web.IdempotentBody(c, &f)
	if err != nil {
		return err
	}
	out, err := h.svc.Create(c.Request().Context(), f, key, body)
	if err != nil {
		return err
	}
	return contactCreated(c, out)
}

// List answers a page of the hotline's contacts (?since= an RFC 3339 time).
func (h *Handler) List(c echo.Context) error {
	return web.Paged(c, func(c echo.Context) (*time.Time, error) {
		v := c.QueryParam("since")
		if v == "" {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, apperr.Invalid("since", "must be a time written as RFC 3339")
		}
		return &t, nil
	}, h.svc.List)
}

// Get answers contact :id with its ETag.
func (h *Handler) Get(c echo.Context) error {
	return web.OnID(c, web.ID("contact"), h.svc.Get, contactOK)
}

var contactPatch = web.MergePatchRules[Fields]{
	ReadOnly: []string{"id", "code", "organization_id", "erased", "intake", "created_by", "created_at", "updated_at"},
	Version:  func(f *Fields) *int { return f.Version },
}

// Update applies a merge patch to contact :id and answers it with its ETag.
func (h *Handler) Update(c echo.Context) error {
	return web.MergePatchOnID(c, web.ID("contact"), contactPatch, h.svc.Update, contactOK)
}

// Refer makes contact :id an intake at a crisis center and answers the
// contact with its intake's status.
func (h *Handler) Refer(c echo.Context) error {
	return web.CreateOnID(c, web.ID("contact"), h.svc.Refer, contactOK)
}
