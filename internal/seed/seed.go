// Package seed creates the demo data (docs/walkthrough.md uses it): the demo
// organizations and accounts (password jardam-demo-2025, development only).
package seed

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/auth"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
)

// ErrNotEmpty is returned when the database already holds organizations.
var ErrNotEmpty = errors.New("the database already holds data")

// Org is a demo organization.
type Org struct {
	Code, Kind, Region string
	RU, KY, EN         string
	Services           []string
}

// Account is a demo account.
type Account struct {
	Email, Name, Org, Role string
}

// Orgs are the demo organizations.
var Orgs = []Org{
	{"OPS", "operator", "bishkek_city", "Операторы Jardam", "Jardam операторлору", "Jardam operators", nil},
	{"SEZIM", "crisis_center", "bishkek_city", "Кризисный центр «Сезим», Бишкек", "«Сезим» кризистик борбору, Бишкек", "Crisis center \"Sezim\", Bishkek",
		[]string{"shelter", "psychological", "legal", "medical", "vocational_training", "family_reunification"}},
	{"AKZHUROK", "crisis_center", "osh_city", "Кризисный центр «Ак-Журок», Ош", "«Ак-Журөк» кризистик борбору, Ош", "Crisis center \"Ak-Zhurok\", Osh",
		[]string{"shelter", "psychological", "legal", "income_generation"}},
	{"MLSSM-SOC", "state_body", "bishkek_city", "МТСОМ, управление социальной защиты, Бишкек", "ЭСКММ, социалдык коргоо башкармалыгы, Бишкек", "MLSSM, social protection department, Bishkek",
		[]string{"financial", "housing", "documents", "employment", "education"}},
	{"MLSSM-CTU", "coordinator", "bishkek_city", "МТСОМ, координация противодействия торговле людьми", "ЭСКММ, адам сатууга каршы аракеттерди координациялоо", "MLSSM, anti-trafficking coordination", nil},
	{"MIA", "law_enforcement", "bishkek_city", "Министерство внутренних дел", "Ички иштер министрлиги", "Ministry of Internal Affairs", nil},
	{"MOH", "state_body", "bishkek_city", "Министерство здравоохранения", "Саламаттыкты сактоо министрлиги", "Ministry of Health", []string{"medical", "psychological"}},
	{"GPO", "law_enforcement", "bishkek_city", "Генеральная прокуратура", "Башкы прокуратура", "General Prosecutor's Office", []string{"legal"}},
	{"IOM", "international_org", "bishkek_city", "Международная организация по миграции, офис в Бишкеке", "Эл аралык миграция уюму, Бишкектеги кеңсе", "International Organization for Migration, Bishkek office",
		[]string{"homecoming", "income_generation", "vocational_training", "financial"}},
	{"BISHKEK-CITY", "local_authority", "bishkek_city", "Мэрия города Бишкек", "Бишкек шаарынын мэриясы", "Bishkek city hall", []string{"housing", "employment", "documents"}},
	{"OSH-CITY", "local_authority", "osh_city", "Мэрия города Ош", "Ош шаарынын мэриясы", "Osh city hall", []string{"housing", "employment", "documents"}},
	{"HOTLINE-1899", "hotline", "bishkek_city", "Горячая линия 1899", "1899 ишеним телефону", "Hotline 1899", nil},
}

// Accounts are the demo accounts.
var Accounts = []Account{
	{"admin@jardam.local", "System Administrator", "OPS", "admin"},
	// A second admin approves what the first asks for (four eyes).
	{"admin2@jardam.local", "Second Administrator", "OPS", "admin"},
	{"auditor@jardam.local", "Data Protection Officer", "OPS", "auditor"},
	{"orgadmin@sezim.kg", "Sezim Administrator", "SEZIM", "org_admin"},
	{"caseworker@sezim.kg", "Sezim Caseworker", "SEZIM", "caseworker"},
	{"supervisor@sezim.kg", "Sezim Supervisor", "SEZIM", "supervisor"},
	{"caseworker@akzhurok.kg", "Ak-Zhurok Caseworker", "AKZHUROK", "caseworker"},
	{"social@mlsp.gov.kg", "MLSSM Social Worker", "MLSSM-SOC", "caseworker"},
	{"coordinator@mlsp.gov.kg", "MLSSM Coordinator", "MLSSM-CTU", "coordinator"},
	{"operator@hotline1899.kg", "Hotline 1899 Operator", "HOTLINE-1899", "hotline_operator"},
	{"supervisor@hotline1899.kg", "Hotline 1899 Supervisor", "HOTLINE-1899", "hotline_supervisor"},
}

// Body lists a demo organization as a body of a Program measure.
type Body struct {
	Measure, Org, Role string
}

// Bodies are the demo's bodies beyond the Program's list (migrations; a
// real deployment loads its own with `jardam measures import`): the 1899
// hotline co-executes measure 2.3, "Operation of the 1899 hotline", for
// which MLSSM-CTU is responsible, so it reports on it.
var Bodies = []Body{{"2.3", "HOTLINE-1899", "co_executor"}}

// Demo creates the demo organizations, accounts and bodies in one transaction.
// With ifEmpty it does nothing (and returns ErrNotEmpty) when organizations
// exist; without it, existing rows are left and missing ones added.
func Demo(ctx context.Context, db *gorm.DB, hasher *passwd.Hasher, ifEmpty bool) error {
	hash, err := hasher.Hash(ctx, auth.DemoPassword)
	if err != nil {
		return err
	}
	return database.InTx(ctx, db, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Raw("SELECT count(*) FROM organizations").Scan(&n).Error; err != nil {
			return err
		}
		if n > 0 && ifEmpty {
			return ErrNotEmpty
		}
		for _, o := range Orgs {
			services := o.Services
			if services == nil {
				services = []string{}
			}
			if err := tx.Exec(`INSERT INTO organizations (code, name_ru, name_ky, name_en, kind, region, services)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`,
				o.Code, o.RU, o.KY, o.EN, o.Kind, o.Region, database.Array[string](services)).Error; err != nil {
				return err
			}
		}
		for _, a := range Accounts {
			if err := tx.Exec(`INSERT INTO users (organization_id, email, name, role, password_hash, must_change_password)
				SELECT id, ?, ?, ?, ?, false FROM organizations WHERE code = ?
				ON CONFLICT (email) DO NOTHING`, a.Email, a.Name, a.Role, hash, a.Org).Error; err != nil {
				return err
			}
		}
		for _, b := range Bodies {
			if err := tx.Exec(`INSERT INTO measure_bodies (measure_code, organization_code, role)
				SELECT code, ?, ? FROM measures WHERE code = ? ON CONFLICT DO NOTHING`, b.Org, b.Role, b.Measure).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// AccountsWithDemoPassword lists the demo accounts whose password is still
// the demo password. Production refuses to start while any does; no other
// account can hold it, since the demo password is refused whenever a
// password is set.
func AccountsWithDemoPassword(ctx context.Context, db *gorm.DB, hasher *passwd.Hasher) ([]string, error) {
	emails := make([]string, len(Accounts))
	for i, a := range Accounts {
		emails[i] = a.Email
	}
	var rows []struct {
		Email        string
		PasswordHash string
	}
	if err := db.WithContext(ctx).Raw(`SELECT email, password_hash FROM users WHERE email IN ?`, emails).Scan(&rows).Error; err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows {
		if err := hasher.Verify(ctx, auth.DemoPassword, r.PasswordHash); err == nil {
			out = append(out, r.Email)
		} else if !errors.Is(err, passwd.ErrMismatch) {
			return nil, err
		}
	}
	return out, nil
}
