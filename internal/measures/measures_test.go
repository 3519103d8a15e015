package measures_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
	"github.com/jardam-kg/jardam/internal/seed"
)

type fixture struct {
	d   *dbtest.DB
	svc *measures.Service
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	d := dbtest.New(t)
	if err := seed.Demo(context.Background(), d.App, passwd.NewHasher(1), true); err != nil {
		t.Fatal(err)
	}
	return fixture{d: d, svc: measures.NewService(d.App)}
}

// as returns a context signed in as the demo account email.
func (f fixture) as(t *testing.T, email string) context.Context {
	t.Helper()
	return reqctx.WithPrincipal(context.Background(), f.d.Principal(t, email))
}

func (f fixture) orgID(t *testing.T, code string) uuid.UUID {
	t.Helper()
	var r struct{ ID uuid.UUID }
	if err := f.d.App.Raw(`SELECT id FROM organizations WHERE code = ?`, code).Scan(&r).Error; err != nil || r.ID == uuid.Nil {
		t.Fatalf("organization %s: %v", code, err)
	}
	return r.ID
}

func (f fixture) list(t *testing.T, flt measures.Filter) measures.List {
	t.Helper()
	l, err := f.svc.List(f.as(t, "caseworker@sezim.kg"), flt)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func byCode(l measures.List) map[string]measures.Measure {
	m := map[string]measures.Measure{}
	for _, x := range l.Items {
		m[x.Code] = x
	}
	return m
}

// linkCase stores a case of SEZIM linked to codes, past row-level
// security, as another organization's records would be.
func (f fixture) linkCase(t *testing.T, codes string) {
	t.Helper()
	f.d.Exec(t, `INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, identified_at, measure_codes)
		SELECT gen_random_uuid(), 'SEZIM-2024-' || lpad((floor(random() * 9000) + 1000)::text, 4, '0'), id, id, 'identification', 'open', now(), $1::text[]
		FROM organizations WHERE code = 'SEZIM'`, codes)
}

func (f fixture) linkAssistance(t *testing.T, codes string) {
	t.Helper()
	f.d.Exec(t, `WITH c AS (
			INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, identified_at)
			SELECT gen_random_uuid(), 'AKZHUROK-2024-' || lpad((floor(random() * 9000) + 1000)::text, 4, '0'), id, id, 'shelter', 'open', now()
			FROM organizations WHERE code = 'AKZHUROK' RETURNING id, owner_organization_id)
		INSERT INTO assistance (id, case_id, type, provider_organization_id, status, measure_codes)
		SELECT gen_random_uuid(), c.id, 'homecoming', c.owner_organization_id, 'planned', $1::text[] FROM c`, codes)
}

func TestDerivedListIsShippedWithEveryDirectionAndDefault(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	l := f.list(t, measures.Filter{})
	if len(l.Programs) != 1 || l.Programs[0].Code != "2022-2025" || l.Programs[0].Source != "derived" {
		t.Fatalf("programs: %+v", l.Programs)
	}
	if len(l.Directions) != 6 {
		t.Fatalf("directions: %+v", l.Directions)
	}
	if len(l.Items) != 19 {
		t.Fatalf("%d measures", len(l.Items))
	}
	directions := map[string]bool{}
	kyrgyzLetters := false
	for _, m := range l.Items {
		directions[m.Direction] = true
		if m.Source != "derived" || m.Program != "2022-2025" {
			t.Errorf("%s: source %s program %s", m.Code, m.Source, m.Program)
		}
		if m.Title.RU == "" || m.Title.KY == "" || m.Title.EN == "" || m.Title.RU == m.Title.KY {
			t.Errorf("%s: titles %+v", m.Code, m.Title)
		}
		if strings.ContainsAny(m.Title.KY, "ңөүҢӨҮ") {
			kyrgyzLetters = true
		}
		if len(m.ResponsibleOrganizationCodes) == 0 || len(m.ResponsibleOrganizationIDs) != len(m.ResponsibleOrganizationCodes) {
			t.Errorf("%s: responsible %v %v", m.Code, m.ResponsibleOrganizationCodes, m.ResponsibleOrganizationIDs)
		}
	}
	if len(directions) != 6 || !kyrgyzLetters {
		t.Fatalf("directions %v, Kyrgyz letters %v", directions, kyrgyzLetters)
	}
	m := byCode(l)
	shelter := m["3.1"]
	if shelter.ResponsibleOrganizationIDs[0] != f.orgID(t, "MLSSM-SOC") || shelter.DefaultForAssistanceTypes[0] != "shelter" {
		t.Fatalf("3.1: %+v", shelter)
	}
	for _, want := range []string{"regional coordination councils", "100 days", "hotline", "Shelter", "Rehabilitation",
		"Reintegration", "Return of victims home", "police officers, prosecutors and judges", "standard operating procedures",
		"Unified data collection"} {
		found := false
		for _, x := range l.Items {
			found = found || strings.Contains(strings.ToLower(x.Title.EN), strings.ToLower(want))
		}
		if !found {
			t.Errorf("no measure about %q", want)
		}
	}
	ctx := context.Background()
	for _, typ := range organizations.AssistanceTypes {
		code, err := f.svc.DefaultFor(ctx, typ, time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || m[code].Code == "" {
			t.Errorf("default for %s: %q %v", typ, code, err)
		}
	}
	if code, _ := f.svc.DefaultFor(ctx, "homecoming", time.Now()); code != "3.6" {
		t.Fatalf("homecoming default %s", code)
	}
	if _, err := f.svc.DefaultFor(ctx, "teleportation", time.Now()); !errors.Is(err, apperr.ErrInvalid) {
		t.Fatalf("unknown type: %v", err)
	}
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	l := f.list(t, measures.Filter{Direction: "prosecution"})
	if len(l.Items) != 3 {
		t.Fatalf("%d prosecution measures", len(l.Items))
	}
	if l := f.list(t, measures.Filter{Program: "2030-2035"}); len(l.Items) != 0 {
		t.Fatalf("unknown program: %d", len(l.Items))
	}
	for _, flt := range []measures.Filter{{Direction: "sports"}, {Program: "2022"}} {
		if _, err := f.svc.List(f.as(t, "caseworker@sezim.kg"), flt); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("%+v: %v", flt, err)
		}
	}
}

func TestCheckCodes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		name  string
		codes []string
		ok    bool
	}{
		{"ExistingMeasuresPass", []string{"3.1", "4.1"}, true},
		{"NoCodesPass", nil, true},
		{"UnknownMeasureInvalid", []string{"3.1", "9.9"}, false},
		{"MalformedCodeInvalid", []string{"three"}, false},
		{"RepeatedCodeInvalid", []string{"3.1", "3.1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := database.InTx(context.Background(), f.d.App, func(tx *gorm.DB) error {
				return measures.CheckCodes(context.Background(), tx, "measure_codes", tc.codes)
			})
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok {
				e, ok := apperr.As(err)
				if !ok || e.Kind != apperr.KindInvalid || e.Fields[0].Field != "measure_codes" {
					t.Fatalf("%v", err)
				}
			}
		})
	}
}

