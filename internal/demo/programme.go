package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/reports"
)

// demoActivity is the shape of a demo activity: who holds it, against
// which measure, and what it is.
type demoActivity struct {
	account, measure, kind, title string
	region                        string
	perHalf                       int
	participants, reached         int
	cost                          float64
	funding                       string
}

var demoActivities = []demoActivity{
	{"caseworker@sezim.kg", "2.1", "campaign", "«100 дней против торговли людьми»: встреча в колледже", "bishkek_city", 2, 0, 220, 15000, "international_organization"},
	{"caseworker@sezim.kg", "2.4", "awareness_event", "Урок о безопасной миграции в школе", "chui", 3, 0, 60, 2500, "ngo_own_funds"},
	{"caseworker@sezim.kg", "3.4", "training", "Тренинг для психологов кризисного центра", "bishkek_city", 1, 9, 0, 8000, "state_social_order"},
	{"caseworker@akzhurok.kg", "2.1", "awareness_event", "«Адам сатууга каршы 100 күн»: базардагы маалымат күнү", "osh_city", 2, 0, 150, 6000, "international_organization"},
	{"caseworker@akzhurok.kg", "2.4", "awareness_event", "Мектептеги коопсуз миграция сабагы", "osh", 1, 0, 45, 1500, "ngo_own_funds"},
	{"social@mlsp.gov.kg", "2.4", "training", "Обучение социальных работников выявлению пострадавших детей", "chui", 1, 18, 0, 12000, "state_budget"},
	{"social@mlsp.gov.kg", "5.1", "other", "Конкурс государственного социального заказа на услуги пострадавшим", "bishkek_city", 1, 0, 0, 0, ""},
	{"social@mlsp.gov.kg", "3.5", "training", "Профессиональное обучение: курсы швейного дела", "bishkek_city", 1, 6, 0, 30000, "state_budget"},
	{"coordinator@mlsp.gov.kg", "1.1", "other", "Заседание регионального координационного совета", "osh", 1, 14, 0, 4000, "state_budget"},
	{"coordinator@mlsp.gov.kg", "2.1", "campaign", "Республиканская кампания «100 дней против торговли людьми»", "bishkek_city", 1, 0, 5000, 120000, "international_organization"},
	{"coordinator@mlsp.gov.kg", "2.2", "publication", "Памятка мигранту на русском и кыргызском языках", "bishkek_city", 1, 0, 3000, 45000, "international_organization"},
	{"coordinator@mlsp.gov.kg", "6.2", "training", "Семинар по мониторингу Программы для ответственных органов", "bishkek_city", 1, 22, 0, 10000, "state_budget"},
}

// demoBudget is the Appendix 4 plan of the demo: per measure, year and
// funding source, in KGS.
var demoBudget = []struct {
	measure, funding string
	y2024, y2025     float64
}{
	{"1.1", "state_budget", 40000, 45000},
	{"2.1", "state_budget", 60000, 60000},
	{"2.1", "international_organization", 300000, 350000},
	{"2.2", "international_organization", 90000, 100000},
	{"2.4", "state_budget", 30000, 35000},
	{"2.4", "ngo_own_funds", 15000, 15000},
	{"3.1", "state_social_order", 900000, 1000000},
	{"3.1", "international_organization", 250000, 250000},
	{"3.2", "state_social_order", 200000, 220000},
	{"3.4", "state_social_order", 60000, 60000},
	{"3.5", "state_budget", 150000, 180000},
	{"3.6", "international_organization", 400000, 420000},
	{"5.1", "state_budget", 1200000, 1300000},
	{"6.2", "state_budget", 20000, 20000},
}

// demoHalves are the half-years of the demo's activities.
var demoHalves = [][2]int{{2024, 1}, {2024, 2}, {2025, 1}, {2025, 2}}

