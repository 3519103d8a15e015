// Package cases owns the case record: the person identified as a (possible)
// victim, owned by one organization, with identity encrypted under a
// per-case data key, statistical attributes in clear, the stage along the
// National Referral Mechanism path, assignment of workers, the needs
// assessment and assistance plan, search by name and the duplicate check.
// Every read and write is audited in its own transaction; a case the caller
// may not see answers exactly like a missing one.
package cases

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/idempotency"
	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Settings tune the case rules.
type Settings struct {
	// ReflectionDays is the recovery and reflection period from
	// identification.
	ReflectionDays int
	// DuplicateChecksPerDay caps each user's duplicate checks.
	DuplicateChecksPerDay int
	// ErasureDelay is how long an approved erasure waits before the case's
	// data key is destroyed (none: at once, on approval).
	ErasureDelay time.Duration
	// FollowUpMonths are the months after reaching reintegration at which
	// follow-ups are planned (3, 6 and 12 when empty).
	FollowUpMonths []int
}

// Service holds the case rules and owns their transactions.
type Service struct {
	db   *gorm.DB
	keys *Keyring
	set  Settings
	log  *slog.Logger
	now  func() time.Time
	// Permits answers whether a role has a permission (the role policy); a
	// read case's allowed actions are computed with it. Nil permits nothing.
	Permits func(role string, perm authz.Permission) bool
	// Transfers sends the transfer referral of an approved request (the
	// referral service); nil refuses transfer requests.
	Transfers TransferSender
}

