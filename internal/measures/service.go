package measures

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Service holds the measure rules and owns their transactions.
type Service struct {
	db  *gorm.DB
	now func() time.Time
	// K is the suppression threshold of indicator figures (DefaultK when
	// below 3).
	K int
	// Releases gives the statistical releases indicators are read from.
	Releases Releases
	// Replica, when set, is the standby the indicators' programs and
	// targets are read from (with the release, an ended period's).
	Replica *database.Replica
	// Spool, when set, keeps the audit entries of reads answered while
	// the primary is away.
	Spool *audit.Spool
}

// NewService returns the measure service.
func NewService(db *gorm.DB) *Service {
	return &Service{db: db, now: func() time.Time { return time.Now().UTC() }}
}

// List returns the programs, directions and measures, ordered by program,
// then by their position in the Actions plan. A filter value that is not a
// program code or a direction answers an invalid error naming the
// parameter; an unknown program answers an empty list.
func (s *Service) List(ctx context.Context, f Filter) (List, error) {
	var v apperr.Validation
	if f.Program != "" && !programPattern.MatchString(f.Program) {
		v.Add("program", "must be a program code written YYYY-YYYY")
	}
	if f.Direction != "" && !slices.Contains(Directions, f.Direction) {
		v.Add("direction", "must be one of: "+strings.Join(Directions, ", "))
	}
	if err := v.Err(); err != nil {
		return List{}, err
	}
	if _, ok := reqctx.PrincipalFrom(ctx); !ok {
		return List{}, apperr.Unauthorized("sign in first")
	}
	var out List
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		if out.Programs, err = loadPrograms(tx); err != nil {
			return err
		}
		if out.Directions, err = loadDirections(tx); err != nil {
			return err
		}
		out.Items, err = loadMeasures(tx, f)
		return err
	})
	return out, apperr.Wrap(err)
}

// CheckCodes verifies, inside the caller's transaction tx, that every code
// names an existing measure (of any program), and locks those measures
// against removal by an import until tx ends, so that a link written in tx
// can never be orphaned. It answers an invalid error naming field (such as
// "measure_codes") when a code is malformed, repeated or names no measure;
// otherwise the database's error.
//
// The case and assistance services call it before writing measure_codes.
func CheckCodes(ctx context.Context, tx *gorm.DB, field string, codes []string) error {
	if len(codes) == 0 {
		return nil
	}
	if err := ValidCodes(field, codes); err != nil {
		return err
	}
	var found []string
	if err := tx.WithContext(ctx).Raw(`SELECT code FROM measures WHERE code IN ? FOR KEY SHARE`, codes).
		Scan(&found).Error; err != nil {
		return err
	}
	if len(found) != len(codes) {
		return ErrUnknownCodes(field)
	}
	return nil
}

// ValidCodes answers a validation error naming field unless codes are
// measure codes, none repeated; whether the measures exist is CheckCodes'.
func ValidCodes(field string, codes []string) error {
	seen := map[string]bool{}
	for _, c := range codes {
		if !IsCode(c) {
			return apperr.Invalid(field, "must list Program measure codes")
		}
		if seen[c] {
			return apperr.Invalid(field, "must not repeat a measure")
		}
		seen[c] = true
	}
	return nil
}

// ErrUnknownCodes is the validation error naming field when codes name a
// measure that does not exist.
func ErrUnknownCodes(field string) error {
	return apperr.Invalid(field, "must name existing Program measures")
}

// DefaultFor returns the code of the measure offered by default for
// assistance of assistanceType given on the date on: that of the program
// whose period holds the date, or else of the latest program that has a
// default for the type. ok is false when no program has one; err is the
// database's error.
func DefaultFor(ctx context.Context, tx *gorm.DB, assistanceType string, on time.Time) (code string, ok bool, err error) {
	day := on.In(Bishkek).Format("2006-01-02")
	var codes []string
	err = tx.WithContext(ctx).Raw(`SELECT d.measure_code FROM measure_assistance_defaults d JOIN programs p ON p.code = d.program
		WHERE d.assistance_type = ?
		ORDER BY (p.starts_on <= ?::date AND p.ends_on >= ?::date) DESC, p.starts_on DESC LIMIT 1`,
		assistanceType, day, day).Scan(&codes).Error
	if err != nil || len(codes) == 0 {
		return "", false, err
	}
	return codes[0], true, nil
}

// DefaultFor returns the measure offered by default for assistance of
// assistanceType given on the date on (see the package function
// DefaultFor), in its own transaction. It answers an invalid error for an
// unknown assistance type and a not-found error when no program has a
// default for it.
func (s *Service) DefaultFor(ctx context.Context, assistanceType string, on time.Time) (string, error) {
	if !isAssistanceType(assistanceType) {
		return "", apperr.Invalid("type", "must be an assistance type")
	}
	var code string
	var ok bool
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		code, ok, err = DefaultFor(ctx, tx, assistanceType, on)
		return err
	})
	if err != nil {
		return "", apperr.Wrap(err)
	}
	if !ok {
		return "", apperr.NotFound("default measure")
	}
	return code, nil
}

// orgIDs resolves organization codes to the ids of the organizations that
// exist with them.
func orgIDs(byCode map[string]uuid.UUID, codes []string) []uuid.UUID {
	out := []uuid.UUID{}
	for _, c := range codes {
		if id, ok := byCode[c]; ok {
			out = append(out, id)
		}
	}
	return out
}