// Programme records the demo's Program data: activities of the crisis
// centers and the MLSSM bodies against their measures over 2024 and 2025,
// the budget lines of Appendix 4, and half-year reports: Sezim's 2024-H2
// report submitted on time and its 2025-H1 report submitted late, with
// narratives, and MLSSM's 2024-H2 summary submitted. The generator is
// seeded, so every demo database is alike.
func Programme(ctx context.Context, db *gorm.DB) error {
	accounts, err := demoAccounts(ctx, db)
	if err != nil {
		return err
	}
	msvc := measures.NewService(db)
	r := rand.New(rand.NewPCG(2025, 415)) //nolint:gosec // G404: synthetic demo data, the same on every run by design
	for _, h := range demoHalves {
		for _, a := range demoActivities {
			w, ok := accounts[a.account]
			if !ok {
				return fmt.Errorf("demo account %s missing", a.account)
			}
			for i := 0; i < a.perHalf; i++ {
				held := time.Date(h[0], time.Month(1+6*(h[1]-1)+r.IntN(6)), 1+r.IntN(28), 0, 0, 0, 0, cases.Bishkek)
				if held.After(time.Date(2025, 12, 20, 0, 0, 0, 0, cases.Bishkek)) {
					held = time.Date(2025, 12, 10+r.IntN(10), 0, 0, 0, 0, cases.Bishkek)
				}
				in := measures.ActivityInput{HeldOn: held.Format("2006-01-02"), Region: a.region, Kind: a.kind, Title: a.title,
					MeasureCode: a.measure}
				if a.participants > 0 {
					n := a.participants + r.IntN(a.participants/2+1)
					female := n * (5 + r.IntN(4)) / 10
					in.Participants = &measures.Participants{Female: female, Male: n - female}
				}
				if a.reached > 0 {
					in.PeopleReached = ptr(a.reached + r.IntN(a.reached/2+1))
				}
				if a.cost > 0 {
					in.CostKGS = ptr(a.cost + float64(500*r.IntN(6)))
					in.FundingSource = ptr(a.funding)
				}
				if _, _, err := msvc.CreateActivity(as(ctx, w), in, "", nil); err != nil {
					return fmt.Errorf("demo activity %q: %w", a.title, err)
				}
			}
		}
	}
	for _, b := range demoBudget {
		for _, y := range []struct {
			year   int
			amount float64
		}{{2024, b.y2024}, {2025, b.y2025}} {
			if err := db.WithContext(ctx).Exec(`INSERT INTO measure_budget_lines (measure_code, year, funding_source, planned_kgs)
				VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, b.measure, y.year, b.funding, y.amount).Error; err != nil {
				return err
			}
		}
	}
	return demoReports(ctx, db, accounts)
}

// demoReports writes narratives and submits reports as of the days they
// were written.
func demoReports(ctx context.Context, db *gorm.DB, accounts map[string]Worker) error {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	at := func(day string) *reports.Service {
		t, err := time.ParseInLocation("2006-01-02 15:04", day, cases.Bishkek)
		if err != nil {
			panic(err)
		}
		return reports.NewService(db, reports.Settings{Now: func() time.Time { return t }}, log)
	}
	sup, co := accounts["supervisor@sezim.kg"], accounts["coordinator@mlsp.gov.kg"]
	steps := []struct {
		svc      *reports.Service
		who      Worker
		year     string
		half     string
		narrates map[string]string
		submit   bool
	}{
		{at("2025-01-10 16:00"), sup, "2024", "2", map[string]string{
			"3.1": "Убежище кризисного центра «Сезим» работало без перерывов; все размещённые получили психологическую поддержку.",
			"2.1": "В рамках кампании «100 дней против торговли людьми» проведены встречи со студентами колледжей Бишкека.",
		}, true},
		{at("2025-01-24 11:00"), co, "2024", "2", map[string]string{
			"1.1": "Региональные координационные советы провели плановые заседания в Оше и Бишкеке. Координациялык кеңештер пландуу жыйындарын өткөрүштү.",
		}, true},
		{at("2025-07-21 10:30"), sup, "2025", "1", map[string]string{
			"3.1": "Число размещённых в убежище выросло; продолжено сотрудничество с Ак-Журөк по перенаправлению.",
			"3.4": "Психологи центра прошли тренинг по работе с травмой.",
		}, true},
		{at("2025-07-28 09:00"), co, "2025", "1", map[string]string{
			"2.1": "Кампания охватила все области; материалы изданы на кыргызском и русском языках.",
		}, false},
	}
	for _, s := range steps {
		for code, text := range s.narrates {
			text := text
			if _, err := s.svc.PutNarrative(as(ctx, s.who), s.year, s.half, code, reports.NarrativeInput{Text: &text}); err != nil {
				return fmt.Errorf("demo narrative %s-H%s %s: %w", s.year, s.half, code, err)
			}
		}
		if s.submit {
			if _, err := s.svc.Submit(as(ctx, s.who), s.year, s.half, "", nil); err != nil {
				return fmt.Errorf("demo submit %s-H%s: %w", s.year, s.half, err)
			}
		}
	}
	return nil
}

func demoAccounts(ctx context.Context, db *gorm.DB) (map[string]Worker, error) {
	out, err := workers(ctx, db)
	if err != nil {
		return nil, err
	}
	var co Worker
	if err := db.WithContext(ctx).Raw(`SELECT id AS user_id, organization_id, role FROM users WHERE email = 'coordinator@mlsp.gov.kg'`).
		Scan(&co).Error; err != nil {
		return nil, err
	}
	if co.UserID.String() == "00000000-0000-0000-0000-000000000000" {
		return nil, fmt.Errorf("demo account coordinator@mlsp.gov.kg missing")
	}
	out["coordinator@mlsp.gov.kg"] = co
	return out, nil
}
