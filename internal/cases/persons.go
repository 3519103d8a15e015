package cases

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Linked persons: who they are to the victim and what they did.
var (
	PersonRelations     = []string{"mother", "father", "spouse", "child", "sibling", "other_family", "guardian", "acquaintance", "none"}
	PerpetratorRoles    = []string{"recruiter", "trafficker", "employer", "other_perpetrator"}
	RecruitmentChannels = []string{"website", "app", "social_media", "messenger", "in_person", "agency", "other"}
)

// PersonIdentity is who a linked person is (sealed: the identity part).
type PersonIdentity struct {
	GivenName      *string `json:"given_name,omitempty"`
	FamilyName     *string `json:"family_name,omitempty"`
	Patronymic     *string `json:"patronymic,omitempty"`
	BirthDate      *string `json:"birth_date,omitempty"`
	DocumentNumber *string `json:"document_number,omitempty"`
}

// PersonContact is how to reach a linked person (sealed: the contact
// part).
type PersonContact struct {
	Phone   *string `json:"phone,omitempty"`
	Address *string `json:"address,omitempty"`
}

// Person is a person linked to a case. Identity and Contact are absent
// when the caller may not read them (access.Relation.MayReadLinkedPerson);
// a person of whom the caller may read nothing is not listed.
type Person struct {
	ID                 uuid.UUID       `json:"id"`
	CaseID             uuid.UUID       `json:"case_id"`
	Relation           string          `json:"relation"`
	PerpetratorRole    *string         `json:"perpetrator_role"`
	RecruitmentChannel *string         `json:"recruitment_channel"`
	Identity           *PersonIdentity `json:"identity,omitempty"`
	Contact            *PersonContact  `json:"contact,omitempty"`
	Version            int             `json:"version"`
	CreatedAt          time.Time       `json:"created_at"`
	UpdatedAt          time.Time       `json:"updated_at"`
}

// PersonInput is the body of POST /cases/{id}/persons and the fields a
// PATCH of a person may name.
type PersonInput struct {
	Relation           *string         `json:"relation,omitempty"`
	PerpetratorRole    *string         `json:"perpetrator_role,omitempty"`
	RecruitmentChannel *string         `json:"recruitment_channel,omitempty"`
	Identity           *PersonIdentity `json:"identity,omitempty"`
	Contact            *PersonContact  `json:"contact,omitempty"`
	Version            *int            `json:"version,omitempty"`
}

func (in PersonInput) check() error {
	var v apperr.Validation
	if in.Relation == nil {
		v.Add("relation", "is required")
	}
	checkEnum(&v, "relation", in.Relation, PersonRelations)
	checkEnum(&v, "perpetrator_role", in.PerpetratorRole, PerpetratorRoles)
	checkEnum(&v, "recruitment_channel", in.RecruitmentChannel, RecruitmentChannels)
	if in.RecruitmentChannel != nil && in.PerpetratorRole == nil {
		v.Add("recruitment_channel", "is given with a perpetrator_role")
	}
	if id := in.Identity; id != nil {
		checkText(&v, "identity.given_name", id.GivenName, 100)
		checkText(&v, "identity.family_name", id.FamilyName, 100)
		checkText(&v, "identity.patronymic", id.Patronymic, 100)
		checkText(&v, "identity.document_number", id.DocumentNumber, 50)
		if id.BirthDate != nil {
			if _, ok := parseDate(*id.BirthDate); !ok {
				v.Add("identity.birth_date", "must be a date written YYYY-MM-DD")
			}
		}
	}
	if c := in.Contact; c != nil {
		checkText(&v, "contact.phone", c.Phone, 50)
		checkText(&v, "contact.address", c.Address, 500)
	}
	return v.Err()
}

