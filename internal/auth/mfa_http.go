package auth

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/web"
)

type mfaInput struct {
	MFAToken string `json:"mfa_token"`
	Code     string `json:"code"`
}

type codeInput struct {
	Code string `json:"code"`
}

// CompleteMFA finishes a sign-in with the second factor's code and answers
// the token pair.
func (h *Handler) CompleteMFA(c echo.Context) error {
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

// EnrollTOTP starts the caller's enrollment of an authenticator app.
func (h *Handler) EnrollTOTP(c echo.Context) error {
	return web.WithBody(c, codeBody(h.svc.EnrollTOTP), web.OK)
}

// ConfirmTOTP confirms the enrollment with a first code and answers the
// recovery codes.
func (h *Handler) ConfirmTOTP(c echo.Context) error {
	return web.WithBody(c, codeBody(h.svc.ConfirmTOTP), web.OK)
}

// codeBody adapts a call that takes a second factor's code to a body
// holding it.
func codeBody[O any](call func(context.Context, string) (O, error)) func(context.Context, codeInput) (O, error) {
	return func(ctx context.Context, in codeInput) (O, error) { return call(ctx, in.Code) }
}

// RequestMFAReset asks for the reset of account :id's second factor
// (answered 202: a second person approves it).
func (h *Handler) RequestMFAReset(c echo.Context) error {
	return web.OnID(c, web.ID("user"), h.svc.RequestMFAReset, func(c echo.Context, r MFAReset) error {
		return c.JSON(http.StatusAccepted, r)
	})
}

// ApproveMFAReset approves the pending reset of account :id's second
// factor.
func (h *Handler) ApproveMFAReset(c echo.Context) error {
	id, err := web.PathUUID(c, "id", "user")
	if err != nil {
		return err
	}
	if err := h.svc.ApproveMFAReset(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
