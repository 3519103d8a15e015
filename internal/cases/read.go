package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// row is a stored case.
type row struct {
	ID                        uuid.UUID
	Code                      string
	OwnerOrganizationID       uuid.UUID
	IdentifyingOrganizationID uuid.UUID
	Version                   int
	Source                    string
	Stage                     string
	Status                    string
	ClosureReason             *string
	RiskLevel                 *string
	IdentifiedAt              time.Time
	IdentificationChannel     *string
	TraffickingStatus         *string
	Sex                       string
	AgeBracket                string
	IsMinor                   *bool
	Citizenship               *string
	RegionOfOrigin            *string
	ExploitationTypes         []string `gorm:"type:text[]"`
	CountriesOfExploitation   []string `gorm:"type:text[]"`
	MeansOfControl            []string `gorm:"type:text[]"`
	LabourSector              *string
	RecruitmentMethod         *string
	RecruiterRelation         *string
	MeasureCodes              []string `gorm:"type:text[]"`
	ReflectionEndsOn          *time.Time
	IdentityEnc               []byte
	ContactEnc                []byte
	CreatedAt                 time.Time
	UpdatedAt                 time.Time
	LastActivityAt            time.Time
}

const caseColumns = `c.id, c.code, c.owner_organization_id, c.identifying_organization_id, c.version, c.source, c.stage,
	c.status, c.closure_reason, c.risk_level, c.identified_at, c.identification_channel, c.trafficking_status, c.sex,
	c.age_bracket, c.is_minor, c.citizenship, c.region_of_origin, c.exploitation_types, c.countries_of_exploitation,
	c.means_of_control, c.labour_sector, c.recruitment_method, c.recruiter_relation, c.measure_codes,
	c.reflection_ends_on, c.identity_enc, c.contact_enc, c.created_at, c.updated_at,
	c.last_activity_at`

type eventRow struct {
	ID         uuid.UUID `json:"id"`
	Kind       string    `json:"kind"`
	Country    *string   `json:"country"`
	Region     *string   `json:"region"`
	YearMonth  *string   `json:"year_month"`
	DetailsEnc []byte    `json:"details_enc"`
}

// partsColumns is the select list, for the case p.id, of what a case read
// adds to the case row: the case's data key (from case_keys k joined on
// the case), its assigned workers, its events and its flags in force
// (bytea as base64, so that the JSON decodes into []byte).
const partsColumns = `k.key_version, k.master_version, k.wrapped,
	(SELECT json_agg(a.user_id ORDER BY a.assigned_at, a.user_id) FROM case_assignments a WHERE a.case_id = p.id) AS assigned,
	(SELECT json_agg(json_build_object('id', e.id, 'kind', e.kind, 'country', e.country, 'region', e.region,
		'year_month', e.year_month, 'details_enc', translate(encode(e.details_enc, 'base64'), E'\n', ''))
		ORDER BY e.position) FROM case_events e WHERE e.case_id = p.id) AS events,
	(SELECT json_agg(json_build_object('id', f.id, 'case_id', f.case_id,
		'reason_enc', translate(encode(f.reason_enc, 'base64'), E'\n', ''), 'until', f.until,
		'created_by', f.created_by, 'created_at', f.created_at) ORDER BY f.created_at, f.id)
		FROM case_flags f WHERE f.case_id = p.id AND ` + activeFlag + `) AS flags`

// partsSQL reads the parts (partsColumns) of the cases of the array
// parameter in one statement.
const partsSQL = `SELECT p.id AS case_id, ` + partsColumns + `
	FROM unnest(?::uuid[]) AS p(id) LEFT JOIN case_keys k ON k.case_id = p.id`

// partsRow is a row of partsSQL.
type partsRow struct {
	CaseID        uuid.UUID
	KeyVersion    *int
	MasterVersion *string
	Wrapped       []byte
	Assigned      []byte
	Events        []byte
	Flags         []byte
}

