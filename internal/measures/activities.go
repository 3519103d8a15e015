package measures

import (
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/idempotency"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
	"github.com/jardam-kg/jardam/internal/stats"
)

// ActivityKinds are the kinds of activity that are not cases.
var ActivityKinds = []string{"awareness_event", "training", "campaign", "publication", "other"}

// FundingSources of a cost (the budget's actual spending, package stats,
// is released per source).
var FundingSources = stats.BudgetSources

// Participants are counted by sex only; an activity holds no personal data.
type Participants struct {
	Female int `json:"female"`
	Male   int `json:"male"`
	Other  int `json:"other"`
}

// Total is the number of participants.
func (p Participants) Total() int { return p.Female + p.Male + p.Other }

// Activity is an activity that is not a case (an awareness event, a
// training, a campaign, a publication), held by an organization against a
// Program measure.
type Activity struct {
	ID                uuid.UUID    `json:"id"`
	OrganizationID    uuid.UUID    `json:"organization_id"`
	HeldOn            string       `json:"held_on"`
	Region            string       `json:"region"`
	Kind              string       `json:"kind"`
	Title             string       `json:"title"`
	Participants      Participants `json:"participants"`
	ParticipantsTotal int          `json:"participants_total"`
	PeopleReached     int          `json:"people_reached"`
	CostKGS           *float64     `json:"cost_kgs"`
	FundingSource     *string      `json:"funding_source"`
	MeasureCode       string       `json:"measure_code"`
	CreatedBy         uuid.UUID    `json:"created_by"`
	CreatedAt         time.Time    `json:"created_at"`
}

// ActivityInput is the body of POST /api/v1/activities. The organization
// is the caller's.
type ActivityInput struct {
	HeldOn        string        `json:"held_on"`
	Region        string        `json:"region"`
	Kind          string        `json:"kind"`
	Title         string        `json:"title"`
	Participants  *Participants `json:"participants,omitempty"`
	PeopleReached *int          `json:"people_reached,omitempty"`
	CostKGS       *float64      `json:"cost_kgs,omitempty"`
	FundingSource *string       `json:"funding_source,omitempty"`
	MeasureCode   string        `json:"measure_code"`
}

// ActivityFilter narrows the activity list: held from From to To (dates,
// both included) and against a measure.
type ActivityFilter struct {
	From, To    *time.Time
	MeasureCode string
}

const maxCount = 10_000_000

func (in *ActivityInput) validate(now time.Time) error {
	var v apperr.Validation
	held, err := time.ParseInLocation("2006-01-02", in.HeldOn, Bishkek)
	switch {
	case err != nil || held.Year() < 2000:
		v.Add("held_on", "must be a date written YYYY-MM-DD")
	case held.After(now.In(Bishkek)):
		v.Add("held_on", "must not be in the future")
	}
	if !slices.Contains(organizations.Regions, in.Region) {
		v.Add("region", "must be one of: "+strings.Join(organizations.Regions, ", "))
	}
	if !slices.Contains(ActivityKinds, in.Kind) {
		v.Add("kind", "must be one of: "+strings.Join(ActivityKinds, ", "))
	}
	if strings.TrimSpace(in.Title) == "" || !apperr.IsTextWithin(in.Title, 300) {
		v.Add("title", "must be text of 1 to 300 characters")
	}
	if p := in.Participants; p != nil {
		if p.Female < 0 || p.Male < 0 || p.Other < 0 || p.Total() > maxCount {
			v.Add("participants", "must be counts from 0")
		}
	}
	if in.PeopleReached != nil && (*in.PeopleReached < 0 || *in.PeopleReached > maxCount) {
		v.Add("people_reached", "must be a count from 0")
	}
	if in.CostKGS != nil && (*in.CostKGS < 0 || *in.CostKGS > 1e10) {
		v.Add("cost_kgs", "must be an amount in KGS from 0")
	}
	if in.FundingSource != nil && !slices.Contains(FundingSources, *in.FundingSource) {
		v.Add("funding_source", "must be one of: "+strings.Join(FundingSources, ", "))
	}
	if in.FundingSource != nil && in.CostKGS == nil {
		v.Add("cost_kgs", "is required with funding_source")
	}
	if !IsCode(in.MeasureCode) {
		v.Add("measure_code", "must be a Program measure code")
	}
	return v.Err()
}

type activityRow struct {
	ID                 uuid.UUID
	OrganizationID     uuid.UUID
	HeldOn             time.Time
	Region             string
	Kind               string
	Title              string
	ParticipantsFemale int
	ParticipantsMale   int
	ParticipantsOther  int
	PeopleReached      int
	CostKgs            *float64
	FundingSource      *string
	MeasureCode        string
	CreatedBy          uuid.UUID
	CreatedAt          time.Time
}

const activityColumns = `id, organization_id, held_on, region, kind, title, participants_female, participants_male,
	participants_other, people_reached, cost_kgs::float8 AS cost_kgs, funding_source, measure_code, created_by, created_at`

