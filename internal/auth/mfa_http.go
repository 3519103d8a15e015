package auth

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// registerMFA adds the second-factor routes: the sign-in step, the
// caller's enrollment, and the four-eyes reset of someone's factor.
func (h *Handler) registerMFA(r *web.Router) {
	r.Public(http.MethodPost, "/api/v1/auth/mfa", h.completeMFA)
	r.Handle(http.MethodPost, "/api/v1/me/mfa/totp", authz.SelfUpdate, h.enrollTOTP, web.DuringMFAEnrollment())
	r.Handle(http.MethodPost, "/api/v1/me/mfa/totp/confirm", authz.SelfUpdate, h.confirmTOTP, web.DuringMFAEnrollment())
	r.Handle(http.MethodDelete, "/api/v1/users/:id/mfa", authz.UserMFAReset, h.requestMFAReset)
	r.Handle(http.MethodPost, "/api/v1/users/:id/mfa-reset/approve", authz.UserMFAReset, h.approveMFAReset)
}

type mfaInput struct {
	MFAToken string `json:"mfa_token"`
	Code     string `json:"code"`
}

type codeInput struct {
	Code string `json:"code"`
}

func (h *Handler) completeMFA(c echo.Context) error {
	var in mfaInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	var missing []string
	if in.MFAToken == "" {
		missing = append(missing, "mfa_token")
	}
	if in.Code == "" {
		missing = append(missing, "code")
	}
	if len(missing) > 0 {
		return requiredErr(missing...)
	}
	pair, err := h.svc.CompleteMFA(c.Request().Context(), in.MFAToken, in.Code)
	if err != nil {
		return err
	}
	return h.answer(c, pair)
}

func (h *Handler) enrollTOTP(c echo.Context) error {
	var in codeInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	e, err := h.svc.EnrollTOTP(c.Request().Context(), in.Code)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, e)
}

func (h *Handler) confirmTOTP(c echo.Context) error {
	var in codeInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	codes, err := h.svc.ConfirmTOTP(c.Request().Context(), in.Code)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, codes)
}

func (h *Handler) requestMFAReset(c echo.Context) error {
	id, err := web.PathUUID(c, "id", "user")
	if err != nil {
		return err
	}
	r, err := h.svc.RequestMFAReset(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, r)
}

func (h *Handler) approveMFAReset(c echo.Context) error {
	id, err := web.PathUUID(c, "id", "user")
	if err != nil {
		return err
	}
	if err := h.svc.ApproveMFAReset(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
