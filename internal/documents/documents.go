// Package documents owns the files kept under a case: their records, their
// contents sealed in chunks under the case's data key (behind the Blobs
// interface, in PostgreSQL by default), the sniffing that decides what may
// be stored, and who reads, adds and removes them (the owner's side; a
// referred organization the categories its consent covers; see
// access.MayReadDocument).
package documents

import (
	"bufio"
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/casekeys"
	"github.com/jardam-kg/jardam/internal/idempotency"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Categories a document may have: a consent category, or a signed consent
// form.
var Categories = append(slices.Clone(access.AllCategories), access.DocumentConsentForm)

// Audit actions, each recorded on the case.
const (
	ActionCreate = "document.create"
	ActionList   = "document.list"
	ActionRead   = "document.read"
	ActionRemove = "document.remove"
)

// Document is a document's record.
type Document struct {
	ID          uuid.UUID `json:"id"`
	CaseID      uuid.UUID `json:"case_id"`
	Title       string    `json:"title"`
	FileName    string    `json:"file_name,omitempty"`
	Category    string    `json:"category"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	// SHA256 is the keyed fingerprint of the content (hex), not a plain
	// hash: equal files have equal fingerprints within this system.
	SHA256     string     `json:"sha256"`
	UploadedBy uuid.UUID  `json:"uploaded_by"`
	UploadedAt time.Time  `json:"uploaded_at"`
	RemovedAt  *time.Time `json:"removed_at,omitempty"`
	RemovedBy  *uuid.UUID `json:"removed_by,omitempty"`
}

// UploadInput is the form of an upload besides the file.
type UploadInput struct {
	Title    string
	Category string
	// FileName is the name the client gave the file (kept sealed; never
	// used to decide the type).
	FileName string
	// IdempotencyKey, when set, makes a retry of the same upload (same
	// fields and bytes) answer the document the first one stored.
	IdempotencyKey string
}

// RemoveInput is the body of DELETE /documents/{id}.
type RemoveInput struct {
	Reason string `json:"reason" text:"multiline"`
}

// Settings are the limits of uploads.
type Settings struct {
	// MaxBytes is the largest file accepted (JARDAM_DOCUMENT_MAX_MB).
	MaxBytes int64
	// ChunkSize is the clear size of a chunk (DefaultChunkSize when 0).
	ChunkSize int
}

// Service keeps documents.
type Service struct {
	db       *gorm.DB
	keys     *casekeys.Keyring
	blobs    Blobs
	settings Settings
}

// NewService returns the service; blobs is where contents go (Postgres{}
// when nil).
func NewService(db *gorm.DB, keys *casekeys.Keyring, blobs Blobs, s Settings) *Service {
	if blobs == nil {
		blobs = Postgres{}
	}
	if s.ChunkSize <= 0 {
		s.ChunkSize = DefaultChunkSize
	}
	if s.MaxBytes <= 0 {
		s.MaxBytes = 20 << 20
	}
	return &Service{db: db, keys: keys, blobs: blobs, settings: s}
}

// MaxBytes is the largest file accepted.
func (s *Service) MaxBytes() int64 { return s.settings.MaxBytes }

var errErased = apperr.Conflict("the identity of this case was erased")

// Validate checks the form fields of an upload: 400 naming the field.
func (in UploadInput) Validate() error {
	if err := idempotency.Check(in.IdempotencyKey); err != nil {
		return err
	}
	var v apperr.Validation
	if t := strings.TrimSpace(in.Title); t == "" || utf8.RuneCountInString(in.Title) > 200 || !web.PlainText(in.Title) {
		v.Add("title", "is required: at most 200 characters, no control characters")
	}
	if !slices.Contains(Categories, in.Category) {
		v.Add("category", "must be one of: "+strings.Join(Categories, ", "))
	}
	return v.Err()
}

// CleanFileName keeps the base name of what a client called its file, at
// most 200 characters, without control characters.
func CleanFileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || !web.PlainText(name) {
		return ""
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[len(r)-200:])
	}
	return name
}

// Upload stores a document under a case the caller reads as its owner's
// side, from body (read once, never held whole: it is sealed chunk by
// chunk as it arrives). The kind is sniffed from the leading bytes before
// the case is looked at: 415 for anything but PDF, JPEG, PNG, WebP, DOCX and
// ODT (a ZIP that is neither is refused once read); 413 past MaxBytes.
// Images are re-encoded, so their metadata is gone. 404 for a case the
// caller does not see, 403 for a referred organization, 409 for an erased
// case. With an idempotency key, a retry of the same upload answers the
// first document (and stores nothing again); another upload under the same
// key answers 409. Audited as document.create on the case.
func (s *Service) Upload(ctx context.Context, caseID uuid.UUID, in UploadInput, body io.Reader) (Document, error) {
	if err := in.Validate(); err != nil {
		return Document{}, err
	}
	in.FileName = CleanFileName(in.FileName)
	br := bufio.NewReaderSize(&capped{r: body, left: s.settings.MaxBytes}, 64<<10)
	head, err := br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Document{}, bodyError(err)
	}
	if len(head) == 0 {
		return Document{}, apperr.Invalid("file", "is empty")
	}
	k := sniff(head)
	if k == kindUnknown {
		return Document{}, errUnsupported
	}
	return access.Act(ctx, s.db, caseID, ActionCreate, access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, _ access.Relation) (Document, error) {
		return s.store(ctx, tx, p, caseID, in, k, br)
	})
}

// store writes the record and the sealed content of a new document.
func (s *Service) store(ctx context.Context, tx *gorm.DB, p reqctx.Principal, caseID uuid.UUID, in UploadInput, k kind, r io.Reader) (Document, error) {
	sealer, kv, err := s.keys.SealerOf(ctx, tx, caseID)
	if errors.Is(err, casekeys.ErrKeyDestroyed) {
		return Document{}, errErased
	}
	if err != nil {
		return Document{}, err
	}
	id := uuid.New()
	titleEnc, err := sealer.SealString(in.Title, casekeys.AD("documents", "title", id, kv))
	if err != nil {
		return Document{}, err
	}
	nameEnc, err := sealer.SealString(in.FileName, casekeys.AD("documents", "file_name", id, kv))
	if err != nil {
		return Document{}, err
	}
	// A retry under the same idempotency key undoes what it stored.
	if err := tx.SavePoint("document_upload").Error; err != nil {
		return Document{}, err
	}
	if err := tx.Exec(`INSERT INTO documents (id, case_id, organization_id, category, content_type, size, chunk_size, chunks,
			key_version, title_enc, file_name_enc, fingerprint, uploaded_by)
		VALUES (?, ?, ?, ?, ?, 0, ?, 0, ?, ?, ?, '\x'::bytea, ?)`,
		id, caseID, p.OrganizationID, in.Category, k.storedType(), s.settings.ChunkSize, kv, titleEnc, nameEnc, p.UserID).Error; err != nil {
		return Document{}, err
	}
	at := chunks{ctx: ctx, tx: tx, blobs: s.blobs, sealer: sealer, doc: id, keyVersion: kv}
	w := newChunkWriter(at, s.settings.ChunkSize, s.settings.MaxBytes, s.keys)
	contentType := k.storedType()
	if k.isImage() {
		contentType, err = reencode(k, r, w)
	} else {
		_, err = io.Copy(w, r)
	}
	if err != nil {
		return Document{}, bodyError(err)
	}
	if err := w.Close(); err != nil {
		return Document{}, err
	}
	if k == kindZIP {
		cr := &contentReader{chunks: at, chunkSize: int64(s.settings.ChunkSize), count: w.n, size: w.size, cached: -1}
		if contentType, err = checkZIP(cr, w.size); err != nil {
			return Document{}, err
		}
	}
	if replay, err := s.claim(tx, p, caseID, in, w.fingerprint(), id); err != nil || replay != uuid.Nil {
		if err != nil {
			return Document{}, err
		}
		if err := tx.RollbackTo("document_upload").Error; err != nil {
			return Document{}, err
		}
		r, err := loadRow(tx, replay)
		if err != nil {
			return Document{}, err
		}
		d, err := r.open(sealer)
		return d, cmp.Or(err, access.ErrReplayed)
	}
	if err := tx.Exec(`UPDATE documents SET content_type = ?, size = ?, chunks = ?, fingerprint = ? WHERE id = ?`,
		contentType, w.size, w.n, w.fingerprint(), id).Error; err != nil {
		return Document{}, err
	}
	r2, err := loadRow(tx, id)
	if err != nil {
		return Document{}, err
	}
	return r2.open(sealer)
}

// claim records the upload's idempotency key, if any, with a keyed hash of
// its fields and content's fingerprint, and returns the document of an
// earlier upload under the key (uuid.Nil for the first).
func (s *Service) claim(tx *gorm.DB, p reqctx.Principal, caseID uuid.UUID, in UploadInput, fingerprint []byte, id uuid.UUID) (uuid.UUID, error) {
	if in.IdempotencyKey == "" {
		return uuid.Nil, nil
	}
	route := "POST /api/v1/cases/" + caseID.String() + "/documents"
	request := strings.Join([]string{in.Title, in.Category, in.FileName, hex.EncodeToString(fingerprint)}, "\x00")
	return idempotency.Claim(tx, p.UserID, route, in.IdempotencyKey, s.keys.RequestHash(route, []byte(request)), id)
}

// capped reads at most left bytes from r, then answers errTooLarge if more
// follow.
type capped struct {
	r    io.Reader
	left int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// isBodyTooLarge reports whether err is the request body's size limit.
func isBodyTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// bodyError maps an error met while reading an upload's body: the size
// limits answer 413, a classified error passes, anything else (a client
// that went away) 400 naming the file.
func bodyError(err error) error {
	if errors.Is(err, errTooLarge) || isBodyTooLarge(err) {
		return errTooLarge
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return apperr.Invalid("file", "could not be read")
}

// row is a document as stored.
type row struct {
	ID            uuid.UUID
	CaseID        uuid.UUID
	Category      string
	ContentType   string
	Size          int64
	ChunkSize     int
	Chunks        int
	KeyVersion    int
	TitleEnc      []byte
	FileNameEnc   []byte
	Fingerprint   []byte
	UploadedBy    uuid.UUID
	UploadedAt    time.Time
	RemovedAt     *time.Time
	RemovedBy     *uuid.UUID
	RemovalReason []byte `gorm:"column:removal_reason_enc"`
}

const columns = `id, case_id, category, content_type, size, chunk_size, chunks, key_version, title_enc, file_name_enc,
	fingerprint, uploaded_by, uploaded_at, removed_at, removed_by, removal_reason_enc`

func loadRow(tx *gorm.DB, id uuid.UUID) (row, error) {
	var r row
	err := tx.Raw(`SELECT `+columns+` FROM documents WHERE id = ?`, id).Scan(&r).Error
	return r, err
}

// open returns the record with its title and file name opened.
func (r row) open(sealer *jcrypto.Sealer) (Document, error) {
	title, err := sealer.OpenString(r.TitleEnc, casekeys.AD("documents", "title", r.ID, r.KeyVersion))
	if err != nil {
		return Document{}, err
	}
	name, err := sealer.OpenString(r.FileNameEnc, casekeys.AD("documents", "file_name", r.ID, r.KeyVersion))
	if err != nil {
		return Document{}, err
	}
	d := Document{ID: r.ID, CaseID: r.CaseID, Title: title, FileName: name, Category: r.Category, ContentType: r.ContentType,
		Size: r.Size, SHA256: hex.EncodeToString(r.Fingerprint), UploadedBy: r.UploadedBy, UploadedAt: r.UploadedAt.UTC(),
		RemovedBy: r.RemovedBy}
	if r.RemovedAt != nil {
		t := r.RemovedAt.UTC()
		d.RemovedAt = &t
	}
	return d, nil
}

// List returns the documents of a case the caller may read, newest first
// (removed ones included, marked removed_at). An erased case lists none:
// their titles cannot be opened. Audited as document.list.
func (s *Service) List(ctx context.Context, caseID uuid.UUID) ([]Document, error) {
	return access.Act(ctx, s.db, caseID, ActionList, access.SeeCase, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) ([]Document, error) {
		return s.listIn(ctx, tx, caseID, rel, p.OrganizationID)
	})
}

// ListIn returns the documents of caseID that rel, of organization reader,
// may read, through tx (for the case file, which reads them inside its own
// audited action).
func (s *Service) ListIn(ctx context.Context, tx *gorm.DB, caseID uuid.UUID, rel access.Relation, reader uuid.UUID) ([]Document, error) {
	return s.listIn(ctx, tx, caseID, rel, reader)
}

// FormsGivenTo returns the signed consent forms of caseID given to
// organization org: the documents its consents to org point to, read in tx.
func FormsGivenTo(tx *gorm.DB, caseID, org uuid.UUID) (map[uuid.UUID]bool, error) {
	var ids []uuid.UUID
	if err := tx.Raw(`SELECT document_id FROM consents WHERE case_id = ? AND recipient_organization_id = ? AND document_id IS NOT NULL`,
		caseID, org).Scan(&ids).Error; err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

func (s *Service) listIn(ctx context.Context, tx *gorm.DB, caseID uuid.UUID, rel access.Relation, reader uuid.UUID) ([]Document, error) {
	var rows []row
	if err := tx.Raw(`SELECT `+columns+` FROM documents WHERE case_id = ? ORDER BY uploaded_at DESC, id DESC`, caseID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := []Document{}
	if len(rows) == 0 {
		return out, nil
	}
	sealer, _, err := s.keys.SealerOf(ctx, tx, caseID)
	if errors.Is(err, casekeys.ErrKeyDestroyed) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	forms, err := FormsGivenTo(tx, caseID, reader)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if !access.MayReadDocument(rel, r.Category, forms[r.ID]) {
			continue
		}
		d, err := r.open(sealer)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Content is a document ready to be sent: its record, and its bytes
// written by WriteTo chunk by chunk.
type Content struct {
	Document
	// Name is the download's file name: neutral (the document's id and
	// the stored type's extension), never the client's file name.
	Name   string
	reader *contentReader
	db     *gorm.DB
}

// WriteTo writes the content to w, reading and opening one chunk at a time
// in a transaction of the caller's.
func (c *Content) WriteTo(ctx context.Context, w io.Writer) error {
	return database.InCallerTx(ctx, c.db, func(tx *gorm.DB, _ reqctx.Principal) error {
		c.reader.ctx, c.reader.tx = ctx, tx
		_, err := c.reader.WriteTo(w)
		return err
	})
}

// Open returns a document the caller may read, for download: 404 when its
// case is not visible, when its category is not consented to the caller's
// organization, or when it was removed; 409 when the case was erased. The
// read is audited as document.read on the case before any byte is sent.
func (s *Service) Open(ctx context.Context, id uuid.UUID) (*Content, error) {
	return access.Do(ctx, s.db, ActionRead, func(tx *gorm.DB, _ reqctx.Principal) (*Content, uuid.UUID, error) {
		r, sealer, err := s.visible(ctx, tx, id, ActionRead)
		if err != nil {
			return nil, r.CaseID, err
		}
		if r.RemovedAt != nil {
			return nil, r.CaseID, access.NotFound("document", ActionRead, "document", id.String())
		}
		d, err := r.open(sealer)
		if err != nil {
			return nil, r.CaseID, err
		}
		return &Content{Document: d, Name: "document-" + id.String() + extensions[r.ContentType], db: s.db,
			reader: &contentReader{chunks: chunks{blobs: s.blobs, sealer: sealer, doc: id, keyVersion: r.KeyVersion},
				chunkSize: int64(r.ChunkSize), count: r.Chunks, size: r.Size, cached: -1}}, r.CaseID, nil
	})
}

// visible loads document id for action when the caller may read it, with
// its case's sealer; otherwise a not-found refusal (or 409 for an erased
// case).
func (s *Service) visible(ctx context.Context, tx *gorm.DB, id uuid.UUID, action string) (row, *jcrypto.Sealer, error) {
	r, err := loadRow(tx, id)
	if err != nil {
		return r, nil, err
	}
	notFound := access.NotFound("document", action, "document", id.String())
	if r.ID == uuid.Nil {
		return r, nil, notFound
	}
	rel, err := access.Of(ctx, tx, r.CaseID)
	if err != nil {
		return r, nil, err
	}
	forms := map[uuid.UUID]bool{}
	if p, ok := reqctx.PrincipalFrom(ctx); ok && r.Category == access.DocumentConsentForm {
		if forms, err = FormsGivenTo(tx, r.CaseID, p.OrganizationID); err != nil {
			return r, nil, err
		}
	}
	if !access.MayReadDocument(rel, r.Category, forms[r.ID]) {
		return r, nil, notFound
	}
	sealer, _, err := s.keys.SealerOf(ctx, tx, r.CaseID)
	if errors.Is(err, casekeys.ErrKeyDestroyed) {
		return r, nil, errErased
	}
	return r, sealer, err
}

// Remove destroys a document's content for a supervisor of the owning
// organization, with a reason (sealed): the record and the audit trail
// stay, the bytes are gone. 404 for a document the caller does not see,
// 403 for anyone else who sees it, 409 for one already removed. Audited as
// document.remove on the case.
func (s *Service) Remove(ctx context.Context, id uuid.UUID, in RemoveInput) (Document, error) {
	if strings.TrimSpace(in.Reason) == "" || utf8.RuneCountInString(in.Reason) > 2000 {
		return Document{}, apperr.Invalid("reason", "is required, at most 2000 characters")
	}
	return access.Do(ctx, s.db, ActionRemove, func(tx *gorm.DB, p reqctx.Principal) (Document, uuid.UUID, error) {
		r, sealer, err := s.visible(ctx, tx, id, ActionRemove)
		if err != nil {
			return Document{}, r.CaseID, err
		}
		rel, err := access.Of(ctx, tx, r.CaseID)
		if err != nil {
			return Document{}, r.CaseID, err
		}
		if !access.RequireOwningSupervisor.Allows(rel) {
			return Document{}, r.CaseID, access.Deny("only a supervisor of the owning organization may remove a document",
				ActionRemove, "case", r.CaseID.String())
		}
		if r.RemovedAt != nil {
			return Document{}, r.CaseID, apperr.Conflict("the document was removed already")
		}
		reason, err := sealer.SealString(in.Reason, casekeys.AD("documents", "removal_reason", id, r.KeyVersion))
		if err != nil {
			return Document{}, r.CaseID, err
		}
		if err := s.blobs.Destroy(ctx, tx, id); err != nil {
			return Document{}, r.CaseID, err
		}
		if err := tx.Exec(`UPDATE documents SET removed_at = now(), removed_by = ?, removal_reason_enc = ?, chunks = 0 WHERE id = ?`,
			p.UserID, reason, id).Error; err != nil {
			return Document{}, r.CaseID, err
		}
		if r, err = loadRow(tx, id); err != nil {
			return Document{}, r.CaseID, err
		}
		d, err := r.open(sealer)
		return d, r.CaseID, err
	})
}