type personRow struct {
	ID                 uuid.UUID
	CaseID             uuid.UUID
	Relation           string
	PerpetratorRole    *string
	RecruitmentChannel *string
	IdentityEnc        []byte
	ContactEnc         []byte
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

const personColumns = `id, case_id, relation, perpetrator_role, recruitment_channel, identity_enc, contact_enc, version,
	created_at, updated_at`

// CreatePerson links a person to a case, for the owning organization's
// side (access.RequireOwner); identity and contact are sealed.
func (s *Service) CreatePerson(ctx context.Context, caseID uuid.UUID, in PersonInput, idemKey string, body []byte) (Person, error) {
	if in.Version != nil {
		return Person{}, apperr.Invalid("version", "is set by the service")
	}
	if err := in.check(); err != nil {
		return Person{}, err
	}
	return access.Act(ctx, s.db, caseID, "person.create", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) (Person, error) {
		id := uuid.New()
		replay, err := s.claim(tx, p, "POST /api/v1/cases/"+caseID.String()+"/persons", idemKey, body, id)
		if err != nil {
			return Person{}, err
		}
		if replay == uuid.Nil {
			if err := requireRecordCase(tx, caseID); err != nil {
				return Person{}, err
			}
			if err := tx.Exec(`INSERT INTO case_persons (id, case_id, relation, created_by) VALUES (?, ?, ?, ?)`,
				id, caseID, *in.Relation, p.UserID).Error; err != nil {
				return Person{}, err
			}
			if err := s.writePerson(ctx, tx, caseID, id, in); err != nil {
				return Person{}, err
			}
		}
		out, err := s.readPersons(ctx, tx, caseID, rel, replayOr(replay, id))
		if err != nil {
			return Person{}, err
		}
		if len(out) == 0 {
			return Person{}, apperr.Conflict("the idempotency key was used for another case")
		}
		if replay != uuid.Nil {
			return out[0], access.ErrReplayed
		}
		return out[0], nil
	})
}

