package auth

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// RefreshCookie is the cookie that holds the refresh token in the web app's
// cookie mode.
const RefreshCookie = "__Host-jardam_refresh"

// HeaderRefreshCookie switches sign-in, refresh and logout to cookie mode.
const HeaderRefreshCookie = "X-Refresh-Cookie"

// Handler is the HTTP face of the sign-in service.
type Handler struct {
	svc        *Service
	refreshTTL time.Duration
}

// NewHandler returns the HTTP handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc, refreshTTL: svc.set.RefreshTTL} }

// Register adds the sign-in and /me routes.
func (h *Handler) Register(r *web.Router) {
	r.Public(http.MethodPost, "/api/v1/auth/login", h.login)
	r.Public(http.MethodPost, "/api/v1/auth/refresh", h.refresh)
	r.Public(http.MethodPost, "/api/v1/auth/logout", h.logout)
	r.Handle(http.MethodGet, "/api/v1/me", authz.SelfRead, h.me, web.DuringPasswordChange(), web.DuringMFAEnrollment())
	r.Handle(http.MethodPatch, "/api/v1/me", authz.SelfUpdate, h.patchMe, web.DuringPasswordChange(), web.DuringMFAEnrollment())
	r.Handle(http.MethodPost, "/api/v1/me/password", authz.SelfUpdate, h.changePassword, web.DuringPasswordChange(), web.DuringMFAEnrollment())
	h.registerMFA(r)
}

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

func (h *Handler) login(c echo.Context) error {
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
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, res.MFA)
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

func (h *Handler) refresh(c echo.Context) error {
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

func (h *Handler) logout(c echo.Context) error {
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

func (h *Handler) me(c echo.Context) error {
	me, err := h.svc.Me(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, me)
}

func (h *Handler) changePassword(c echo.Context) error {
	var in passwordInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	if err := h.svc.ChangePassword(c.Request().Context(), in.CurrentPassword, in.NewPassword); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
