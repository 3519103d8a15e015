package cases

import (
	"bytes"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/web"
)

// The routes of erasure requests and legal holds (internal/api lists
// them).

// RequestErasure asks for the erasure of case :id and answers 201 with the
// request.
func (h *Handler) RequestErasure(c echo.Context) error {
	return web.WithBodyOnID(c, h.caseID, h.svc.RequestErasure, web.Created)
}

// CaseErasures answers the erasure requests of case :id.
func (h *Handler) CaseErasures(c echo.Context) error {
	return web.OnID(c, h.caseID, h.svc.ListCaseErasures, web.Items)
}

// OpenErasures answers the organization's open erasure requests.
func (h *Handler) OpenErasures(c echo.Context) error {
	out, err := h.svc.ListOpenErasures(c.Request().Context())
	if err != nil {
		return err
	}
	return web.Items(c, out)
}

// ApproveErasure approves erasure request :id and answers it. The body is
// optional: none at all, or a JSON object.
func (h *Handler) ApproveErasure(c echo.Context) error {
	var in ErasureDecision
	if req := c.Request(); req.ContentLength != 0 || req.Header.Get(echo.HeaderContentType) != "" {
		body, err := web.ReadBody(c, false)
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := web.Decode(body, &in); err != nil {
				return err
			}
		}
	}
	id, err := web.ID("erasure request")(c)
	if err != nil {
		return err
	}
	out, err := h.svc.ApproveErasure(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	return web.OK(c, out)
}

// RejectErasure rejects erasure request :id with a reason and answers it.
func (h *Handler) RejectErasure(c echo.Context) error {
	return web.WithBodyOnID(c, web.ID("erasure request"), h.svc.RejectErasure, web.OK)
}

// CancelErasure cancels erasure request :id with a reason and answers it.
func (h *Handler) CancelErasure(c echo.Context) error {
	return web.WithBodyOnID(c, web.ID("erasure request"), h.svc.CancelErasure, web.OK)
}

// LegalHold answers the legal hold of case :id.
func (h *Handler) LegalHold(c echo.Context) error {
	return web.OnID(c, h.caseID, h.svc.GetLegalHold, web.OK)
}

// PutLegalHold places the legal hold of case :id and answers it.
func (h *Handler) PutLegalHold(c echo.Context) error {
	return web.WithBodyOnID(c, h.caseID, h.svc.PutLegalHold, web.OK)
}

// LiftLegalHold lifts the legal hold of case :id and answers it.
func (h *Handler) LiftLegalHold(c echo.Context) error {
	return web.OnID(c, h.caseID, h.svc.LiftLegalHold, web.OK)
}