func toActivity(r activityRow) Activity {
	p := Participants{Female: r.ParticipantsFemale, Male: r.ParticipantsMale, Other: r.ParticipantsOther}
	return Activity{ID: r.ID, OrganizationID: r.OrganizationID, HeldOn: r.HeldOn.Format("2006-01-02"), Region: r.Region,
		Kind: r.Kind, Title: r.Title, Participants: p, ParticipantsTotal: p.Total(), PeopleReached: r.PeopleReached,
		CostKGS: r.CostKgs, FundingSource: r.FundingSource, MeasureCode: r.MeasureCode, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC()}
}

// inOrgTx runs fn in a transaction scoped to the caller's organization.
func (s *Service) inOrgTx(ctx context.Context, fn func(tx *gorm.DB, p reqctx.Principal) error) error {
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok {
		return apperr.Unauthorized("sign in first")
	}
	return apperr.Wrap(database.InOrgTx(ctx, s.db, p.OrganizationID, p.UserID, func(tx *gorm.DB) error { return fn(tx, p) }))
}

const activityRoute = "POST /api/v1/activities"

// CreateActivity records an activity of the caller's organization against
// an existing measure. With an idempotency key, a retry with the same body
// returns the first activity (replayed true) and one with another body
// answers a conflict. It answers an invalid error naming the field for a
// bad value or a measure code that names no measure.
func (s *Service) CreateActivity(ctx context.Context, in ActivityInput, idemKey string, body []byte) (a Activity, replayed bool, err error) {
	if err := in.validate(s.now()); err != nil {
		return Activity{}, false, err
	}
	p := Participants{}
	if in.Participants != nil {
		p = *in.Participants
	}
	reached := 0
	if in.PeopleReached != nil {
		reached = *in.PeopleReached
	}
	err = s.inOrgTx(ctx, func(tx *gorm.DB, pr reqctx.Principal) error {
		id := uuid.New()
		if idemKey != "" {
			prev, err := claimKey(tx, pr, idemKey, body, id)
			if err != nil {
				return err
			}
			if prev != uuid.Nil {
				replayed = true
				a, err = readActivity(tx, prev)
				return err
			}
		}
		if err := CheckCodes(ctx, tx, "measure_code", []string{in.MeasureCode}); err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO activities (id, organization_id, held_on, region, kind, title, participants_female,
				participants_male, participants_other, people_reached, cost_kgs, funding_source, measure_code, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, pr.OrganizationID, in.HeldOn, in.Region, in.Kind,
			strings.TrimSpace(in.Title), p.Female, p.Male, p.Other, reached, in.CostKGS, in.FundingSource, in.MeasureCode,
			pr.UserID).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "activity.create", "activity", id.String(), audit.Success); err != nil {
			return err
		}
		a, err = readActivity(tx, id)
		return err
	})
	return a, replayed, err
}

func readActivity(tx *gorm.DB, id uuid.UUID) (Activity, error) {
	var r activityRow
	if err := tx.Raw(`SELECT `+activityColumns+` FROM activities WHERE id = ?`, id).Scan(&r).Error; err != nil {
		return Activity{}, err
	}
	if r.ID == uuid.Nil {
		return Activity{}, apperr.NotFound("activity")
	}
	return toActivity(r), nil
}

// claimKey claims an idempotency key for the caller on the activity route.
// It returns the id of the activity a previous request with the same key
// and body created, uuid.Nil when the key is new, or a conflict when the
// key was used with another body. Activities hold no personal data, so the
// body is remembered by a plain hash.
func claimKey(tx *gorm.DB, p reqctx.Principal, key string, body []byte, id uuid.UUID) (uuid.UUID, error) {
	h := sha256.Sum256(append([]byte(activityRoute+"\x00"), body...))
	return idempotency.Claim(tx, p.UserID, activityRoute, key, h[:], id)
}

// ListActivities returns the activities of the caller's organization,
// newest first, a page at a time.
func (s *Service) ListActivities(ctx context.Context, f ActivityFilter, pg web.Page) (web.List[Activity], error) {
	if f.MeasureCode != "" && !IsCode(f.MeasureCode) {
		return web.List[Activity]{}, apperr.Invalid("measure_code", "must be a Program measure code")
	}
	var out web.List[Activity]
	err := s.inOrgTx(ctx, func(tx *gorm.DB, p reqctx.Principal) error {
		q := `SELECT ` + activityColumns + ` FROM activities WHERE organization_id = @org`
		args := map[string]any{"org": p.OrganizationID}
		if f.From != nil {
			q += ` AND held_on >= @from`
			args["from"] = f.From.Format("2006-01-02")
		}
		if f.To != nil {
			q += ` AND held_on <= @to`
			args["to"] = f.To.Format("2006-01-02")
		}
		if f.MeasureCode != "" {
			q += ` AND measure_code = @measure`
			args["measure"] = f.MeasureCode
		}
		cond, tail := pg.Keyset("created_at", "id", args)
		var rows []activityRow
		if err := tx.Raw(q+cond+tail, args).Scan(&rows).Error; err != nil {
			return err
		}
		items := make([]Activity, 0, len(rows))
		for _, r := range rows {
			items = append(items, toActivity(r))
		}
		out = web.NewList(items, pg.Limit, func(a Activity) (time.Time, uuid.UUID) { return a.CreatedAt, a.ID })
		return audit.Record(ctx, tx, "activity.list", "activity", "", audit.Success)
	})
	return out, err
}
