package work

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/notifications"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// digestJob names the daily digest in scheduled_jobs.
const digestJob = "work_digest"

// Digest e-mails, once a day, every active caseworker and supervisor whose
// work list is not empty how many items wait and how many are overdue, per
// kind, in their language, with a link to the app. Counts only: no code, no
// name, nothing of a case.
type Digest struct {
	svc  *Service
	db   *gorm.DB
	mail notifications.SMTP
	log  *slog.Logger
}

// NewDigest returns the digest for svc's work lists, sent through mail.
func NewDigest(svc *Service, mail notifications.SMTP, log *slog.Logger) *Digest {
	return &Digest{svc: svc, db: svc.db, mail: mail, log: log}
}

type recipient struct {
	ID             uuid.UUID
	OrganizationID uuid.UUID
	Role           string
	Email          string
	Locale         *string
}

// RunOnce sends the day's digests, unless SMTP is off, the digest went out
// less than a day ago or another replica is sending it. It returns how many
// e-mails it sent. A person whose e-mail fails is logged (without the
// address) and skipped.
func (d *Digest) RunOnce(ctx context.Context) (int, error) {
	if d.mail.Addr == "" {
		return 0, nil
	}
	sent := 0
	_, err := database.OncePerDay(ctx, d.db, digestJob, func(tx *gorm.DB) error {
		var people []recipient
		if err := tx.Raw(`SELECT id, organization_id, role, email, locale FROM users
			WHERE status = 'active' AND role IN ('caseworker', 'supervisor') ORDER BY id`).Scan(&people).Error; err != nil {
			return err
		}
		for _, p := range people {
			ctx := reqctx.WithPrincipal(ctx, reqctx.Principal{UserID: p.ID, OrganizationID: p.OrganizationID, Role: p.Role})
			list, err := d.svc.Mine(ctx, "")
			if err != nil {
				return err
			}
			if list.Total == 0 {
				continue
			}
			subject, body := d.message(p, list)
			if err := d.mail.Send(p.Email, subject, body); err != nil {
				d.log.WarnContext(ctx, "work digest not sent", slog.String("user_id", p.ID.String()), slog.String("error", err.Error()))
				continue
			}
			sent++
		}
		return nil
	})
	return sent, err
}

// digestText holds a digest's words in one language.
type digestText struct {
	subject string // %d items, %d overdue
	intro   string
	kinds   map[string]string
	open    string
}

var digestTexts = map[string]digestText{
	"en": {"Jardam: %d items need you, %d overdue", "Your work in Jardam today:", map[string]string{
		KindReferralResponse: "referrals to answer", KindPlanGoal: "plan goals due", KindReflectionPeriodEnding: "reflection periods ending",
		KindConsentExpiring: "consents expiring", KindUnassignedCase: "cases without a worker", KindReportDue: "half-year reports due",
		KindApproval: "approvals waiting"}, "Open My work:"},
	"ru": {"Jardam: вас ждут %d задач, просрочено %d", "Ваша работа в Jardam сегодня:", map[string]string{
		KindReferralResponse: "направления ждут ответа", KindPlanGoal: "цели плана к сроку", KindReflectionPeriodEnding: "заканчивается период восстановления",
		KindConsentExpiring: "истекают согласия", KindUnassignedCase: "дела без ответственного", KindReportDue: "полугодовые отчёты к сроку",
		KindApproval: "ждут подтверждения"}, "Открыть «Моя работа»:"},
	"ky": {"Jardam: сизди %d иш күтүүдө, %d мөөнөтү өткөн", "Бүгүнкү Jardamдагы ишиңиз:", map[string]string{
		KindReferralResponse: "жооп күткөн жолдомолор", KindPlanGoal: "пландын мөөнөтү жеткен максаттары", KindReflectionPeriodEnding: "ой жүгүртүү мөөнөтү бүтүп жатат",
		KindConsentExpiring: "мөөнөтү бүтүп жаткан макулдуктар", KindUnassignedCase: "жооптуусу жок иштер", KindReportDue: "жарым жылдык отчеттордун мөөнөтү",
		KindApproval: "ырастоо күткөндөр"}, "«Менин ишим» ачуу:"},
}

// message writes p's digest: counts per kind and the overdue count only.
func (d *Digest) message(p recipient, list List) (subject, body string) {
	lang := "ru"
	if p.Locale != nil {
		if _, ok := digestTexts[*p.Locale]; ok {
			lang = *p.Locale
		}
	}
	txt := digestTexts[lang]
	overdue := 0
	for _, it := range list.Items {
		if it.Overdue {
			overdue++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\r\n", txt.intro)
	for _, k := range Kinds {
		if n := list.Counts[k]; n > 0 {
			fmt.Fprintf(&b, "- %s: %d\r\n", txt.kinds[k], n)
		}
	}
	fmt.Fprintf(&b, "\r\n%s %s/\r\n", txt.open, strings.TrimSuffix(d.mail.BaseURL, "/"))
	return fmt.Sprintf(txt.subject, list.Total, overdue), b.String()
}
