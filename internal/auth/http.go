package auth

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// RefreshCookie is the cookie that holds the refresh token in the web app's
// cookie mode.
const RefreshCookie = "__Host-jardam_refresh"

// HeaderRefreshCookie switches sign-in, refresh and logout to cookie mode.
const HeaderRefreshCookie = "X-Refresh-Cookie"

// Handler answers the sign-in, /me and second-factor routes (internal/api
// lists them).
type Handler struct {
	svc        *Service
	refreshTTL time.Duration
}

// NewHandler returns the HTTP handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc, refreshTTL: svc.set.RefreshTTL} }

type loginInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type refreshInput struct {
	RefreshToken string `json:"refresh_token"`
}

type passwordInput struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func cookieMode(c echo.Context) bool { return c.Request().Header.Get(HeaderRefreshCookie) == "1" }

// Login signs in with e-mail and password: it answers the token pair, or the
// second-factor step when the account has one.
func (h *Handler) Login(c echo.Context) error {
	var in loginInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	if in.Email == "" || in.Password == "" {
		return validationRequired(in.Email == "", in.Password == "")
	}
	res, err := h.svc.Login(c.Request().Context(), in.Email, in.Password)
	if err != nil {
		return err
	}
	if res.MFA != nil {
		return web.OK(c, res.MFA)
	}
	return h.answer(c, res.Pair)
}

func validationRequired(email, password bool) error {
	var fields []string
	if email {
		fields = append(fields, "email")
	}
	if password {
		fields = append(fields, "password")
	}
	return requiredErr(fields...)
}

func (h *Handler) answer(c echo.Context, pair TokenPair) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if cookieMode(c) {
		c.SetCookie(&http.Cookie{
			Name: RefreshCookie, Value: pair.RefreshToken, Path: "/", MaxAge: int(h.refreshTTL.Seconds()),
			Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		})
		pair.RefreshToken = ""
	}
	return c.JSON(http.StatusOK, pair)
}

func (h *Handler) refreshToken(c echo.Context) (string, error) {
	var in refreshInput
	if err := web.Bind(c, &in); err != nil {
		return "", err
	}
	if cookieMode(c) {
		if ck, err := c.Cookie(RefreshCookie); err == nil {
			return ck.Value, nil
		}
		return "", nil
	}
	return in.RefreshToken, nil
}

// Refresh answers a new token pair for a refresh token.
func (h *Handler) Refresh(c echo.Context) error {
	tok, err := h.refreshToken(c)
	if err != nil {
		return err
	}
	pair, err := h.svc.Refresh(c.Request().Context(), tok)
	if err != nil {
		return err
	}
	return h.answer(c, pair)
}

// Logout ends the session of a refresh token (and its access token).
func (h *Handler) Logout(c echo.Context) error {
	tok, err := h.refreshToken(c)
	if err != nil {
		return err
	}
	access := ""
	if a := c.Request().Header.Get(echo.HeaderAuthorization); strings.HasPrefix(a, "Bearer ") {
		access = strings.TrimSpace(strings.TrimPrefix(a, "Bearer "))
	}
	if cookieMode(c) {
		c.SetCookie(&http.Cookie{Name: RefreshCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	if err := h.svc.Logout(c.Request().Context(), tok, access); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Me answers the signed-in account, its organization and permissions.
func (h *Handler) Me(c echo.Context) error {
	me, err := h.svc.Me(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, me)
}

// ChangePassword changes the caller's password.
func (h *Handler) ChangePassword(c echo.Context) error {
	var in passwordInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	if err := h.svc.ChangePassword(c.Request().Context(), in.CurrentPassword, in.NewPassword); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type mePatch struct {
	Locale *string `json:"locale"`
}

// PatchMe changes the caller's own settings (the locale) and answers the
// account.
func (h *Handler) PatchMe(c echo.Context) error {
	var in mePatch
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	if in.Locale == nil {
		return apperr.Invalid("locale", "is required")
	}
	me, err := h.svc.SetLocale(c.Request().Context(), *in.Locale)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, me)
}
