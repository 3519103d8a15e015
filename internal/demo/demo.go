// Package demo creates the synthetic cases of the demo data (next to
// package seed's organizations and accounts): about 80 cases of no real
// person, spread over 2024 and 2025 across the crisis centers, with stage
// moves and plans, so that lists, dashboards and reports show real figures.
// Names come from a built-in list; the generator is seeded, so every demo
// database is alike.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/referrals"
)

var (
	femaleNames = []string{"Айгүл", "Айзада", "Нургүл", "Жылдыз", "Бермет", "Асель", "Гүлнара", "Динара", "Назира", "Чолпон", "Айжан", "Мээрим"}
	maleNames   = []string{"Бакыт", "Нурлан", "Азамат", "Эрлан", "Улан", "Тимур", "Айбек", "Мирлан", "Канат", "Эркин", "Элдияр", "Бекжан"}
	families    = []string{"Токтосун", "Асан", "Жумабай", "Сыдык", "Абдыкерим", "Осмон", "Исак", "Бекболот", "Мамыт", "Турдубай", "Садыр", "Кадыр"}
)

type weighted[T any] struct {
	v T
	w int
}

func pick[T any](r *rand.Rand, items []weighted[T]) T {
	total := 0
	for _, it := range items {
		total += it.w
	}
	n := r.IntN(total)
	for _, it := range items {
		if n < it.w {
			return it.v
		}
		n -= it.w
	}
	return items[0].v
}

// Worker is an account the demo acts as.
type Worker struct {
	UserID, OrganizationID uuid.UUID
	Role                   string
}

func workers(ctx context.Context, db *gorm.DB) (map[string]Worker, error) {
	var rows []struct {
		Email          string
		ID             uuid.UUID
		OrganizationID uuid.UUID
		Role           string
	}
	if err := db.WithContext(ctx).Raw(`SELECT email, id, organization_id, role FROM users
		WHERE email IN ('caseworker@sezim.kg', 'supervisor@sezim.kg', 'caseworker@akzhurok.kg', 'social@mlsp.gov.kg')`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string]Worker{}
	for _, r := range rows {
		out[r.Email] = Worker{r.ID, r.OrganizationID, r.Role}
	}
	if len(out) != 4 {
		return nil, fmt.Errorf("demo accounts missing: found %d of 4", len(out))
	}
	return out, nil
}

func as(ctx context.Context, w Worker) context.Context {
	return reqctx.WithPrincipal(reqctx.WithMeta(ctx, reqctx.Meta{RequestID: "demo-seed", UserAgent: "jardam-seed"}),
		reqctx.Principal{UserID: w.UserID, OrganizationID: w.OrganizationID, Role: w.Role})
}

func ptr[T any](v T) *T { return &v }

// Cases creates n synthetic cases through the case service, then the
// Program data of Programme (activities, budget lines, half-year reports).
//
// A quarter of Sezim's cases are referred, under consent, to the social
// protection department, whose worker accepts most and completes the
// older ones; assistance is recorded along the path (shelter, counselling,
// homecoming, legal help, the department's allowance).
func Cases(ctx context.Context, db *gorm.DB, svc *cases.Service, refs *referrals.Service, n int) error {
	ws, err := workers(ctx, db)
	if err != nil {
		return err
	}
	g := generator{svc: svc, refs: refs, ws: ws,
		r: rand.New(rand.NewPCG(2025, 227)), //nolint:gosec // G404: synthetic demo data, the same on every run by design
	}
	for i := 0; i < n; i++ {
		if err := g.oneCase(ctx, i); err != nil {
			return err
		}
	}
	return Programme(ctx, db)
}

// generator creates the demo cases from one seeded random source: the
// order of its draws makes every demo database alike.
type generator struct {
	svc  *cases.Service
	refs *referrals.Service
	ws   map[string]Worker
	r    *rand.Rand
}

// Demo cases are identified from 8 January 2024 to 20 December 2025.
var (
	demoFrom = time.Date(2024, 1, 8, 9, 0, 0, 0, cases.Bishkek)
	demoTo   = time.Date(2025, 12, 20, 0, 0, 0, 0, cases.Bishkek)
)

