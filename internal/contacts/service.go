package contacts

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/idempotency"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
	"github.com/jardam-kg/jardam/internal/referrals"
)

// Service holds the contact rules and owns their transactions.
type Service struct {
	db        *gorm.DB
	wrapper   jcrypto.KeyWrapper
	hash      func(route string, body []byte) []byte
	referrals *referrals.Service
	now       func() time.Time
}

// NewService returns the contact service. wrapper wraps each contact's data
// key; hash is the keyed hash of idempotent requests; refs carries intakes.
func NewService(db *gorm.DB, wrapper jcrypto.KeyWrapper, hash func(route string, body []byte) []byte, refs *referrals.Service) *Service {
	return &Service{db: db, wrapper: wrapper, hash: hash, referrals: refs, now: func() time.Time { return time.Now().UTC() }}
}

type row struct {
	ID               uuid.UUID
	Code             string
	OrganizationID   uuid.UUID
	Channel          string
	Caller           string
	Topic            string
	Region           *string
	Country          *string
	Indicators       []string `gorm:"type:text[]"`
	ScreeningResult  *string
	Outcome          *string
	CallbackConsent  bool
	KeyMasterVersion *string
	KeyWrapped       []byte
	SummaryEnc       []byte
	IdentityEnc      []byte
	ContactEnc       []byte
	ErasedAt         *time.Time
	CreatedBy        uuid.UUID
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Version          int
}

const columns = `id, code, organization_id, channel, caller, topic, region, country, indicators, screening_result, outcome,
	callback_consent, key_master_version, key_wrapped, summary_enc, identity_enc, contact_enc, erased_at, created_by,
	created_at, updated_at, version`

func ad(id uuid.UUID, column string) jcrypto.AD {
	return jcrypto.AD{Table: "contacts", Column: column, RowID: id.String(), KeyVersion: 1}
}

func keyAD(id uuid.UUID) string { return "contact:" + id.String() }

func (s *Service) sealer(ctx context.Context, r row) (*jcrypto.Sealer, error) {
	if r.KeyWrapped == nil || r.KeyMasterVersion == nil {
		return nil, apperr.Conflict("this contact was erased")
	}
	return jcrypto.OpenCaseSealer(ctx, s.wrapper, *r.KeyMasterVersion, r.KeyWrapped, keyAD(r.ID))
}

// secrets are a contact's sealed fields in the clear.
type secrets struct {
	Summary  *string
	Identity *Identity
	Contact  *Details
}