// officialFile is the 2022-2025 list as the official text would give it:
// the derived codes with new titles, 6.2 left out and 3.7 added.
func officialFile(t *testing.T, drop ...string) measures.File {
	t.Helper()
	f, err := measures.ParseFile("official.yaml", []byte(officialYAML))
	if err != nil {
		t.Fatal(err)
	}
	var keep []measures.FileMeasure
	for _, m := range f.Measures {
		dropped := false
		for _, d := range drop {
			dropped = dropped || m.Code == d
		}
		if !dropped {
			keep = append(keep, m)
		}
	}
	f.Measures = keep
	return f
}

func TestImportKeepsLinksAndRefusesAnOrphaningFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.linkCase(t, "{3.5,1.1}")
	f.linkAssistance(t, "{3.6}")
	ctx := context.Background()
	before := byCode(f.list(t, measures.Filter{}))

	t.Run("OrphaningFileRefused", func(t *testing.T) {
		for _, drop := range []string{"3.5", "3.6"} {
			_, err := f.svc.Import(ctx, officialFile(t, drop))
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.KindConflict || !strings.Contains(e.Detail, drop) {
				t.Fatalf("drop %s: %v", drop, err)
			}
			after := byCode(f.list(t, measures.Filter{}))
			if len(after) != len(before) || after["3.5"].Title != before["3.5"].Title || after["3.5"].Source != "derived" {
				t.Fatalf("a refused import changed the list")
			}
		}
	})
	t.Run("ActivityLinkRefusesToo", func(t *testing.T) {
		ctxW := f.as(t, "caseworker@akzhurok.kg")
		if _, _, err := f.svc.CreateActivity(ctxW, measures.ActivityInput{HeldOn: "2024-03-01", Region: "osh_city",
			Kind: "training", Title: "Training", MeasureCode: "4.1"}, "", nil); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Import(ctx, officialFile(t, "4.1"))
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindConflict || !strings.Contains(e.Detail, "4.1") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("OfficialListReplacesAndKeepsLinks", func(t *testing.T) {
		res, err := f.svc.Import(ctx, officialFile(t))
		if err != nil {
			t.Fatal(err)
		}
		if res.NewProgram || len(res.Added) != 1 || res.Added[0] != "3.7" || len(res.Removed) != 1 || res.Removed[0] != "6.2" {
			t.Fatalf("result %+v", res)
		}
		after := byCode(f.list(t, measures.Filter{}))
		if _, ok := after["6.2"]; ok {
			t.Fatal("6.2 kept")
		}
		m := after["3.5"]
		if m.Source != "official" || m.Title.EN != "Reintegration of victims (official text)" {
			t.Fatalf("3.5: %+v", m)
		}
		if len(m.Budget) != 2 || m.Budget[1] != (measures.BudgetLine{Year: 2024, FundingSource: "state_budget", PlannedKGS: 1500000}) ||
			m.Budget[0].PlannedKGS != 250000.5 {
			t.Fatalf("3.5 budget: %+v", m.Budget)
		}
		if len(m.CoExecutingOrganizationCodes) != 1 || m.CoExecutingOrganizationCodes[0] != "IOM" {
			t.Fatalf("3.5 bodies: %+v", m)
		}
		// The links are still there and name existing measures.
		if n := f.d.Count(t, `SELECT count(*) FROM cases WHERE measure_codes @> '{3.5,1.1}'`); n != 1 {
			t.Fatalf("case link: %d", n)
		}
		err = database.InTx(ctx, f.d.App, func(tx *gorm.DB) error {
			return measures.CheckCodes(ctx, tx, "measure_codes", []string{"3.5", "1.1", "3.6", "3.7"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := f.svc.DefaultFor(ctx, "shelter", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); code != "3.7" {
			t.Fatalf("shelter default after import: %s", code)
		}
		prog := f.list(t, measures.Filter{}).Programs
		if prog[0].Source != "official" {
			t.Fatalf("program %+v", prog[0])
		}
		if n := f.d.Count(t, `SELECT count(*) FROM indicator_targets WHERE program = '2022-2025'`); n != 4 {
			t.Fatalf("%d indicator targets", n)
		}
		if n := f.d.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'measure.import' AND object_id = '2022-2025'`); n != 1 {
			t.Fatalf("%d audit entries", n)
		}
	})
}

func TestSecondProgramLeavesTheFirstIntact(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	before := f.list(t, measures.Filter{})
	next, err := measures.ParseFile("next.csv", []byte(nextCSV))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Import(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if !res.NewProgram || len(res.Added) != 2 {
		t.Fatalf("%+v", res)
	}
	after := f.list(t, measures.Filter{})
	if len(after.Programs) != 2 || after.Programs[1].Code != "2026-2030" || after.Programs[1].Title.KY == "" {
		t.Fatalf("programs %+v", after.Programs)
	}
	first := f.list(t, measures.Filter{Program: "2022-2025"})
	if len(first.Items) != len(before.Items) {
		t.Fatalf("first program: %d measures, was %d", len(first.Items), len(before.Items))
	}
	for i := range first.Items {
		a, b := first.Items[i], before.Items[i]
		if a.Code != b.Code || a.Title != b.Title || a.Source != b.Source || len(a.DefaultForAssistanceTypes) != len(b.DefaultForAssistanceTypes) {
			t.Fatalf("first program changed: %+v, was %+v", a, b)
		}
	}
	// The new program's default applies within its period, the first's before.
	if code, _ := f.svc.DefaultFor(ctx, "shelter", time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)); code != "2026-3.1" {
		t.Fatalf("2027 shelter default %s", code)
	}
	if code, _ := f.svc.DefaultFor(ctx, "shelter", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)); code != "3.1" {
		t.Fatalf("2024 shelter default %s", code)
	}

	t.Run("CodeOfAnotherProgramRefused", func(t *testing.T) {
		bad, err := measures.ParseFile("next.csv", []byte(strings.Replace(nextCSV, "2026-1.1", "3.1", 1)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Import(ctx, bad)
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindConflict || !strings.Contains(e.Detail, "3.1") {
			t.Fatalf("%v", err)
		}
		if m := byCode(f.list(t, measures.Filter{}))["3.1"]; m.Program != "2022-2025" || m.Title != before.Items[6].Title {
			t.Fatalf("3.1 taken over: %+v", m)
		}
	})
}

func TestImportRefusesMalformedFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, file, body string
	}{
		{"UnknownYAMLFieldInvalid", "x.yaml", "program: {code: 2022-2025}\nmeasures: []\nbudget: 1\n"},
		{"NoMeasuresInvalid", "x.yaml", "program: {code: 2022-2025}\nmeasures: []\n"},
		{"BadDirectionInvalid", "x.yaml", "program: {code: 2022-2025}\nmeasures:\n  - {code: '1.1', direction: sports, title: {ru: а, ky: б, en: c}, responsible: [MIA]}\n"},
		{"MissingKyrgyzTitleInvalid", "x.yaml", "program: {code: 2022-2025}\nmeasures:\n  - {code: '1.1', direction: coordination, title: {ru: а, en: c}, responsible: [MIA]}\n"},
		{"UnknownOrganizationInvalid", "x.yaml", "program: {code: 2022-2025}\nmeasures:\n  - {code: '1.1', direction: coordination, title: {ru: а, ky: б, en: c}, responsible: [NOBODY]}\n"},
		{"NewProgramWithoutTitleInvalid", "x.yaml", "program: {code: 2031-2035}\nmeasures:\n  - {code: 'N-1', direction: coordination, title: {ru: а, ky: б, en: c}, responsible: [MIA]}\n"},
		{"TwoDefaultsForOneTypeInvalid", "x.csv", "program,code,direction,title_ru,title_ky,title_en,responsible,co_executors,default_for\n" +
			"2022-2025,1.1,coordination,а,б,c,MIA,,shelter\n2022-2025,1.2,coordination,а,б,c,MIA,,shelter\n"},
		{"MissingColumnInvalid", "x.csv", "program,code\n2022-2025,1.1\n"},
		{"OtherExtensionInvalid", "x.txt", "anything"},
		{"BadBudgetLineInvalid", "x.yaml", "program: {code: 2022-2025}\nmeasures:\n  - {code: '1.1', direction: coordination, title: {ru: а, ky: б, en: c}, responsible: [MIA], budget: [{year: 2024, funding_source: lottery, planned_kgs: 5}]}\n"},
		{"UnknownIndicatorInvalid", "x.yaml", "program: {code: 2022-2025}\nmeasures:\n  - {code: '1.1', direction: coordination, title: {ru: а, ky: б, en: c}, responsible: [MIA]}\nindicators:\n  - {code: happiness, baseline: 1}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file, err := measures.ParseFile(tc.file, []byte(tc.body))
			if err == nil {
				_, err = f.svc.Import(ctx, file)
			}
			if !errors.Is(err, apperr.ErrInvalid) {
				t.Fatalf("%v", err)
			}
		})
	}
	if n := len(f.list(t, measures.Filter{}).Items); n != 19 {
		t.Fatalf("%d measures after refused imports", n)
	}
}

func TestActivities(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sezim := f.as(t, "caseworker@sezim.kg")
	cost := 12500.5
	src := "state_social_order"
	a, _, err := f.svc.CreateActivity(sezim, measures.ActivityInput{HeldOn: "2024-08-12", Region: "bishkek_city", Kind: "awareness_event",
		Title: "School lecture", Participants: &measures.Participants{Female: 30, Male: 25, Other: 1}, PeopleReached: ptr(120),
		CostKGS: &cost, FundingSource: &src, MeasureCode: "2.1"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.ParticipantsTotal != 56 || a.OrganizationID != f.orgID(t, "SEZIM") || *a.CostKGS != cost || a.HeldOn != "2024-08-12" {
		t.Fatalf("%+v", a)
	}
	t.Run("UnknownMeasureInvalid", func(t *testing.T) {
		_, _, err := f.svc.CreateActivity(sezim, measures.ActivityInput{HeldOn: "2024-08-12", Region: "bishkek_city", Kind: "training",
			Title: "x", MeasureCode: "9.9"}, "", nil)
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindInvalid || e.Fields[0].Field != "measure_code" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("FutureDateInvalid", func(t *testing.T) {
		_, _, err := f.svc.CreateActivity(sezim, measures.ActivityInput{HeldOn: time.Now().AddDate(0, 0, 3).Format("2006-01-02"),
			Region: "bishkek_city", Kind: "training", Title: "x", MeasureCode: "4.1"}, "", nil)
		if !errors.Is(err, apperr.ErrInvalid) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("IdempotentRetryReturnsTheFirst", func(t *testing.T) {
		in := measures.ActivityInput{HeldOn: "2024-09-01", Region: "chui", Kind: "publication", Title: "Leaflet", MeasureCode: "2.2"}
		a1, r1, err := f.svc.CreateActivity(sezim, in, "k-1", []byte(`{"a":1}`))
		if err != nil || r1 {
			t.Fatal(err, r1)
		}
		a2, r2, err := f.svc.CreateActivity(sezim, in, "k-1", []byte(`{"a":1}`))
		if err != nil || !r2 || a2.ID != a1.ID {
			t.Fatalf("%v %v %v %v", err, r2, a2.ID, a1.ID)
		}
		if _, _, err := f.svc.CreateActivity(sezim, in, "k-1", []byte(`{"a":2}`)); !errors.Is(err, apperr.ErrConflict) {
			t.Fatalf("%v", err)
		}
	})
	l, err := f.svc.ListActivities(f.as(t, "supervisor@sezim.kg"), measures.ActivityFilter{}, web.Page{Limit: 1})
	if err != nil || len(l.Items) != 1 || l.NextCursor == nil || l.Items[0].Title != "Leaflet" {
		t.Fatalf("%v %+v", err, l)
	}
	other, err := f.svc.ListActivities(f.as(t, "caseworker@akzhurok.kg"), measures.ActivityFilter{}, web.Page{Limit: 50})
	if err != nil || len(other.Items) != 0 {
		t.Fatalf("another organization sees %d activities (%v)", len(other.Items), err)
	}
	from := time.Date(2024, 8, 12, 0, 0, 0, 0, time.UTC)
	only, err := f.svc.ListActivities(sezim, measures.ActivityFilter{From: &from, To: &from, MeasureCode: "2.1"}, web.Page{Limit: 50})
	if err != nil || len(only.Items) != 1 || only.Items[0].ID != a.ID {
		t.Fatalf("%v %+v", err, only)
	}
}

func ptr[T any](v T) *T { return &v }

const officialYAML = `program:
  code: 2022-2025
  title:
    ru: Программа по противодействию торговле людьми на 2022-2025 годы
    ky: Адам сатууга каршы аракеттенүү боюнча 2022-2025-жылдарга карата программа
    en: Program for fight against human trafficking for 2022-2025
source: official
measures:
  - {code: "1.1", direction: coordination, title: {ru: Советы, ky: Кеңештер, en: Councils}, responsible: [MLSSM-CTU]}
  - {code: "1.2", direction: coordination, title: {ru: СОП, ky: СОП, en: SOP}, responsible: [MLSSM-CTU]}
  - {code: "2.1", direction: prevention, title: {ru: 100 дней, ky: 100 күн, en: 100 days}, responsible: [MLSSM-CTU]}
  - {code: "2.2", direction: prevention, title: {ru: Информирование, ky: Маалымат берүү, en: Information}, responsible: [MLSSM-CTU]}
  - {code: "2.3", direction: prevention, title: {ru: Горячая линия, ky: Ишеним телефону, en: Hotline}, responsible: [MLSSM-CTU]}
  - {code: "2.4", direction: prevention, title: {ru: Дети, ky: Балдар, en: Children}, responsible: [MLSSM-SOC]}
  - {code: "3.1", direction: protection, title: {ru: Кризисные центры, ky: Кризистик борборлор, en: Crisis centers}, responsible: [MLSSM-SOC]}
  - {code: "3.7", direction: protection, title: {ru: Убежище, ky: Баш калкалоочу жай, en: Shelter}, responsible: [MLSSM-SOC], default_for: [shelter]}
  - {code: "3.2", direction: protection, title: {ru: Медицина, ky: Медицина, en: Medicine}, responsible: [MOH], default_for: [medical, psychological]}
  - {code: "3.3", direction: protection, title: {ru: Право, ky: Укук, en: Law}, responsible: [MLSSM-SOC], default_for: [legal, documents]}
  - {code: "3.4", direction: protection, title: {ru: Реабилитация, ky: Реабилитация, en: Rehabilitation}, responsible: [MLSSM-SOC], default_for: [other]}
  - code: "3.5"
    direction: protection
    title:
      ru: Реинтеграция пострадавших (официальный текст)
      ky: Жабыр тарткандарды реинтеграциялоо (расмий текст)
      en: Reintegration of victims (official text)
    responsible: [MLSSM-SOC]
    co_executors: [IOM]
    default_for: [vocational_training, income_generation, employment, housing, education, financial]
    budget:
      - {year: 2024, funding_source: state_budget, planned_kgs: 1500000}
      - {year: 2024, funding_source: international_organization, planned_kgs: 250000.5}
  - {code: "3.6", direction: protection, title: {ru: Возвращение, ky: Кайтаруу, en: Return}, responsible: [MLSSM-SOC], default_for: [homecoming, family_reunification]}
  - {code: "4.1", direction: prosecution, title: {ru: Обучение, ky: Окутуу, en: Training}, responsible: [MIA]}
  - {code: "4.2", direction: prosecution, title: {ru: Расследование, ky: Тергөө, en: Investigation}, responsible: [MIA]}
  - {code: "4.3", direction: prosecution, title: {ru: Защита свидетелей, ky: Күбөлөрдү коргоо, en: Witnesses}, responsible: [GPO]}
  - {code: "5.1", direction: partnership, title: {ru: Соцзаказ, ky: Социалдык буйрутма, en: Social order}, responsible: [MLSSM-SOC]}
  - {code: "5.2", direction: partnership, title: {ru: Сотрудничество, ky: Кызматташуу, en: Cooperation}, responsible: [MLSSM-CTU]}
  - {code: "6.1", direction: monitoring, title: {ru: Данные, ky: Маалыматтар, en: Data}, responsible: [MLSSM-CTU]}
indicators:
  - code: persons_identified
    baseline: 120
    targets: {2024: 130, 2025: 140}
  - code: officials_trained
    targets: {2025: 300}
`

const nextCSV = "program,code,direction,title_ru,title_ky,title_en,responsible,co_executors,default_for,program_title_ru,program_title_ky,program_title_en,program_starts_on,program_ends_on\n" +
	"2026-2030,2026-1.1,coordination,Координация,Координациялоо,Coordination,MLSSM-CTU,MIA;GPO,,Программа 2026-2030,2026-2030-жылдарга карата программа,Program 2026-2030,2026-01-01,2030-12-31\n" +
	"2026-2030,2026-3.1,protection,Убежище,Баш калкалоочу жай,Shelter,MLSSM-SOC,SEZIM,shelter,,,,,\n"

// TestImportWaitsForALinkBeingWritten checks the race between an import
// that leaves a measure out and a transaction linking a case to it: the
// import waits for the link to commit, then refuses.
func TestImportWaitsForALinkBeingWritten(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	sezim := f.orgID(t, "SEZIM")
	tx := f.d.App.WithContext(ctx).Begin()
	defer tx.Rollback()
	if err := tx.Exec(`SELECT set_config('jardam.org_id', ?, true)`, sezim.String()).Error; err != nil {
		t.Fatal(err)
	}
	if err := measures.CheckCodes(ctx, tx, "measure_codes", []string{"6.2"}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.svc.Import(ctx, officialFile(t)) // leaves out 6.2
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the import did not wait for the link: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := tx.Exec(`INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, identified_at, measure_codes)
		VALUES (gen_random_uuid(), 'SEZIM-2024-0777', ?, ?, 'identification', 'open', now(), '{6.2}')`, sezim, sezim).Error; err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	err := <-done
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindConflict || !strings.Contains(e.Detail, "6.2") {
		t.Fatalf("%v", err)
	}
	if _, ok := byCode(f.list(t, measures.Filter{}))["6.2"]; !ok {
		t.Fatal("6.2 removed under a link")
	}
}
