// Package notifications owns in-app notifications and their delivery. A
// notification never carries personal data: only a kind, the referral's
// (or case's) non-identifying code and a link. Referral events reach it
// through the transactional outbox; the delivery worker is safe with
// several replicas (FOR UPDATE SKIP LOCKED), so each event is delivered
// once.
package notifications

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"net/smtp"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Notification is one in-app notification.
type Notification struct {
	ID        uuid.UUID  `json:"id"`
	Kind      string     `json:"kind"`
	RefCode   string     `json:"ref_code"`
	Link      string     `json:"link"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

// Service lists and marks the caller's notifications.
type Service struct{ db *gorm.DB }

// NewService returns the service.
func NewService(db *gorm.DB) *Service { return &Service{db: db} }

func (s *Service) inTx(ctx context.Context, fn func(tx *gorm.DB, p reqctx.Principal) error) error {
	return database.InCallerTx(ctx, s.db, fn)
}

// Page is a page of the caller's notifications and how many of all of them
// are unread (for the navigation's badge).
type Page struct {
	web.List[Notification]
	UnreadCount int64 `json:"unread_count"`
}

// List returns the caller's notifications, newest first, with the count of
// unread ones.
func (s *Service) List(ctx context.Context, unreadOnly bool, pg web.Page) (Page, error) {
	var out Page
	err := s.inTx(ctx, func(tx *gorm.DB, p reqctx.Principal) error {
		if err := tx.Raw(`SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, p.UserID).
			Scan(&out.UnreadCount).Error; err != nil {
			return err
		}
		args := map[string]any{"user": p.UserID}
		q := `SELECT id, kind, ref_code, link, created_at, read_at FROM notifications WHERE user_id = @user`
		if unreadOnly {
			q += ` AND read_at IS NULL`
		}
		cond, tail := pg.Keyset("created_at", "id", args)
		var rows []Notification
		if err := tx.Raw(q+cond+tail, args).Scan(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			rows[i].CreatedAt = rows[i].CreatedAt.UTC()
		}
		out.List = web.NewList(rows, pg.Limit, func(n Notification) (time.Time, uuid.UUID) { return n.CreatedAt, n.ID })
		return nil
	})
	return out, err
}

// MarkAllRead marks every unread notification of the caller read and
// returns how many it marked.
func (s *Service) MarkAllRead(ctx context.Context) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *gorm.DB, p reqctx.Principal) error {
		res := tx.Exec(`UPDATE notifications SET read_at = now() WHERE user_id = ? AND read_at IS NULL`, p.UserID)
		n = res.RowsAffected
		return res.Error
	})
	return n, err
}

// MarkRead marks one of the caller's notifications read; another user's
// answers not found.
func (s *Service) MarkRead(ctx context.Context, id uuid.UUID) (Notification, error) {
	var out Notification
	err := s.inTx(ctx, func(tx *gorm.DB, p reqctx.Principal) error {
		if err := tx.Exec(`UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = ? AND user_id = ?`, id, p.UserID).Error; err != nil {
			return err
		}
		if err := tx.Raw(`SELECT id, kind, ref_code, link, created_at, read_at FROM notifications WHERE id = ? AND user_id = ?`,
			id, p.UserID).Scan(&out).Error; err != nil {
			return err
		}
		if out.ID == uuid.Nil {
			return apperr.NotFound("notification")
		}
		out.CreatedAt = out.CreatedAt.UTC()
		return nil
	})
	return out, err
}

// SMTP configures e-mail delivery; an empty Addr turns e-mail off.
type SMTP struct {
	Addr string
	From string
	// BaseURL prefixes links in e-mails.
	BaseURL string
}

// Send writes one plain-text e-mail to to (the subject encoded for any
// language) and hands it to the SMTP server.
func (m SMTP) Send(to, subject, body string) error {
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
		m.From, to, mime.QEncoding.Encode("utf-8", subject), body)
	return smtp.SendMail(m.Addr, nil, m.From, []string{to}, []byte(msg))
}