func sealJSON(sl *jcrypto.Sealer, id uuid.UUID, column string, v any, empty bool) ([]byte, error) {
	if empty {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return sl.Seal(b, ad(id, column))
}

func (sec secrets) seal(sl *jcrypto.Sealer, id uuid.UUID) (summary, identity, contact []byte, err error) {
	if summary, err = sealJSON(sl, id, "summary", sec.Summary, sec.Summary == nil || *sec.Summary == ""); err != nil {
		return
	}
	if identity, err = sealJSON(sl, id, "identity", sec.Identity, sec.Identity == nil); err != nil {
		return
	}
	contact, err = sealJSON(sl, id, "contact", sec.Contact, sec.Contact == nil)
	return
}

func (s *Service) open(ctx context.Context, r row) (secrets, error) {
	var out secrets
	if r.ErasedAt != nil || (r.SummaryEnc == nil && r.IdentityEnc == nil && r.ContactEnc == nil) {
		return out, nil
	}
	sl, err := s.sealer(ctx, r)
	if err != nil {
		return out, err
	}
	for _, f := range []struct {
		enc    []byte
		column string
		dst    any
	}{{r.SummaryEnc, "summary", &out.Summary}, {r.IdentityEnc, "identity", &out.Identity}, {r.ContactEnc, "contact", &out.Contact}} {
		if f.enc == nil {
			continue
		}
		b, err := sl.Open(f.enc, ad(r.ID, f.column))
		if err != nil {
			return out, err
		}
		if err := json.Unmarshal(b, f.dst); err != nil {
			return out, err
		}
	}
	return out, nil
}

// view converts a row; with sealed, it opens the sealed fields.
func (s *Service) view(ctx context.Context, tx *gorm.DB, r row, sealed bool) (Contact, error) {
	ind := r.Indicators
	if ind == nil {
		ind = []string{}
	}
	out := Contact{ID: r.ID, Code: r.Code, OrganizationID: r.OrganizationID, Channel: r.Channel, Caller: r.Caller,
		Topic: r.Topic, Region: r.Region, Country: r.Country, Screening: Screening{Indicators: ind, Result: r.ScreeningResult},
		Outcome: r.Outcome, CallbackConsent: r.CallbackConsent, Erased: r.ErasedAt != nil, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version}
	intake, err := intakeOf(tx, r.ID)
	if err != nil {
		return out, err
	}
	out.Intake = intake
	if !sealed {
		return out, nil
	}
	sec, err := s.open(ctx, r)
	if err != nil {
		return out, err
	}
	out.Summary, out.Identity, out.Contact = sec.Summary, sec.Identity, sec.Contact
	return out, nil
}

// intakeOf reads the latest intake of contact id: its status as the hotline
// sees it (a narrow read of the referral; never its case).
func intakeOf(tx *gorm.DB, id uuid.UUID) (*Intake, error) {
	var rows []struct {
		ID               uuid.UUID
		Code             string
		Status           string
		ToOrganizationID uuid.UUID
		RespondedAt      *time.Time
	}
	if err := tx.Raw(`SELECT id, code, status, to_organization_id, responded_at FROM referrals
		WHERE contact_id = ? ORDER BY created_at DESC LIMIT 1`, id).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	in := &Intake{ReferralID: r.ID, Code: r.Code, Status: r.Status, ToOrganizationID: r.ToOrganizationID}
	if r.RespondedAt != nil {
		t := r.RespondedAt.UTC()
		in.RespondedAt = &t
	}
	return in, nil
}

// load reads contact id of the caller's organization (row-level security
// hides the others), locked with lock; a missing or hidden contact is a
// not-found refusal audited on action.
func load(tx *gorm.DB, id uuid.UUID, action string, lock bool) (row, error) {
	q := `SELECT ` + columns + ` FROM contacts WHERE id = ?`
	if lock {
		q += ` FOR UPDATE`
	}
	var r row
	if err := tx.Raw(q, id).Scan(&r).Error; err != nil {
		return r, err
	}
	if r.ID == uuid.Nil {
		return r, access.NotFound("contact", action, "contact", id.String())
	}
	return r, nil
}

// nextCode numbers a contact: HL, the year (Asia/Bishkek) and a number of
// at least five digits, counted across hotlines.
func nextCode(tx *gorm.DB, year int) (string, error) {
	var last int
	if err := tx.Raw(`INSERT INTO contact_code_counters (year, last) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET last = contact_code_counters.last + 1 RETURNING last`, year).Scan(&last).Error; err != nil {
		return "", err
	}
	return fmt.Sprintf("HL-%d-%05d", year, last), nil
}

var bishkek = time.FixedZone("Asia/Bishkek", 6*3600)

func sec(f Fields) secrets {
	return secrets{Summary: f.Summary, Identity: f.Identity, Contact: f.Contact}
}

// Create records a contact of the caller's hotline. Only channel, caller
// and topic are required; a name never is. With an idempotency key, a
// retry with the same body returns the first contact.
func (s *Service) Create(ctx context.Context, f Fields, idemKey string, body []byte) (Contact, error) {
	if f.Version != nil {
		return Contact{}, apperr.Invalid("version", "is set by the service")
	}
	if err := validate(&f); err != nil {
		return Contact{}, err
	}
	var out Contact
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		id := uuid.New()
		if idemKey != "" {
			const route = "POST /api/v1/contacts"
			replay, err := idempotency.Claim(tx, p.UserID, route, idemKey, s.hash(route, body), id)
			if err != nil {
				return err
			}
			if replay != uuid.Nil {
				r, err := load(tx, replay, "contact.create", false)
				if err != nil {
					return err
				}
				out, err = s.view(ctx, tx, r, true)
				return err
			}
		}
		code, err := nextCode(tx, s.now().In(bishkek).Year())
		if err != nil {
			return err
		}
		sl, wrapped, masterVersion, err := jcrypto.NewCaseSealer(ctx, s.wrapper, keyAD(id))
		if err != nil {
			return err
		}
		summary, identity, contact, err := sec(f).seal(sl, id)
		if err != nil {
			return err
		}
		res := screeningOf(f)
		if err := tx.Exec(`INSERT INTO contacts (id, code, organization_id, channel, caller, topic, region, country, indicators,
				screening_result, outcome, callback_consent, key_master_version, key_wrapped, summary_enc, identity_enc,
				contact_enc, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, code, p.OrganizationID, *f.Channel, *f.Caller, *f.Topic, f.Region, f.Country, database.Array[string](res.Indicators),
			res.Result, f.Outcome, f.CallbackConsent != nil && *f.CallbackConsent, masterVersion, wrapped, summary, identity,
			contact, p.UserID).Error; err != nil {
			return err
		}
		r, err := load(tx, id, "contact.create", false)
		if err != nil {
			return err
		}
		if out, err = s.view(ctx, tx, r, true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "contact.create", "contact", id.String(), audit.Success)
	})
	return out, err
}

func screeningOf(f Fields) Screening {
	if f.Screening == nil {
		return Screening{Indicators: []string{}}
	}
	ind := f.Screening.Indicators
	if ind == nil {
		ind = []string{}
	}
	return Screening{Indicators: ind, Result: f.Screening.Result}
}

// Get returns a contact of the caller's hotline with its sealed fields; a
// missing contact and another organization's answer the same not found.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Contact, error) {
	var out Contact
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, _ reqctx.Principal) error {
		r, err := load(tx, id, "contact.read", false)
		if err != nil {
			return err
		}
		if out, err = s.view(ctx, tx, r, true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "contact.read", "contact", id.String(), audit.Success)
	})
	return out, err
}

// List returns the contacts of the caller's hotline, newest first, without
// their sealed fields. since, when set, keeps those recorded from then on.
func (s *Service) List(ctx context.Context, since *time.Time, pg web.Page) (web.List[Contact], error) {
	var out web.List[Contact]
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		args := map[string]any{"org": p.OrganizationID}
		q := `SELECT ` + columns + ` FROM contacts WHERE organization_id = @org`
		if since != nil {
			q += ` AND created_at >= @since`
			args["since"] = *since
		}
		cond, tail := pg.Keyset("created_at", "id", args)
		var rows []row
		if err := tx.Raw(q+cond+tail, args).Scan(&rows).Error; err != nil {
			return err
		}
		items := make([]Contact, 0, len(rows))
		for _, r := range rows {
			c, err := s.view(ctx, tx, r, false)
			if err != nil {
				return err
			}
			items = append(items, c)
		}
		out = web.NewList(items, pg.Limit, func(c Contact) (time.Time, uuid.UUID) { return c.CreatedAt, c.ID })
		return audit.Record(ctx, tx, "contact.list", "contact", "", audit.Success)
	})
	return out, err
}

// fieldsOf is the patchable document of a contact.
func fieldsOf(c Contact) Fields {
	cons := c.CallbackConsent
	sc := c.Screening
	return Fields{Channel: &c.Channel, Caller: &c.Caller, Topic: &c.Topic, Region: c.Region, Country: c.Country,
		Screening: &sc, Summary: c.Summary, Identity: c.Identity, Contact: c.Contact, CallbackConsent: &cons, Outcome: c.Outcome}
}

// Update applies a JSON merge patch to a contact at version expected, as a
// case's PATCH does: a stale version answers 412, an erased contact a
// conflict, the patched contact is validated whole (400 naming the field).
func (s *Service) Update(ctx context.Context, id uuid.UUID, expected int, patch map[string]json.RawMessage) (Contact, error) {
	var out Contact
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, _ reqctx.Principal) error {
		r, err := load(tx, id, "contact.update", true)
		if err != nil {
			return err
		}
		if r.Version != expected {
			return web.Stale()
		}
		if r.ErasedAt != nil {
			return apperr.Conflict("this contact was erased")
		}
		cur, err := s.view(ctx, tx, r, true)
		if err != nil {
			return err
		}
		f, err := web.ApplyMergePatch[Fields](fieldsOf(cur), patch)
		if err != nil {
			return err
		}
		if err := validate(&f); err != nil {
			return err
		}
		sl, err := s.sealer(ctx, r)
		if err != nil {
			return err
		}
		summary, identity, contact, err := sec(f).seal(sl, id)
		if err != nil {
			return err
		}
		res := screeningOf(f)
		if err := tx.Exec(`UPDATE contacts SET channel = ?, caller = ?, topic = ?, region = ?, country = ?, indicators = ?,
				screening_result = ?, outcome = ?, callback_consent = ?, summary_enc = ?, identity_enc = ?, contact_enc = ?,
				updated_at = now(), version = version + 1 WHERE id = ?`,
			*f.Channel, *f.Caller, *f.Topic, f.Region, f.Country, database.Array[string](res.Indicators), res.Result, f.Outcome,
			f.CallbackConsent != nil && *f.CallbackConsent, summary, identity, contact, id).Error; err != nil {
			return err
		}
		if r, err = load(tx, id, "contact.update", false); err != nil {
			return err
		}
		if out, err = s.view(ctx, tx, r, true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "contact.update", "contact", id.String(), audit.Success)
	})
	return out, err
}