// NewService returns the case service.
func NewService(db *gorm.DB, keys *Keyring, set Settings, log *slog.Logger) *Service {
	if set.ReflectionDays <= 0 {
		set.ReflectionDays = 30
	}
	if set.DuplicateChecksPerDay <= 0 {
		set.DuplicateChecksPerDay = 20
	}
	if len(set.FollowUpMonths) == 0 {
		set.FollowUpMonths = []int{3, 6, 12}
	}
	return &Service{db: db, keys: keys, set: set, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// identityAccess is what a case read decrypts for rel: the consented
// identity and contact categories, and the trafficking events' place and
// details for the owner's side only.
func identityAccess(rel access.Relation) func(uuid.UUID) reveal {
	return func(uuid.UUID) reveal {
		return reveal{identity: rel.May(access.CategoryIdentity), contact: rel.May(access.CategoryContact),
			eventDetails: rel.MayReadEventDetails(), flagReasons: rel.Owner()}
	}
}

func (s *Service) readOne(ctx context.Context, tx *gorm.DB, id uuid.UUID, rel access.Relation) (Case, error) {
	var r row
	if err := tx.Raw(`SELECT `+caseColumns+` FROM cases c WHERE c.id = ?`, id).Scan(&r).Error; err != nil {
		return Case{}, err
	}
	cs, err := s.readCases(ctx, tx, []row{r}, identityAccess(rel))
	if err != nil {
		return Case{}, err
	}
	return cs[0], nil
}

// CreateResult is a created (or replayed) case.
type CreateResult struct {
	Case     Case
	Replayed bool
}

// Create opens a case owned by the caller's organization; the creator is
// assigned. With an idempotency key, a retry with the same body returns the
// first case and one with another body answers a conflict.
func (s *Service) Create(ctx context.Context, f Fields, idemKey string, body []byte) (CreateResult, error) {
	now := s.now()
	if err := validate(&f, true, now); err != nil {
		return CreateResult{}, err
	}
	if f.AssignedUserIDs != nil {
		return CreateResult{}, apperr.Invalid("assigned_user_ids", "cannot be set when opening a case; the creator is assigned")
	}
	if idemKey != "" {
		if err := idempotency.Check(idemKey); err != nil {
			return CreateResult{}, err
		}
	}
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok {
		return CreateResult{}, apperr.Unauthorized("sign in first")
	}
	if !p.SessionPending {
		c, err := s.createPipelined(ctx, p, uuid.New(), f, idemKey, body)
		if !errors.Is(err, errKeyHeld) {
			return CreateResult{Case: c}, apperr.Wrap(err)
		}
	}
	// A retry under a held key (or a session still to be confirmed): the
	// claim decides in the transaction whether to replay or refuse it.
	return access.Do(ctx, s.db, "case.create", func(tx *gorm.DB, p reqctx.Principal) (CreateResult, uuid.UUID, error) {
		id := uuid.New()
		replay, err := s.claim(tx, p, createRoute, idemKey, body, id)
		if err != nil {
			return CreateResult{}, id, err
		}
		if replay != uuid.Nil {
			c, err := s.readAs(ctx, tx, replay)
			return CreateResult{Case: c, Replayed: true}, replay, cmp.Or(err, access.ErrReplayed)
		}
		if err := s.insert(ctx, tx, p, id, f); err != nil {
			return CreateResult{}, id, err
		}
		c, err := s.readAs(ctx, tx, id)
		return CreateResult{Case: c}, id, err
	})
}

// readAs reads case id as the caller's relation to it allows.
func (s *Service) readAs(ctx context.Context, tx *gorm.DB, id uuid.UUID) (Case, error) {
	rel, err := access.Of(ctx, tx, id)
	if err != nil {
		return Case{}, err
	}
	return s.readOne(ctx, tx, id, rel)
}

// claim records an idempotency key for a new object id created under
// route; it returns the object a retry replays, or uuid.Nil (no key, or
// its first use; see package idempotency).
func (s *Service) claim(tx *gorm.DB, p reqctx.Principal, route, idemKey string, body []byte, id uuid.UUID) (uuid.UUID, error) {
	if idemKey == "" {
		return uuid.Nil, nil
	}
	return idempotency.Claim(tx, p.UserID, route, idemKey, s.keys.RequestHash(route, body), id)
}

// Update applies a JSON merge patch to the editable fields of a case at
// version expected. Read-only fields answer a validation error before
// anything is loaded; a stale version answers ErrPreconditionFailed;
// changing the assigned workers needs a supervisor. Only the owning
// organization changes a case (access.RequireOwner).
func (s *Service) Update(ctx context.Context, id uuid.UUID, expected int, patch map[string]json.RawMessage) (Case, error) {
	return access.Act(ctx, s.db, id, "case.update", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) (Case, error) {
		var r row
		if err := tx.Raw(`SELECT `+caseColumns+` FROM cases c WHERE c.id = ? FOR UPDATE`, id).Scan(&r).Error; err != nil {
			return Case{}, err
		}
		if r.Version != expected {
			return Case{}, web.Stale()
		}
		if r.Source == "import" {
			return Case{}, apperr.Conflict("imported historical cases cannot be edited")
		}
		cur, err := s.readCases(ctx, tx, []row{r}, identityAccess(rel))
		if err != nil {
			return Case{}, err
		}
		if cur[0].IdentityErased {
			return Case{}, apperr.Conflict("the identity of this case was erased")
		}
		f, err := web.ApplyMergePatch[Fields](fieldsOf(cur[0]), patch)
		if err != nil {
			return Case{}, err
		}
		f.Version = nil
		if err := validate(&f, true, s.now()); err != nil {
			return Case{}, err
		}
		if !sameIDs(f.AssignedUserIDs, cur[0].AssignedUserIDs) {
			if err := access.RequireRole(p, authz.RoleSupervisor, "only supervisors assign workers", "case.update", id); err != nil {
				return Case{}, err
			}
			if err := s.assign(ctx, tx, p, r.OwnerOrganizationID, id, f.AssignedUserIDs); err != nil {
				return Case{}, err
			}
		}
		if err := s.write(ctx, tx, id, f); err != nil {
			return Case{}, err
		}
		return s.readOne(ctx, tx, id, rel)
	})
}

// write writes the fields f of case id: its attributes (moving its
// version on) and its sealed identity and events.
func (s *Service) write(ctx context.Context, tx *gorm.DB, id uuid.UUID, f Fields) error {
	if err := measures.CheckCodes(ctx, tx, "measure_codes", f.MeasureCodes); err != nil {
		return err
	}
	if err := s.writeAttributes(tx, id, f); err != nil {
		return err
	}
	k, err := s.caseKey(tx, id)
	if err != nil {
		return err
	}
	sealer, err := s.keys.Sealer(ctx, k)
	if err != nil {
		return err
	}
	return s.writeSecrets(ctx, tx, sealer, id, k.KeyVersion, f)
}

// writeAttributes writes the statistical attributes of case id, moving its
// version on.
func (s *Service) writeAttributes(tx *gorm.DB, id uuid.UUID, f Fields) error {
	return tx.Exec(`UPDATE cases SET risk_level = ?, identified_at = ?, identification_channel = ?, trafficking_status = ?,
			sex = ?, age_bracket = ?, is_minor = ?, citizenship = ?, region_of_origin = ?, exploitation_types = ?,
			countries_of_exploitation = ?, means_of_control = ?, labour_sector = ?, recruitment_method = ?,
			recruiter_relation = ?, measure_codes = ?, reflection_ends_on = ?, version = version + 1, updated_at = now()
		WHERE id = ?`, f.RiskLevel, *f.IdentifiedAt, f.IdentificationChannel, f.TraffickingStatus, orUnknown(f.Sex),
		orUnknown(f.AgeBracket), f.IsMinor, f.Citizenship, f.RegionOfOrigin, arr(f.ExploitationTypes),
		arr(f.CountriesOfExploitation), arr(f.MeansOfControl), f.LabourSector, f.RecruitmentMethod, f.RecruiterRelation,
		arr(f.MeasureCodes), s.reflectionEnds(f), id).Error
}

// reflectionEnds is the last day of the reflection period of a case
// identified at f.IdentifiedAt, written YYYY-MM-DD.
func (s *Service) reflectionEnds(f Fields) string {
	return f.IdentifiedAt.In(Bishkek).AddDate(0, 0, s.set.ReflectionDays).Format("2006-01-02")
}

// orUnknown is *v, or "unknown" when v is nil.
func orUnknown(v *string) string {
	if v == nil {
		return "unknown"
	}
	return *v
}

func (s *Service) caseKey(tx *gorm.DB, id uuid.UUID) (caseKey, error) {
	var k caseKey
	err := tx.Raw(`SELECT case_id, key_version, master_version, wrapped FROM case_keys WHERE case_id = ?`, id).Scan(&k).Error
	return k, err
}

func fieldsOf(c Case) Fields {
	at := c.IdentifiedAt
	f := Fields{
		Identity: c.Identity, IdentifiedAt: &at, IdentificationChannel: c.IdentificationChannel,
		TraffickingStatus: c.TraffickingStatus, Sex: &c.Sex, IsMinor: c.IsMinor, Citizenship: c.Citizenship,
		RegionOfOrigin: c.RegionOfOrigin, ExploitationTypes: c.ExploitationTypes, CountriesOfExploitation: c.CountriesOfExploitation,
		MeansOfControl: c.MeansOfControl, LabourSector: c.LabourSector, RecruitmentMethod: c.RecruitmentMethod,
		RecruiterRelation: c.RecruiterRelation, RiskLevel: c.RiskLevel, MeasureCodes: c.MeasureCodes,
		TraffickingEvents: c.TraffickingEvents, AssignedUserIDs: c.AssignedUserIDs,
	}
	// A derived bracket is derived again from the birth date.
	if c.Identity == nil || c.Identity.BirthDate == nil {
		f.AgeBracket = &c.AgeBracket
	} else {
		f.IsMinor = nil
	}
	return f
}

// OpenIntake opens a case of the caller's organization from an accepted
// intake, in the caller's transaction tx, and returns its id: the fields f
// are validated as a new case's (the caller passes only what the intake
// carries: the consented identity, the channel, the time), and the caller
// is assigned as the creator of any case. It decides nothing else: the
// referral service has checked that the caller accepts the intake, and
// records the audit entries.
func (s *Service) OpenIntake(ctx context.Context, tx *gorm.DB, p reqctx.Principal, f Fields) (uuid.UUID, error) {
	if err := validate(&f, true, s.now()); err != nil {
		return uuid.Nil, err
	}
	id := uuid.New()
	return id, s.insert(ctx, tx, p, id, f)
}

// MatchesInTx returns the cases the caller sees as its owner's side whose
// identity matches id by name and birth date or by document number (the
// duplicate check, without its daily limit or its audit entry, which the
// caller records), in the caller's transaction tx.
func (s *Service) MatchesInTx(tx *gorm.DB, p reqctx.Principal, id *Identity) ([]Match, error) {
	rows, err := s.matching(tx, p, s.duplicateTokens(id), 50)
	if err != nil {
		return nil, err
	}
	out := make([]Match, 0, len(rows))
	for _, r := range rows {
		out = append(out, Match{ID: r.ID, Code: r.Code})
	}
	return out, nil
}
