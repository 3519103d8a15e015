package casefile

import (
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the print routes (internal/api lists them).
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// lang reads ?lang= (ru when absent): 400 naming it otherwise.
func lang(c echo.Context) (string, error) {
	l := c.QueryParam("lang")
	if l == "" {
		l = "ru"
	}
	return l, CheckLang(l)
}

// CaseFile answers the case file as a PDF attachment: ?format=pdf (the
// only format), ?lang=ru|ky|en, and ?recipient_organization_id= for a
// handover.
func (h *Handler) CaseFile(c echo.Context) error {
	if f := c.QueryParam("format"); f != "" && f != "pdf" {
		return apperr.Invalid("format", "must be pdf")
	}
	l, err := lang(c)
	if err != nil {
		return err
	}
	recipient, err := web.QueryUUID(c, "recipient_organization_id")
	if err != nil {
		return err
	}
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return err
	}
	f, err := h.svc.CaseFile(c.Request().Context(), id, l, recipient)
	if err != nil {
		return err
	}
	return web.Attachment(c, f.Name, "application/pdf", f.Body)
}

// SubjectAccess answers the person's own copy as a PDF attachment.
func (h *Handler) SubjectAccess(c echo.Context) error {
	l, err := lang(c)
	if err != nil {
		return err
	}
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return err
	}
	f, err := h.svc.SubjectAccess(c.Request().Context(), id, l)
	if err != nil {
		return err
	}
	return web.Attachment(c, f.Name, "application/pdf", f.Body)
}