// caseParts is partsSQL's answer, by case.
type caseParts struct {
	keys     map[uuid.UUID]caseKey
	assigned map[uuid.UUID][]uuid.UUID
	events   map[uuid.UUID][]eventRow
	flags    []flagRow
}

// readParts reads the parts of cases ids (partsSQL): one round trip for a
// case or a page of them.
func (s *Service) readParts(tx *gorm.DB, ids []uuid.UUID) (caseParts, error) {
	var rows []partsRow
	if err := tx.Raw(partsSQL, database.Array[uuid.UUID](ids)).Scan(&rows).Error; err != nil {
		return caseParts{}, err
	}
	return decodeParts(rows)
}

// decodeParts decodes rows of partsColumns by case.
func decodeParts(rows []partsRow) (caseParts, error) {
	out := caseParts{keys: map[uuid.UUID]caseKey{}, assigned: map[uuid.UUID][]uuid.UUID{}, events: map[uuid.UUID][]eventRow{}}
	for _, r := range rows {
		if r.KeyVersion != nil {
			out.keys[r.CaseID] = caseKey{CaseID: r.CaseID, KeyVersion: *r.KeyVersion, MasterVersion: r.MasterVersion, Wrapped: r.Wrapped}
		}
		var assigned []uuid.UUID
		var events []eventRow
		var flags []flagJSON
		if err := unmarshalAll(r.Assigned, &assigned, r.Events, &events, r.Flags, &flags); err != nil {
			return caseParts{}, fmt.Errorf("case %s: %w", r.CaseID, err)
		}
		out.assigned[r.CaseID], out.events[r.CaseID] = assigned, events
		for _, f := range flags {
			out.flags = append(out.flags, f.row())
		}
	}
	return out, nil
}

// unmarshalAll decodes each JSON document of pairs (document, target) that
// is not SQL NULL.
func unmarshalAll(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if doc, _ := pairs[i].([]byte); doc != nil {
			if err := json.Unmarshal(doc, pairs[i+1]); err != nil {
				return err
			}
		}
	}
	return nil
}

func arr(s []string) database.Array[string] {
	if s == nil {
		return database.Array[string]{}
	}
	return database.Array[string](s)
}

func list(a []string) []string {
	if a == nil {
		return []string{}
	}
	return a
}

// reveal is what readCases decrypts of one case.
type reveal struct {
	// identity: the identity category (names, aliases, birth date,
	// document, languages); names: only the given name, family name and
	// patronymic (lists and searches), ignored when identity is set.
	identity, names bool
	// contact: phone, address and contact person.
	contact bool
	// eventDetails: the place and details of trafficking events.
	eventDetails bool
	// flagReasons: why the case is flagged.
	flagReasons bool
}

func (r reveal) any() bool { return r.identity || r.names || r.contact || r.eventDetails }

// readCases loads full case views for rows, in three queries whatever the
// number of rows (assignments, events, keys). show says, per case, what may
// be decrypted.
func (s *Service) readCases(ctx context.Context, tx *gorm.DB, rows []row, show func(uuid.UUID) reveal) ([]Case, error) {
	if len(rows) == 0 {
		return []Case{}, nil
	}
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	parts, err := s.readParts(tx, ids)
	if err != nil {
		return nil, err
	}
	return s.assemble(ctx, rows, parts, show)
}