// writePerson writes the fields of person id of case caseID, sealing its
// identity and contact.
func (s *Service) writePerson(ctx context.Context, tx *gorm.DB, caseID, id uuid.UUID, in PersonInput) error {
	var identityEnc, contactEnc []byte
	if in.Identity != nil || in.Contact != nil {
		sealer, k, err := s.liveSealer(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if in.Identity != nil {
			if identityEnc, err = sealJSON(sealer, in.Identity, ad("case_persons", "identity", id, k.KeyVersion)); err != nil {
				return err
			}
		}
		if in.Contact != nil {
			if contactEnc, err = sealJSON(sealer, in.Contact, ad("case_persons", "contact", id, k.KeyVersion)); err != nil {
				return err
			}
		}
	}
	return tx.Exec(`UPDATE case_persons SET relation = ?, perpetrator_role = ?, recruitment_channel = ?, identity_enc = ?,
		contact_enc = ? WHERE id = ?`, *in.Relation, in.PerpetratorRole, in.RecruitmentChannel, identityEnc, contactEnc, id).Error
}

// ListPersons returns the persons linked to a case that the caller may
// read something of: on the owner's side all of them; a referred
// organization the family and guardians under the consented identity and
// contact categories, and anyone with a perpetrator role only with legal
// consented (access.Relation.MayReadLinkedPerson).
func (s *Service) ListPersons(ctx context.Context, caseID uuid.UUID) ([]Person, error) {
	return access.Act(ctx, s.db, caseID, "person.list", access.SeeCase, func(tx *gorm.DB, _ reqctx.Principal, rel access.Relation) ([]Person, error) {
		return s.readPersons(ctx, tx, caseID, rel, uuid.Nil)
	})
}

// UpdatePerson applies a merge patch to person id at version expected
// (412 when stale), for the owning organization's side of its case.
func (s *Service) UpdatePerson(ctx context.Context, id uuid.UUID, expected int, patch map[string]json.RawMessage) (Person, error) {
	return access.Do(ctx, s.db, "person.update", func(tx *gorm.DB, p reqctx.Principal) (Person, uuid.UUID, error) {
		var cur personRow
		if err := tx.Raw(`SELECT `+personColumns+` FROM case_persons WHERE id = ? FOR UPDATE`, id).Scan(&cur).Error; err != nil {
			return Person{}, cur.CaseID, err
		}
		if cur.ID == uuid.Nil {
			return Person{}, uuid.Nil, access.NotFound("person", "person.update", "person", id.String())
		}
		rel, err := checkOf(ctx, tx, cur.CaseID, "person", "person.update", id, access.RequireOwner)
		if err != nil {
			return Person{}, cur.CaseID, err
		}
		if cur.Version != expected {
			return Person{}, cur.CaseID, web.Stale()
		}
		now, err := s.openPersons(ctx, tx, cur.CaseID, rel, []personRow{cur})
		if err != nil {
			return Person{}, cur.CaseID, err
		}
		f := now[0]
		in, err := web.ApplyMergePatch[PersonInput](PersonInput{Relation: &f.Relation, PerpetratorRole: f.PerpetratorRole,
			RecruitmentChannel: f.RecruitmentChannel, Identity: f.Identity, Contact: f.Contact}, patch)
		if err != nil {
			return Person{}, cur.CaseID, err
		}
		if err := in.check(); err != nil {
			return Person{}, cur.CaseID, err
		}
		if err := s.writePerson(ctx, tx, cur.CaseID, id, in); err != nil {
			return Person{}, cur.CaseID, err
		}
		if err := tx.Exec(`UPDATE case_persons SET version = version + 1, updated_at = now() WHERE id = ?`, id).Error; err != nil {
			return Person{}, cur.CaseID, err
		}
		out, err := s.readPersons(ctx, tx, cur.CaseID, rel, id)
		if err != nil {
			return Person{}, cur.CaseID, err
		}
		return out[0], cur.CaseID, nil
	})
}

// readPersons reads the persons of case caseID (the one with id id when id
// is set) as rel may read them, oldest first.
func (s *Service) readPersons(ctx context.Context, tx *gorm.DB, caseID uuid.UUID, rel access.Relation, id uuid.UUID) ([]Person, error) {
	var rows []personRow
	if err := tx.Raw(`SELECT `+personColumns+` FROM case_persons WHERE case_id = @case
			AND (@id = CAST('00000000-0000-0000-0000-000000000000' AS uuid) OR id = @id)
		ORDER BY created_at, id`, map[string]any{"case": caseID, "id": id}).Scan(&rows).Error; err != nil {
		return nil, err
	}
	return s.openPersons(ctx, tx, caseID, rel, rows)
}

// openPersons converts rows for rel: the parts it may read opened, the
// persons it may read nothing of left out.
func (s *Service) openPersons(ctx context.Context, tx *gorm.DB, caseID uuid.UUID, rel access.Relation, rows []personRow) ([]Person, error) {
	out := make([]Person, 0, len(rows))
	var sealer *jcrypto.Sealer
	var k caseKey
	erased := false
	for _, r := range rows {
		identity, contact := rel.MayReadLinkedPerson(r.PerpetratorRole != nil)
		if !identity && !contact {
			continue
		}
		p := Person{ID: r.ID, CaseID: r.CaseID, Relation: r.Relation, PerpetratorRole: r.PerpetratorRole,
			RecruitmentChannel: r.RecruitmentChannel, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
		if sealer == nil && !erased && (r.IdentityEnc != nil || r.ContactEnc != nil) {
			var err error
			if sealer, k, erased, err = s.caseSealer(ctx, tx, caseID); err != nil {
				return nil, err
			}
		}
		if sealer != nil && identity && r.IdentityEnc != nil {
			p.Identity = &PersonIdentity{}
			if err := openJSON(sealer, r.IdentityEnc, ad("case_persons", "identity", r.ID, k.KeyVersion), p.Identity); err != nil {
				return nil, err
			}
		}
		if sealer != nil && contact && r.ContactEnc != nil {
			p.Contact = &PersonContact{}
			if err := openJSON(sealer, r.ContactEnc, ad("case_persons", "contact", r.ID, k.KeyVersion), p.Contact); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// guardianSQL is true when someone acts for the person of case c: a
// guardian linked to it, or a consent given by the guardianship authority
// in force. An open case of a minor without either needs a guardian
// (getSQL reads it with the case).
const guardianSQL = `(EXISTS (SELECT 1 FROM case_persons g WHERE g.case_id = c.id AND g.relation = 'guardian')
	OR EXISTS (SELECT 1 FROM consents g WHERE g.case_id = c.id AND g.given_by = 'guardianship_authority'
	           AND g.withdrawn_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > now())))`