// oneCase creates the i-th case (counted from 0) and what follows it:
// consent, assistance, referral, stage moves and plan.
func (g *generator) oneCase(ctx context.Context, i int) error {
	r, ws := g.r, g.ws
	// The Ak-Zhurok caseworker's supervisor is not a demo account: Sezim's
	// supervisor closes Sezim's cases only.
	owner := ws["caseworker@sezim.kg"]
	if r.IntN(3) == 0 {
		owner = ws["caseworker@akzhurok.kg"]
	}
	f, identified, country := g.fields()
	res, err := g.svc.Create(as(ctx, owner), f, "", nil)
	if err != nil {
		return fmt.Errorf("demo case %d: %w", i+1, err)
	}
	age0 := time.Since(identified)
	minor := res.Case.IsMinor != nil && *res.Case.IsMinor
	// Four persons in five agree at intake to be counted in anonymized
	// statistics shared outside the system (the HTCDS export).
	if i%5 != 4 {
		if err := statisticsConsent(ctx, g.refs, owner, res.Case.ID, identified, minor); err != nil {
			return fmt.Errorf("demo case %d consent: %w", i+1, err)
		}
	}
	if err := assistance(ctx, g.svc, r, owner, res.Case.ID, identified, age0, country); err != nil {
		return fmt.Errorf("demo case %d assistance: %w", i+1, err)
	}
	if owner.OrganizationID == ws["caseworker@sezim.kg"].OrganizationID && r.IntN(4) == 0 {
		if err := refer(ctx, g.svc, g.refs, r, owner, ws["social@mlsp.gov.kg"], res.Case.ID, identified, age0, minor); err != nil {
			return fmt.Errorf("demo case %d referral: %w", i+1, err)
		}
	}
	if err := g.moveAlong(ctx, owner, res.Case.ID, age0); err != nil {
		return fmt.Errorf("demo case %d %w", i+1, err)
	}
	if r.IntN(2) == 0 {
		due := identified.AddDate(0, 3, 0).Format("2006-01-02")
		if _, err := g.svc.PutPlan(as(ctx, owner), res.Case.ID, nil, cases.PlanInput{
			NeedsAssessment: "demo: shelter, psychological support and documents",
			Goals:           []cases.Goal{{Text: "restore identity documents", DueOn: &due}, {Text: "vocational training"}},
		}); err != nil {
			return fmt.Errorf("demo case %d plan: %w", i+1, err)
		}
	}
	return nil
}

// fields draws a case's person and facts, and returns them with the
// moment of identification and the country of exploitation.
func (g *generator) fields() (f cases.Fields, identified time.Time, country string) {
	r := g.r
	female := r.IntN(10) < 6
	given := maleNames[r.IntN(len(maleNames))]
	family := families[r.IntN(len(families))]
	sex := "male"
	if female {
		given = femaleNames[r.IntN(len(femaleNames))]
		family += "ова"
		sex = "female"
	} else {
		family += "ов"
	}
	identified = demoFrom.Add(time.Duration(r.Int64N(int64(demoTo.Sub(demoFrom)))))
	age := pick(r, []weighted[int]{{15, 2}, {19, 2}, {22, 4}, {25, 4}, {28, 3}, {34, 5}, {42, 3}, {51, 1}})
	birth := identified.AddDate(-age, -r.IntN(12), -r.IntN(28))
	expl := pick(r, []weighted[[]string]{{[]string{"forced_labour"}, 11}, {[]string{"sexual_exploitation"}, 5},
		{[]string{"forced_marriage"}, 2}, {[]string{"forced_labour", "servitude"}, 1}, {[]string{"forced_begging"}, 1}})
	country = pick(r, []weighted[string]{{"RU", 10}, {"KZ", 5}, {"TR", 2}, {"AE", 2}, {"KR", 1}})
	f = cases.Fields{
		Identity: &cases.Identity{GivenName: ptr(given), FamilyName: ptr(family), BirthDate: ptr(birth.Format("2006-01-02")),
			Languages: []string{"ky", "ru"}},
		IdentifiedAt:            ptr(identified.UTC()),
		IdentificationChannel:   ptr(pick(r, []weighted[string]{{"hotline", 4}, {"ngo_outreach", 3}, {"consulate", 2}, {"police", 2}, {"border_service", 1}, {"international_organization", 1}, {"self_referral", 1}})),
		TraffickingStatus:       ptr(pick(r, []weighted[string]{{"actual", 6}, {"possible", 3}, {"not_a_victim", 1}})),
		Sex:                     ptr(sex),
		Citizenship:             ptr("KG"),
		RegionOfOrigin:          ptr(pick(r, []weighted[string]{{"osh", 4}, {"jalal_abad", 4}, {"batken", 3}, {"chui", 3}, {"bishkek_city", 2}, {"issyk_kul", 2}, {"naryn", 1}, {"talas", 1}, {"osh_city", 2}})),
		ExploitationTypes:       expl,
		CountriesOfExploitation: []string{country},
		RiskLevel:               ptr(pick(r, []weighted[string]{{"low", 3}, {"medium", 4}, {"high", 2}})),
		// Every case is served under the Program's shelter and
		// crisis-center measure; those identified before 2025 are in
		// rehabilitation under its measure too.
		MeasureCodes: demoMeasures(identified),
		TraffickingEvents: []cases.Event{
			{Kind: "recruitment", Country: ptr("KG"), YearMonth: ptr(identified.AddDate(0, -4, 0).Format("2006-01"))},
			{Kind: "exploitation", Country: ptr(country), YearMonth: ptr(identified.AddDate(0, -2, 0).Format("2006-01")),
				Details: ptr("synthetic demo record")},
		},
	}
	if expl[0] == "forced_labour" {
		f.LabourSector = ptr(pick(r, []weighted[string]{{"construction", 3}, {"agriculture", 3}, {"domestic_work", 2}, {"manufacturing", 1}, {"hospitality", 1}}))
	}
	return f, identified, country
}

