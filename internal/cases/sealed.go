package cases

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
)

// SealedCase is what a create stores in encrypted form for one case: its
// wrapped data key, the sealed identity and contact, the trafficking events
// with their sealed details and the blind index tokens. Bulk loaders (the
// load benchmark's dataset) write these columns directly; the bytes are the
// ones Create would write, so the service reads such cases like any other.
type SealedCase struct {
	// MasterVersion and Wrapped go to case_keys (key_version 1).
	MasterVersion string
	Wrapped       []byte
	// IdentityEnc and ContactEnc go to cases (nil when nothing is recorded).
	IdentityEnc, ContactEnc []byte
	Events                  []SealedEvent
	Tokens                  []BlindToken
}

// SealedEvent is one row of case_events.
type SealedEvent struct {
	ID                       uuid.UUID
	Position                 int
	Kind                     string
	Country, Region, YearMon *string
	DetailsEnc               []byte
}

// BlindToken is one row of case_blind_index.
type BlindToken struct {
	Kind  string
	Token []byte
}

// SealNew makes a new data key for case id and seals f's identity, contact
// and event details under it, as Create does for a new case (key version 1).
func SealNew(ctx context.Context, k *Keyring, id uuid.UUID, f Fields) (SealedCase, error) {
	sealer, wrapped, masterVersion, err := k.NewCaseSealer(ctx, id)
	if err != nil {
		return SealedCase{}, err
	}
	out := SealedCase{MasterVersion: masterVersion, Wrapped: wrapped}
	if out.IdentityEnc, out.ContactEnc, err = sealIdentity(sealer, id, 1, f.Identity); err != nil {
		return SealedCase{}, err
	}
	for i, e := range f.TraffickingEvents {
		ev := SealedEvent{ID: uuid.New(), Position: i, Kind: e.Kind, Country: e.Country, Region: e.Region, YearMon: e.YearMonth}
		if ev.DetailsEnc, err = sealEventDetails(sealer, ev.ID, 1, e); err != nil {
			return SealedCase{}, err
		}
		out.Events = append(out.Events, ev)
	}
	for _, t := range blindTokens(k, f.Identity) {
		out.Tokens = append(out.Tokens, BlindToken{Kind: t.kind, Token: t.token})
	}
	return out, nil
}

// sealIdentity seals the identity and contact parts of id (nil for an
// absent identity or an empty contact).
func sealIdentity(sealer *jcrypto.Sealer, id uuid.UUID, keyVersion int, identity *Identity) (identityEnc, contactEnc []byte, err error) {
	if identity == nil {
		return nil, nil, nil
	}
	ip, cp := identity.parts()
	b, err := json.Marshal(ip)
	if err != nil {
		return nil, nil, err
	}
	if identityEnc, err = sealer.Seal(b, ad("cases", "identity", id, keyVersion)); err != nil {
		return nil, nil, err
	}
	if !cp.empty() {
		b, err := json.Marshal(cp)
		if err != nil {
			return nil, nil, err
		}
		if contactEnc, err = sealer.Seal(b, ad("cases", "contact", id, keyVersion)); err != nil {
			return nil, nil, err
		}
	}
	return identityEnc, contactEnc, nil
}

// sealEventDetails seals the place and details of event row eid (nil when
// neither is given).
func sealEventDetails(sealer *jcrypto.Sealer, eid uuid.UUID, keyVersion int, e Event) ([]byte, error) {
	if e.Place == nil && e.Details == nil {
		return nil, nil
	}
	b, err := json.Marshal(eventSecret{Place: e.Place, Details: e.Details})
	if err != nil {
		return nil, err
	}
	return sealer.Seal(b, ad("case_events", "details", eid, keyVersion))
}

// PrepareNew validates the fields of a new case and derives what Create
// derives (the age bracket and minority from the birth date, the
// identification time), for bulk loaders that write rows directly.
func PrepareNew(f *Fields, now time.Time) error { return validate(f, true, now) }

// writeSecrets encrypts identity, contact and event details of case id and
// stores them with the events and blind index tokens, replacing what was
// there.
func (s *Service) writeSecrets(ctx context.Context, tx *gorm.DB, sealer *jcrypto.Sealer, id uuid.UUID, keyVersion int, f Fields) error {
	identityEnc, contactEnc, err := sealIdentity(sealer, id, keyVersion, f.Identity)
	if err != nil {
		return err
	}
	if err := tx.Exec(`UPDATE cases SET identity_enc = ?, contact_enc = ? WHERE id = ?`, identityEnc, contactEnc, id).Error; err != nil {
		return err
	}
	if err := tx.Exec(`DELETE FROM case_events WHERE case_id = ?`, id).Error; err != nil {
		return err
	}
	for i, e := range f.TraffickingEvents {
		eid := uuid.New()
		details, err := sealEventDetails(sealer, eid, keyVersion, e)
		if err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO case_events (id, case_id, position, kind, country, region, year_month, details_enc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, eid, id, i, e.Kind, e.Country, e.Region, e.YearMonth, details).Error; err != nil {
			return err
		}
	}
	if err := tx.Exec(`DELETE FROM case_blind_index WHERE case_id = ?`, id).Error; err != nil {
		return err
	}
	for _, t := range s.tokens(f.Identity) {
		if err := tx.Exec(`INSERT INTO case_blind_index (case_id, kind, token) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, t.kind, t.token).Error; err != nil {
			return err
		}
	}
	return nil
}

type token struct {
	kind  string
	token []byte
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// tokens are the blind index entries of an identity.
func (s *Service) tokens(id *Identity) []token { return blindTokens(s.keys, id) }

// lookupTokens are the blind index entries a search for an identity looks
// for: under the current index key and, while a rotation moves the
// indexes, under each previous one, so that a case is found whichever key
// its tokens are under.
func (s *Service) lookupTokens(id *Identity) []token {
	var out []token
	for _, idx := range s.keys.LookupIndexes() {
		out = append(out, indexTokens(idx, id)...)
	}
	return out
}

// blindTokens are the blind index entries of an identity under k's index
// key.
func blindTokens(k *Keyring, id *Identity) []token { return indexTokens(k.Index, id) }

// indexTokens are the blind index entries of an identity under idx.
func indexTokens(idx *jcrypto.BlindIndexer, id *Identity) []token {
	if id == nil {
		return nil
	}
	var out []token
	if !blank(id.GivenName) || !blank(id.FamilyName) {
		for _, t := range idx.NameOnlyKeys(str(id.GivenName), str(id.FamilyName)) {
			out = append(out, token{"name", t})
		}
		if id.BirthDate != nil {
			for _, t := range idx.NameKeys(str(id.GivenName), str(id.FamilyName), str(id.Patronymic), *id.BirthDate) {
				out = append(out, token{"name_birth", t})
			}
		}
	}
	if !blank(id.DocumentNumber) {
		out = append(out, token{"document", idx.DocumentKey(*id.DocumentNumber)})
	}
	return out
}