// Deliverer turns outbox rows into notifications (and e-mails).
type Deliverer struct {
	db   *gorm.DB
	smtp SMTP
	log  *slog.Logger
}

// NewDeliverer returns a delivery worker.
func NewDeliverer(db *gorm.DB, mail SMTP, log *slog.Logger) *Deliverer {
	return &Deliverer{db: db, smtp: mail, log: log}
}

// recipients of each referral event: the receiving organization's workers
// for what asks them to act, the referring organization's creator and
// supervisors for the answers.
const recipientsSQL = `SELECT u.id, u.email FROM users u
	WHERE u.disabled_at IS NULL AND u.role IN ('caseworker', 'supervisor') AND (
	  (@kind IN ('referral.pending', 'referral.cancelled', 'referral.expired') AND u.organization_id = @to_org)
	  OR (@kind IN ('referral.accepted', 'referral.declined', 'referral.completed', 'referral.expired')
	      AND u.organization_id = @from_org AND (u.id = @creator OR u.role = 'supervisor')))`

// DeliveryBatch is the most outbox rows one delivery pass takes; a pass that
// takes this many leaves more waiting.
const DeliveryBatch = 100

// DeliverOnce delivers up to DeliveryBatch pending outbox rows and also expires the
// referrals whose consent ended. It returns the number of rows delivered.
func (d *Deliverer) DeliverOnce(ctx context.Context) (int, error) {
	var expired int64
	if err := d.db.WithContext(ctx).Raw(`SELECT count(*) FROM jardam_expire_referrals()`).Scan(&expired).Error; err != nil {
		return 0, err
	}
	type mail struct {
		to      string
		kind    string
		refCode string
		link    string
	}
	var mails []mail
	n := 0
	err := database.InTx(ctx, d.db, func(tx *gorm.DB) error {
		var rows []struct {
			ID                 int64
			Kind               string
			ReferralID         uuid.UUID
			ReferralCode       string
			FromOrganizationID uuid.UUID
			ToOrganizationID   uuid.UUID
			ReferredBy         uuid.UUID
		}
		if err := tx.Raw(`SELECT id, kind, referral_id, referral_code, from_organization_id, to_organization_id, referred_by
			FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`, DeliveryBatch).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			ref := struct{ Code string }{r.ReferralCode}
			var users []struct {
				ID    uuid.UUID
				Email string
			}
			if err := tx.Raw(recipientsSQL, map[string]any{"kind": r.Kind, "to_org": r.ToOrganizationID,
				"from_org": r.FromOrganizationID, "creator": r.ReferredBy}).Scan(&users).Error; err != nil {
				return err
			}
			link := "/referrals/" + r.ReferralID.String()
			for _, u := range users {
				if err := tx.Exec(`INSERT INTO notifications (user_id, kind, ref_code, link) VALUES (?, ?, ?, ?)`,
					u.ID, r.Kind, ref.Code, link).Error; err != nil {
					return err
				}
				mails = append(mails, mail{to: u.Email, kind: r.Kind, refCode: ref.Code, link: link})
			}
			if err := tx.Exec(`UPDATE outbox SET delivered_at = now(), attempts = attempts + 1 WHERE id = ?`, r.ID).Error; err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if d.smtp.Addr != "" {
		for _, m := range mails {
			body := fmt.Sprintf("Referral %s: %s.\r\n%s%s\r\n", m.refCode, strings.TrimPrefix(m.kind, "referral."), d.smtp.BaseURL, m.link)
			if err := d.smtp.Send(m.to, "Jardam: "+m.kind+" "+m.refCode, body); err != nil {
				d.log.Warn("notification e-mail not sent", slog.String("kind", m.kind), slog.String("error", err.Error()))
			}
		}
	}
	return n, nil
}
