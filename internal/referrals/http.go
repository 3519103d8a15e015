package referrals

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/idempotency"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler is the HTTP face of consent and referrals.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Register adds the consent and referral routes.
func (h *Handler) Register(r *web.Router) {
	r.Handle(http.MethodPost, "/api/v1/cases/:id/consents", authz.ConsentCreate, h.createConsent)
	r.Handle(http.MethodGet, "/api/v1/cases/:id/consents", authz.ConsentList, h.listConsents)
	r.Handle(http.MethodPost, "/api/v1/consents/:id/withdraw", authz.ConsentWithdraw, h.withdraw)
	r.Handle(http.MethodPost, "/api/v1/cases/:id/referrals", authz.ReferralCreate, h.create)
	r.Handle(http.MethodGet, "/api/v1/referrals", authz.ReferralList, h.list)
	r.Handle(http.MethodGet, "/api/v1/referrals/:id", authz.ReferralList, h.get)
	r.Handle(http.MethodPost, "/api/v1/referrals/:id/accept", authz.ReferralRespond, h.act(Accept))
	r.Handle(http.MethodPost, "/api/v1/referrals/:id/decline", authz.ReferralRespond, h.act(Decline))
	r.Handle(http.MethodPost, "/api/v1/referrals/:id/complete", authz.ReferralRespond, h.act(Complete))
	r.Handle(http.MethodPost, "/api/v1/referrals/:id/cancel", authz.ReferralRespond, h.act(Cancel))
}

func (h *Handler) createConsent(c echo.Context) error {
	body, err := web.ReadBody(c, false)
	if err != nil {
		return err
	}
	var in ConsentInput
	if err := web.Decode(body, &in); err != nil {
		return err
	}
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return err
	}
	out, err := h.svc.CreateConsent(c.Request().Context(), id, in, c.Request().Header.Get(idempotency.Header), body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (h *Handler) listConsents(c echo.Context) error {
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return err
	}
	out, err := h.svc.ListConsents(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out, "next_cursor": nil})
}

func (h *Handler) withdraw(c echo.Context) error {
	var in WithdrawInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	id, err := web.PathUUID(c, "id", "consent")
	if err != nil {
		return err
	}
	out, err := h.svc.Withdraw(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handler) create(c echo.Context) error {
	body, err := web.ReadBody(c, false)
	if err != nil {
		return err
	}
	var in CreateInput
	if err := web.Decode(body, &in); err != nil {
		return err
	}
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return err
	}
	out, err := h.svc.Create(c.Request().Context(), id, in, c.Request().Header.Get(idempotency.Header), body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (h *Handler) list(c echo.Context) error {
	pg, err := web.ParsePage(c)
	if err != nil {
		return err
	}
	f := Filter{Box: c.QueryParam("box"), Status: c.QueryParam("status"), Urgency: c.QueryParam("urgency")}
	if f.Box == "" {
		f.Box = "incoming"
	}
	if v := c.QueryParam("case_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return apperr.Invalid("case_id", "must be a UUID")
		}
		f.CaseID = id
	}
	if v := c.QueryParam("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return apperr.Invalid("overdue", "must be true or false")
		}
		f.Overdue = &b
	}
	out, err := h.svc.List(c.Request().Context(), f, pg)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handler) get(c echo.Context) error {
	id, err := web.PathUUID(c, "id", "referral")
	if err != nil {
		return err
	}
	out, err := h.svc.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

type actInput struct {
	Reason  string `json:"reason,omitempty" text:"multiline"`
	Outcome string `json:"outcome,omitempty" text:"multiline"`
}

func (h *Handler) act(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in actInput
		if err := web.Bind(c, &in); err != nil {
			return err
		}
		text := ""
		switch action {
		case Decline:
			text = in.Reason
			if in.Outcome != "" {
				return apperr.Invalid("outcome", "is not a field of decline")
			}
		case Complete:
			text = in.Outcome
			if in.Reason != "" {
				return apperr.Invalid("reason", "is not a field of complete")
			}
		default:
			if in.Reason != "" || in.Outcome != "" {
				return apperr.Invalid("body", "must be an empty object")
			}
		}
		id, err := web.PathUUID(c, "id", "referral")
		if err != nil {
			return err
		}
		out, err := h.svc.Act(c.Request().Context(), id, action, text)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}