// assemble builds the case views of rows from their parts, decrypting
// what show allows.
func (s *Service) assemble(ctx context.Context, rows []row, parts caseParts, show func(uuid.UUID) reveal) ([]Case, error) {
	flags, err := s.openFlags(ctx, parts.flags, func(id uuid.UUID) bool { return show(id).flagReasons },
		func(id uuid.UUID) (caseKey, error) { return parts.keys[id], nil })
	if err != nil {
		return nil, err
	}
	assigns, events, byCase := parts.assigned, parts.events, parts.keys
	out := make([]Case, len(rows))
	for i, r := range rows {
		c := toCase(r)
		c.AssignedUserIDs = append(c.AssignedUserIDs, assigns[r.ID]...)
		rv := show(r.ID)
		k := byCase[r.ID]
		var sealer *jcrypto.Sealer
		if rv.any() && r.Source == "record" {
			var err error
			sealer, err = s.keys.Sealer(ctx, k)
			if errors.Is(err, ErrKeyDestroyed) {
				c.IdentityErased = true
			} else if err != nil {
				return nil, err
			}
		}
		if sealer != nil && (rv.identity || rv.names || rv.contact) {
			id, err := openIdentity(sealer, r, k.KeyVersion, rv)
			if err != nil {
				return nil, err
			}
			c.Identity = id
		}
		for _, e := range events[r.ID] {
			ev := Event{Kind: e.Kind, Country: e.Country, Region: e.Region, YearMonth: e.YearMonth}
			if sealer != nil && rv.eventDetails && e.DetailsEnc != nil {
				var sec eventSecret
				if err := openJSON(sealer, e.DetailsEnc, ad("case_events", "details", e.ID, k.KeyVersion), &sec); err != nil {
					return nil, err
				}
				ev.Place, ev.Details = sec.Place, sec.Details
			}
			c.TraffickingEvents = append(c.TraffickingEvents, ev)
		}
		c.Flags = append([]Flag{}, flags[r.ID]...)
		c.Flagged = len(c.Flags) > 0
		out[i] = c
	}
	return out, nil
}

func openIdentity(sealer *jcrypto.Sealer, r row, keyVersion int, rv reveal) (*Identity, error) {
	var id Identity
	if (rv.identity || rv.names) && r.IdentityEnc != nil {
		var p IdentityFields
		if err := openJSON(sealer, r.IdentityEnc, ad("cases", "identity", r.ID, keyVersion), &p); err != nil {
			return nil, err
		}
		id.GivenName, id.FamilyName, id.Patronymic = p.GivenName, p.FamilyName, p.Patronymic
		if rv.identity {
			id.Aliases, id.BirthDate, id.DocumentNumber, id.Languages = p.Aliases, p.BirthDate, p.DocumentNumber, p.Languages
		}
	}
	if rv.contact && r.ContactEnc != nil {
		var p ContactFields
		if err := openJSON(sealer, r.ContactEnc, ad("cases", "contact", r.ID, keyVersion), &p); err != nil {
			return nil, err
		}
		id.Phone, id.Address, id.ContactPerson = p.Phone, p.Address, p.ContactPerson
	}
	return &id, nil
}

func toCase(r row) Case {
	c := Case{
		ID: r.ID, Code: r.Code, Version: r.Version, OwnerOrganizationID: r.OwnerOrganizationID,
		IdentifyingOrganizationID: r.IdentifyingOrganizationID, Source: r.Source, Stage: r.Stage, Status: r.Status,
		ClosureReason: r.ClosureReason, RiskLevel: r.RiskLevel, IdentifiedAt: r.IdentifiedAt.UTC(),
		IdentificationChannel: r.IdentificationChannel, TraffickingStatus: r.TraffickingStatus, Sex: r.Sex,
		AgeBracket: r.AgeBracket, IsMinor: r.IsMinor, Citizenship: r.Citizenship, RegionOfOrigin: r.RegionOfOrigin,
		ExploitationTypes: list(r.ExploitationTypes), CountriesOfExploitation: list(r.CountriesOfExploitation),
		MeansOfControl: list(r.MeansOfControl), LabourSector: r.LabourSector, RecruitmentMethod: r.RecruitmentMethod,
		RecruiterRelation: r.RecruiterRelation, MeasureCodes: list(r.MeasureCodes), AssignedUserIDs: []uuid.UUID{},
		TraffickingEvents: []Event{}, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		LastActivityAt: r.LastActivityAt.UTC(),
	}
	if r.ReflectionEndsOn != nil {
		d := r.ReflectionEndsOn.Format("2006-01-02")
		c.ReflectionEndsOn = &d
	}
	return c
}