// StagePath returns the stages a synthetic case identified age ago has
// moved through after identification: the older the case, the further
// along; a recent one is in shelter or still in identification, drawn
// from r.
func StagePath(r *rand.Rand, age time.Duration) []string {
	switch {
	case age > 400*24*time.Hour:
		return []string{"shelter", "rehabilitation", "reintegration", "closed"}
	case age > 200*24*time.Hour:
		return []string{"shelter", "rehabilitation", "reintegration"}
	case age > 60*24*time.Hour:
		return []string{"shelter", "rehabilitation"}
	case r.IntN(2) == 0:
		return []string{"shelter"}
	}
	return []string{}
}

// moveAlong moves an older case along its StagePath; Sezim's supervisor
// closes Sezim's cases, and other cases stop short of closure.
func (g *generator) moveAlong(ctx context.Context, owner Worker, caseID uuid.UUID, age time.Duration) error {
	supervisor := g.ws["supervisor@sezim.kg"]
	for _, st := range StagePath(g.r, age) {
		mover := owner
		reason := "demo: next step of the assistance plan"
		if st == "closed" {
			if owner.OrganizationID != supervisor.OrganizationID {
				break
			}
			mover = supervisor
			reason = pick(g.r, []weighted[string]{{"reintegrated", 6}, {"lost_contact", 1}, {"declined_assistance", 1}})
		}
		if _, err := g.svc.MoveStage(as(ctx, mover), caseID, cases.MoveInput{Stage: st, Reason: reason}); err != nil {
			return fmt.Errorf("stage %s: %w", st, err)
		}
	}
	return nil
}

func day(t time.Time, days int) *string {
	d := t.AddDate(0, 0, days).Format("2006-01-02")
	return &d
}

// assistance records what a crisis center typically gives.
func assistance(ctx context.Context, svc *cases.Service, r *rand.Rand, owner Worker, id uuid.UUID, identified time.Time, age time.Duration, country string) error {
	add := func(in cases.AssistanceInput) error {
		_, err := svc.CreateAssistance(as(ctx, owner), id, in, "", nil)
		return err
	}
	completed, inProgress := "completed", "in_progress"
	funding := pick(r, []weighted[string]{{"state_social_order", 3}, {"international_organization", 2}, {"ngo_own_funds", 1}})
	if age > 30*24*time.Hour || r.IntN(2) == 0 {
		days := 10 + r.IntN(80)
		in := cases.AssistanceInput{Type: "shelter", StartedOn: day(identified, 1), FundingSource: &funding,
			CostKGS: ptr(float64(days * 900)), Status: &inProgress}
		if age > time.Duration(days+5)*24*time.Hour {
			in.Status, in.EndedOn = &completed, day(identified, 1+days)
		}
		if err := add(in); err != nil {
			return err
		}
	}
	if r.IntN(10) < 7 {
		if err := add(cases.AssistanceInput{Type: "psychological", StartedOn: day(identified, 3), Status: &completed,
			EndedOn: day(identified, 40), FundingSource: &funding, CostKGS: ptr(float64(6000 + 500*r.IntN(8)))}); err != nil {
			return err
		}
	}
	if country != "KG" && r.IntN(2) == 0 {
		iom := "international_organization"
		if err := add(cases.AssistanceInput{Type: "homecoming", StartedOn: day(identified, -5), EndedOn: day(identified, 0),
			Status: &completed, FundingSource: &iom, CostKGS: ptr(float64(18000 + 1000*r.IntN(15)))}); err != nil {
			return err
		}
	}
	if r.IntN(10) < 3 {
		if err := add(cases.AssistanceInput{Type: "legal", StartedOn: day(identified, 10), Status: &inProgress, FundingSource: &funding}); err != nil {
			return err
		}
	}
	return nil
}

