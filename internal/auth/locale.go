package auth

import (
	"context"
	"slices"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Locales are the languages of the web app.
var Locales = []string{"ru", "ky", "en"}

// SetLocale records the caller's language and returns the caller's account.
// It is a preference of the caller's own, so it takes no version.
func (s *Service) SetLocale(ctx context.Context, locale string) (Me, error) {
	if !slices.Contains(Locales, locale) {
		return Me{}, apperr.Invalid("locale", "must be one of: ru, ky, en")
	}
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok {
		return Me{}, errBadToken
	}
	if err := s.db.WithContext(ctx).Exec(`UPDATE users SET locale = ? WHERE id = ?`, locale, p.UserID).Error; err != nil {
		return Me{}, apperr.Internal(err)
	}
	return s.Me(ctx)
}
