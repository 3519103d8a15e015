package cases

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
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
	var out Note
	err := s.inCase(ctx, caseID, "note.create", access.SeeCase, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) error {
		sealer, k, err := s.liveSealer(ctx, tx, caseID)
		if err != nil {
			return err
		}
		id := uuid.New()
		if idemKey != "" {
			replay, err := s.claimKey(tx, p, "POST /api/v1/cases/"+caseID.String()+"/notes", idemKey, body, id)
			if err != nil {
				return err
			}
			if replay != uuid.Nil {
				var r struct {
					AuthorID  uuid.UUID
					TextEnc   []byte
					CreatedAt time.Time
				}
				if err := tx.Raw(`SELECT author_id, text_enc, created_at FROM case_notes WHERE id = ?`, replay).Scan(&r).Error; err != nil {
					return err
				}
				plain, err := sealer.Open(r.TextEnc, ad("case_notes", "text", replay, k.KeyVersion))
				if err != nil {
					return err
				}
				out = Note{ID: replay, Text: string(plain), AuthorID: r.AuthorID, CreatedAt: r.CreatedAt.UTC()}
				return nil
			}
		}
		enc, err := sealer.Seal([]byte(in.Text), ad("case_notes", "text", id, k.KeyVersion))
		if err != nil {
			return err
		}
		var created struct{ CreatedAt time.Time }
		if err := tx.Raw(`INSERT INTO case_notes (id, case_id, organization_id, author_id, text_enc) VALUES (?, ?, ?, ?, ?)
			RETURNING created_at`, id, caseID, p.OrganizationID, p.UserID, enc).Scan(&created).Error; err != nil {
			return err
		}
		out = Note{ID: id, Text: in.Text, AuthorID: p.UserID, CreatedAt: created.CreatedAt.UTC()}
		return audit.Record(ctx, tx, "note.create", "case", caseID.String(), audit.Success)
	})
	if err != nil {
		return Note{}, err
	}
	return out, nil
}

// ListNotes returns the caller's organization's notes on a case, newest
// first.
func (s *Service) ListNotes(ctx context.Context, caseID uuid.UUID, pg web.Page) (web.List[Note], error) {
	var out web.List[Note]
	err := s.inCase(ctx, caseID, "note.list", access.SeeCase, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) error {
		var rows []struct {
			ID        uuid.UUID
			AuthorID  uuid.UUID
			TextEnc   []byte
			CreatedAt time.Time
		}
		args := map[string]any{"case": caseID, "org": p.OrganizationID}
		cond, tail := pg.Keyset("created_at", "id", args)
		if err := tx.Raw(`SELECT id, author_id, text_enc, created_at FROM case_notes
			WHERE case_id = @case AND organization_id = @org`+cond+tail, args).Scan(&rows).Error; err != nil {
			return err
		}
		sealer, k, erased, err := s.caseSealer(ctx, tx, caseID)
		if err != nil {
			return err
		}
		notes := make([]Note, 0, len(rows))
		if !erased {
			for _, r := range rows {
				plain, err := sealer.Open(r.TextEnc, ad("case_notes", "text", r.ID, k.KeyVersion))
				if err != nil {
					return err
				}
				notes = append(notes, Note{ID: r.ID, Text: string(plain), AuthorID: r.AuthorID, CreatedAt: r.CreatedAt.UTC()})
			}
		}
		out = web.NewList(notes, pg.Limit, func(n Note) (time.Time, uuid.UUID) { return n.CreatedAt, n.ID })
		return audit.Record(ctx, tx, "note.list", "case", caseID.String(), audit.Success)
	})
	if err != nil {
		return web.List[Note]{}, err
	}
	return out, nil
}
