package cases

import (
	"cmp"
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Note is a free-text note on a case, encrypted and visible only to the
// organization that wrote it.
type Note struct {
	ID        uuid.UUID `json:"id"`
	Text      string    `json:"text"`
	AuthorID  uuid.UUID `json:"author_id"`
	CreatedAt time.Time `json:"created_at"`
}

// NoteInput is the body of POST /cases/{id}/notes.
type NoteInput struct {
	Text string `json:"text" text:"multiline"`
}

// AddNote writes a note on a case the caller sees. With an idempotency key,
// a retry with the same body returns the first note.
func (s *Service) AddNote(ctx context.Context, caseID uuid.UUID, in NoteInput, idemKey string, body []byte) (Note, error) {
	if strings.TrimSpace(in.Text) == "" || len([]rune(in.Text)) > 20000 {
		return Note{}, apperr.Invalid("text", "is required, at most 20000 characters")
	}
	return access.Act(ctx, s.db, caseID, "note.create", access.SeeCase, func(tx *gorm.DB, p reqctx.Principal, _ access.Relation) (Note, error) {
		sealer, k, err := s.liveSealer(ctx, tx, caseID)
		if err != nil {
			return Note{}, err
		}
		id := uuid.New()
		replay, err := s.claim(tx, p, "POST /api/v1/cases/"+caseID.String()+"/notes", idemKey, body, id)
		if err != nil {
			return Note{}, err
		}
		if replay != uuid.Nil {
			var r noteRow
			if err := tx.Raw(`SELECT id, author_id, text_enc, created_at FROM case_notes WHERE id = ?`, replay).Scan(&r).Error; err != nil {
				return Note{}, err
			}
			n, err := r.open(sealer, k)
			return n, cmp.Or(err, access.ErrReplayed)
		}
		enc, err := sealer.Seal([]byte(in.Text), ad("case_notes", "text", id, k.KeyVersion))
		if err != nil {
			return Note{}, err
		}
		var created struct{ CreatedAt time.Time }
		if err := tx.Raw(`INSERT INTO case_notes (id, case_id, organization_id, author_id, text_enc) VALUES (?, ?, ?, ?, ?)
			RETURNING created_at`, id, caseID, p.OrganizationID, p.UserID, enc).Scan(&created).Error; err != nil {
			return Note{}, err
		}
		return Note{ID: id, Text: in.Text, AuthorID: p.UserID, CreatedAt: created.CreatedAt.UTC()}, nil
	})
}

// noteRow is a note as stored, its text sealed.
type noteRow struct {
	ID        uuid.UUID
	AuthorID  uuid.UUID
	TextEnc   []byte
	CreatedAt time.Time
}

// open returns the note, its text opened with the case's sealer.
func (r noteRow) open(sealer *jcrypto.Sealer, k caseKey) (Note, error) {
	text, err := openText(sealer, r.TextEnc, ad("case_notes", "text", r.ID, k.KeyVersion))
	if err != nil {
		return Note{}, err
	}
	return Note{ID: r.ID, Text: *text, AuthorID: r.AuthorID, CreatedAt: r.CreatedAt.UTC()}, nil
}

// ListNotes returns the caller's organization's notes on a case, newest
// first.
func (s *Service) ListNotes(ctx context.Context, caseID uuid.UUID, pg web.Page) (web.List[Note], error) {
	return access.Act(ctx, s.db, caseID, "note.list", access.SeeCase, func(tx *gorm.DB, p reqctx.Principal, _ access.Relation) (web.List[Note], error) {
		var rows []noteRow
		args := map[string]any{"case": caseID, "org": p.OrganizationID}
		cond, tail := pg.Keyset("created_at", "id", args)
		if err := tx.Raw(`SELECT id, author_id, text_enc, created_at FROM case_notes
			WHERE case_id = @case AND organization_id = @org`+cond+tail, args).Scan(&rows).Error; err != nil {
			return web.List[Note]{}, err
		}
		sealer, k, erased, err := s.caseSealer(ctx, tx, caseID)
		if err != nil {
			return web.List[Note]{}, err
		}
		if erased {
			rows = nil // an erased case's notes cannot be opened
		}
		notes := make([]Note, 0, len(rows))
		for _, r := range rows {
			n, err := r.open(sealer, k)
			if err != nil {
				return web.List[Note]{}, err
			}
			notes = append(notes, n)
		}
		return web.NewList(notes, pg.Limit, func(n Note) (time.Time, uuid.UUID) { return n.CreatedAt, n.ID }), nil
	})
}
