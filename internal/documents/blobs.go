package documents

import (
	"context"
	"errors"
	"hash"
	"io"
	"strconv"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/casekeys"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
)

// Blobs keeps the sealed chunks of documents. It never sees a clear byte:
// chunks arrive sealed and leave sealed. tx is the caller's transaction
// (row-level security applies); a store outside PostgreSQL, such as an
// S3-compatible object store, ignores it and keys its objects by document
// and chunk number (docs/documents.md says when one would be needed).
type Blobs interface {
	// Put stores chunk n of document doc.
	Put(ctx context.Context, tx *gorm.DB, doc uuid.UUID, n int, sealed []byte) error
	// Get returns chunk n of document doc, or ErrMissingChunk.
	Get(ctx context.Context, tx *gorm.DB, doc uuid.UUID, n int) ([]byte, error)
	// Destroy deletes every chunk of document doc.
	Destroy(ctx context.Context, tx *gorm.DB, doc uuid.UUID) error
}

// ErrMissingChunk is returned for a chunk that is not stored: a document
// removed meanwhile, or one cut short at rest.
var ErrMissingChunk = errors.New("documents: a chunk of the document is missing")

// Postgres keeps chunks in the document_chunks table, so that one backup
// holds records and contents together.
type Postgres struct{}

// Put stores chunk n of doc.
func (Postgres) Put(ctx context.Context, tx *gorm.DB, doc uuid.UUID, n int, sealed []byte) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO document_chunks (document_id, n, sealed) VALUES (?, ?, ?)`, doc, n, sealed).Error
}

// Get returns chunk n of doc, or ErrMissingChunk.
func (Postgres) Get(ctx context.Context, tx *gorm.DB, doc uuid.UUID, n int) ([]byte, error) {
	var rows [][]byte
	if err := tx.WithContext(ctx).Raw(`SELECT sealed FROM document_chunks WHERE document_id = ? AND n = ?`, doc, n).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrMissingChunk
	}
	return rows[0], nil
}

// Destroy deletes every chunk of doc.
func (Postgres) Destroy(ctx context.Context, tx *gorm.DB, doc uuid.UUID) error {
	return tx.WithContext(ctx).Exec(`DELETE FROM document_chunks WHERE document_id = ?`, doc).Error
}

// DefaultChunkSize is the clear size of every chunk but the last: large
// enough that a 20 MB file is 20 rows, small enough that a reader or writer
// holds about two chunks of memory.
const DefaultChunkSize = 1 << 20

// chunkAD is the additional data chunk n of document doc is sealed with:
// the document, the chunk's number and whether it is the last one, under
// the case key's version. A chunk moved to another document or position,
// or a document cut after any chunk (the new last one was sealed as not
// last), does not open.
func chunkAD(doc uuid.UUID, n int, last bool, keyVersion int) jcrypto.AD {
	column := "content"
	if last {
		column = "content_last"
	}
	return jcrypto.AD{Table: "document_chunks", Column: column, RowID: doc.String() + "/" + strconv.Itoa(n), KeyVersion: keyVersion}
}

// chunks names where a document's sealed chunks are and the key that
// seals them: what its writer and its reader share.
type chunks struct {
	ctx        context.Context
	tx         *gorm.DB
	blobs      Blobs
	sealer     *jcrypto.Sealer
	doc        uuid.UUID
	keyVersion int
}

// chunkWriter seals what is written to it into chunks of a document and
// stores them, keyed-hashing the clear bytes on the way. A chunk is sealed
// once the next byte arrives (or Close), so the last one is known.
type chunkWriter struct {
	chunks
	max  int64
	buf  []byte
	n    int
	size int64
	mac  hash.Hash
}

func newChunkWriter(at chunks, chunkSize int, max int64, keys *casekeys.Keyring) *chunkWriter {
	return &chunkWriter{chunks: at, max: max, buf: make([]byte, 0, chunkSize), mac: keys.Fingerprint()}
}

// Write takes p; it returns errTooLarge once more than max bytes came.
func (w *chunkWriter) Write(p []byte) (int, error) {
	if w.size+int64(len(p)) > w.max {
		return 0, errTooLarge
	}
	w.size += int64(len(p))
	w.mac.Write(p)
	written := 0
	for len(p) > 0 {
		if len(w.buf) == cap(w.buf) {
			if err := w.flush(false); err != nil {
				return written, err
			}
		}
		k := min(cap(w.buf)-len(w.buf), len(p))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		written += k
	}
	return written, nil
}

func (w *chunkWriter) flush(last bool) error {
	sealed, err := w.sealer.Seal(w.buf, chunkAD(w.doc, w.n, last, w.keyVersion))
	if err != nil {
		return err
	}
	if err := w.blobs.Put(w.ctx, w.tx, w.doc, w.n, sealed); err != nil {
		return err
	}
	clear(w.buf)
	w.buf = w.buf[:0]
	w.n++
	return nil
}

// Close seals the last chunk. An empty document has no chunk.
func (w *chunkWriter) Close() error {
	if len(w.buf) == 0 {
		return nil
	}
	return w.flush(true)
}

// fingerprint is the keyed hash of the bytes written.
func (w *chunkWriter) fingerprint() []byte { return w.mac.Sum(nil) }

// contentReader reads a stored document's clear content, opening one chunk
// at a time (the last one read is kept for the next read).
type contentReader struct {
	chunks
	chunkSize int64
	count     int
	size      int64
	cached    int
	plain     []byte
}

// chunk returns the clear bytes of chunk n.
func (r *contentReader) chunk(n int) ([]byte, error) {
	if n == r.cached && r.plain != nil {
		return r.plain, nil
	}
	sealed, err := r.blobs.Get(r.ctx, r.tx, r.doc, n)
	if err != nil {
		return nil, err
	}
	last := n == r.count-1
	plain, err := r.sealer.Open(sealed, chunkAD(r.doc, n, last, r.keyVersion))
	if err != nil {
		return nil, err
	}
	if (!last && int64(len(plain)) != r.chunkSize) || (last && int64(n)*r.chunkSize+int64(len(plain)) != r.size) {
		return nil, jcrypto.ErrDecrypt
	}
	r.cached, r.plain = n, plain
	return plain, nil
}

// ReadAt reads len(p) bytes from offset off (io.ReaderAt).
func (r *contentReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("documents: negative offset")
	}
	read := 0
	for read < len(p) {
		if off >= r.size {
			return read, io.EOF
		}
		plain, err := r.chunk(int(off / r.chunkSize))
		if err != nil {
			return read, err
		}
		k := copy(p[read:], plain[off%r.chunkSize:])
		read += k
		off += int64(k)
	}
	return read, nil
}

// WriteTo writes the whole content to w, chunk by chunk.
func (r *contentReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for n := range r.count {
		plain, err := r.chunk(n)
		if err != nil {
			return total, err
		}
		k, err := w.Write(plain)
		total += int64(k)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