// consentGiven says who gives a demo person's consents (the guardianship
// authority for a minor) and when: the day after identification, or now.
func consentGiven(identified time.Time, minor bool) (giver string, given time.Time) {
	giver = "person"
	if minor {
		giver = "guardianship_authority"
	}
	given = identified.Add(24 * time.Hour).UTC()
	if given.After(time.Now()) {
		given = time.Now().UTC()
	}
	return giver, given
}

// statisticsConsent records the person's (or the guardianship authority's,
// for a minor) consent to anonymized statistics, the day after
// identification.
func statisticsConsent(ctx context.Context, refs *referrals.Service, owner Worker, id uuid.UUID, identified time.Time, minor bool) error {
	giver, given := consentGiven(identified, minor)
	_, err := refs.CreateConsent(as(ctx, owner), id, referrals.ConsentInput{Purpose: "statistics", Categories: []string{},
		GivenBy: giver, GivenAt: &given}, "", nil)
	return err
}

// refer records consent and refers the case to the social protection
// department; its worker accepts (and, for older cases, completes with the
// allowance recorded), or the referral stays pending.
func refer(ctx context.Context, svc *cases.Service, refs *referrals.Service, r *rand.Rand, owner, social Worker, id uuid.UUID, identified time.Time, age time.Duration, minor bool) error {
	giver, given := consentGiven(identified, minor)
	consent, err := refs.CreateConsent(as(ctx, owner), id, referrals.ConsentInput{Purpose: "data_sharing",
		RecipientOrganizationID: &social.OrganizationID, Categories: []string{"identity"}, GivenBy: giver, GivenAt: &given}, "", nil)
	if err != nil {
		return err
	}
	urgency := pick(r, []weighted[string]{{"normal", 3}, {"urgent", 1}})
	ref, err := refs.Create(as(ctx, owner), id, referrals.CreateInput{Kind: "assistance", ToOrganizationID: social.OrganizationID,
		AssistanceTypes: []string{"financial", "housing"}, Categories: []string{"identity"}, Urgency: urgency,
		Note: "demo: needs the allowance for victims and temporary housing", ConsentID: consent.ID}, "", nil)
	if err != nil {
		return err
	}
	if r.IntN(7) == 0 {
		return nil // still waiting for an answer: overdue by now
	}
	if _, err := refs.Act(as(ctx, social), ref.ID, referrals.Accept, "", referrals.AcceptInput{}); err != nil {
		return err
	}
	if age > 60*24*time.Hour && r.IntN(10) < 7 {
		completed, budget := "completed", "state_budget"
		if _, err := svc.CreateAssistance(as(ctx, social), id, cases.AssistanceInput{Type: "financial", Status: &completed,
			StartedOn: day(identified, 20), EndedOn: day(identified, 20), FundingSource: &budget, CostKGS: ptr(float64(5000))}, "", nil); err != nil {
			return err
		}
		if _, err := refs.Act(as(ctx, social), ref.ID, referrals.Complete, "demo: allowance paid", referrals.AcceptInput{}); err != nil {
			return err
		}
	}
	return nil
}

// demoMeasures returns the Program measures a demo case identified at t
// links to.
func demoMeasures(t time.Time) []string {
	if t.Year() < 2025 {
		return []string{"3.1", "3.4"}
	}
	return []string{"3.1"}
}
