package apperr

import (
	"strings"
	"unicode/utf8"
)

// IsText reports whether s may be stored as a text field: valid UTF-8
// without a NUL character (which PostgreSQL refuses).
func IsText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// IsTextWithin reports whether s is text (IsText) of at most max
// characters.
func IsTextWithin(s string, max int) bool { return IsText(s) && utf8.RuneCountInString(s) <= max }
