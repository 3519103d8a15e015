package referrals

import (
	"context"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the consent and referral routes (internal/api lists
// them).
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// CreateConsent records a consent in case :id and answers 201 with it.
func (h *Handler) CreateConsent(c echo.Context) error {
	return web.CreateOnID(c, web.ID("case"), h.svc.CreateConsent, web.Created)
}

// ListConsents answers the consents of case :id.
func (h *Handler) ListConsents(c echo.Context) error {
	return web.OnID(c, web.ID("case"), h.svc.ListConsents, web.Items)
}

// Withdraw withdraws consent :id and answers it.
func (h *Handler) Withdraw(c echo.Context) error {
	return web.WithBodyOnID(c, web.ID("consent"), h.svc.Withdraw, web.OK)
}

// Create refers case :id to another organization and answers 201 with the
// referral.
func (h *Handler) Create(c echo.Context) error {
	return web.CreateOnID(c, web.ID("case"), h.svc.Create, web.Created)
}

// List answers a page of the caller's referrals (box incoming by default).
func (h *Handler) List(c echo.Context) error { return web.Paged(c, listFilter, h.svc.List) }

func listFilter(c echo.Context) (Filter, error) {
	f := Filter{Box: c.QueryParam("box"), Status: c.QueryParam("status"), Urgency: c.QueryParam("urgency")}
	if f.Box == "" {
		f.Box = "incoming"
	}
	var err error
	if f.CaseID, err = web.QueryUUID(c, "case_id"); err != nil {
		return f, err
	}
	if v := c.QueryParam("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, apperr.Invalid("overdue", "must be true or false")
		}
		f.Overdue = &b
	}
	return f, nil
}

// Get answers referral :id.
func (h *Handler) Get(c echo.Context) error {
	return web.OnID(c, web.ID("referral"), h.svc.Get, web.OK)
}

type actInput struct {
	Reason  string     `json:"reason,omitempty" text:"multiline"`
	Outcome string     `json:"outcome,omitempty" text:"multiline"`
	CaseID  *uuid.UUID `json:"case_id,omitempty"`
	NewCase bool       `json:"new_case,omitempty"`
}

// Accept accepts referral :id and answers it.
func (h *Handler) Accept(c echo.Context) error { return h.act(c, Accept) }

// Decline declines referral :id, with a reason, and answers it.
func (h *Handler) Decline(c echo.Context) error { return h.act(c, Decline) }

// Complete completes referral :id, with its outcome, and answers it.
func (h *Handler) Complete(c echo.Context) error { return h.act(c, Complete) }

// Matches answers the cases of the caller's organization that the person
// of intake :id may already have.
func (h *Handler) Matches(c echo.Context) error {
	return web.OnID(c, web.ID("referral"), h.svc.Matches, web.Items)
}

// Cancel cancels referral :id and answers it.
func (h *Handler) Cancel(c echo.Context) error { return h.act(c, Cancel) }

// act takes action on referral :id: decline takes a reason, complete an
// outcome, the others an empty object.
func (h *Handler) act(c echo.Context, action string) error {
	var in actInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	text, err := actText(action, in)
	if err != nil {
		return err
	}
	return web.OnID(c, web.ID("referral"), func(ctx context.Context, id uuid.UUID) (Referral, error) {
		return h.svc.Act(ctx, id, action, text, AcceptInput{CaseID: in.CaseID, NewCase: in.NewCase})
	}, web.OK)
}

func actText(action string, in actInput) (string, error) {
	switch action {
	case Decline:
		if in.Outcome != "" {
			return "", apperr.Invalid("outcome", "is not a field of decline")
		}
		return in.Reason, nil
	case Complete:
		if in.Reason != "" {
			return "", apperr.Invalid("reason", "is not a field of complete")
		}
		return in.Outcome, nil
	}
	if in.Reason != "" || in.Outcome != "" {
		return "", apperr.Invalid("body", "must be an empty object, or name case_id or new_case when accepting an intake")
	}
	return "", nil
}
