package cases

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Search finds the visible cases whose name matches (through the blind
// index: given and family name in either order, narrowed by birth date or
// document number when given). At most 50 cases, newest first, with the
// name fields of their identity only; each case whose name it returns is
// audited on that case.
func (s *Service) Search(ctx context.Context, in SearchInput) ([]Case, error) {
	id := in.Identity
	if blank(id.GivenName) && blank(id.FamilyName) && blank(id.DocumentNumber) {
		return nil, apperr.Invalid("identity.given_name", "a name or a document number is required")
	}
	if id.BirthDate != nil {
		if _, ok := parseDate(*id.BirthDate); !ok {
			return nil, apperr.Invalid("identity.birth_date", "must be a date written YYYY-MM-DD")
		}
	}
	var toks []token
	for _, t := range s.tokens(&id) {
		// The most specific kind available decides.
		switch {
		case id.BirthDate != nil && t.kind == "name_birth", id.BirthDate == nil && t.kind == "name", t.kind == "document":
			toks = append(toks, t)
		}
	}
	var out []Case
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		rows, err := s.matching(tx, p, toks, 50)
		if err != nil {
			return err
		}
		out, err = s.readCases(ctx, tx, rows, s.namesFor(ctx, tx, p, rows))
		if err != nil {
			return err
		}
		return recordNamesRead(ctx, tx, audit.ActionCaseSearch, out)
	})
	return out, err
}

func kindsAndTokens(toks []token) (database.Array[string], database.Array[[]byte]) {
	kinds := make(database.Array[string], len(toks))
	values := make(database.Array[[]byte], len(toks))
	for i, t := range toks {
		kinds[i], values[i] = t.kind, t.token
	}
	return kinds, values
}

// matching returns the cases the caller reads as its owner's side holding
// any of the tokens. A case seen through a referral never matches a name
// search: its identity may not be among the consented categories.
func (s *Service) matching(tx *gorm.DB, p reqctx.Principal, toks []token, limit int) ([]row, error) {
	if len(toks) == 0 {
		return nil, nil
	}
	kinds, values := kindsAndTokens(toks)
	cond, args := access.VisibleCasesSQL(p)
	args["kinds"], args["tokens"], args["limit"] = kinds, values, limit
	var rows []row
	err := tx.Raw(`SELECT `+caseColumns+` FROM cases c
		WHERE c.id IN (SELECT b.case_id FROM case_blind_index b
		               WHERE (b.kind, b.token) IN (SELECT * FROM unnest(CAST(@kinds AS text[]), CAST(@tokens AS bytea[]))))
		  AND `+cond+` AND c.owner_organization_id = @org
		ORDER BY c.created_at DESC, c.id DESC LIMIT @limit`, args).Scan(&rows).Error
	return rows, err
}

// Duplicates checks whether an identity is already recorded: it returns
// the matching cases the caller may read and, for matches the caller may
// not read, only that one exists elsewhere (the supervisors of the
// organization holding it are notified). A birth date or a document number
// is required; each user may check DuplicateChecksPerDay times a day.
func (s *Service) Duplicates(ctx context.Context, in SearchInput) (DuplicateResult, error) {
	id := in.Identity
	if id.BirthDate == nil && blank(id.DocumentNumber) {
		return DuplicateResult{}, apperr.Invalid("identity.birth_date", "a birth date or a document number is required")
	}
	if id.BirthDate != nil {
		if _, ok := parseDate(*id.BirthDate); !ok {
			return DuplicateResult{}, apperr.Invalid("identity.birth_date", "must be a date written YYYY-MM-DD")
		}
		if blank(id.GivenName) && blank(id.FamilyName) {
			return DuplicateResult{}, apperr.Invalid("identity.given_name", "a name is required with a birth date")
		}
	}
	var toks []token
	for _, t := range s.tokens(&id) {
		if t.kind == "name_birth" || t.kind == "document" {
			toks = append(toks, t)
		}
	}
	res := DuplicateResult{Matches: []Match{}}
	throttled := false
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		var used int64
		since := time.Now().Add(-24 * time.Hour)
		if err := tx.Raw(`SELECT count(*) FROM audit_entries WHERE actor_id = ? AND action = 'case.duplicate_check' AND at > ?`,
			p.UserID, since).Scan(&used).Error; err != nil {
			return err
		}
		if used >= int64(s.set.DuplicateChecksPerDay) {
			throttled = true
			return audit.Record(ctx, tx, "case.duplicate_throttled", "case_duplicate", "", audit.Denied)
		}
		rows, err := s.matching(tx, p, toks, 50)
		if err != nil {
			return err
		}
		visible := make(database.Array[string], len(rows))
		for i, r := range rows {
			res.Matches = append(res.Matches, Match{ID: r.ID, Code: r.Code})
			visible[i] = r.ID.String()
		}
		kinds, values := kindsAndTokens(toks)
		if err := tx.Raw(`SELECT jardam_duplicate_elsewhere(?::bytea[], ?::text[], ?::uuid[])`, values, kinds, visible).
			Scan(&res.ExistsElsewhere).Error; err != nil {
			return err
		}
		outcome := "no_match"
		if len(res.Matches) > 0 || res.ExistsElsewhere {
			outcome = "match"
		}
		return audit.Record(ctx, tx, "case.duplicate_check", "case_duplicate", outcome, audit.Success)
	})
	if err != nil {
		return DuplicateResult{}, err
	}
	if throttled {
		return DuplicateResult{}, apperr.TooMany("the daily limit of duplicate checks is reached", time.Hour)
	}
	return res, nil
}
