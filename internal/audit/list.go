package audit

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// List page sizes.
const (
	DefaultListLimit = 50
	MaxListLimit     = 200
)

// Errors of List.
var (
	// ErrBadCursor reports a cursor List did not issue.
	ErrBadCursor = errors.New("audit: invalid cursor")
	// ErrBadFilter reports a filter List refuses: a limit outside 0..200 or
	// a From after To.
	ErrBadFilter = errors.New("audit: invalid filter")
)

// Filter selects entries for List. Zero fields do not filter.
type Filter struct {
	// ObjectType and ObjectID select one object's entries (such as "case"
	// and a case id, for `/audit?case_id=`).
	ObjectType string
	ObjectID   string
	// ActorID and OrganizationID select one actor's or one organization's
	// entries.
	ActorID        *uuid.UUID
	OrganizationID *uuid.UUID
	// Action selects one action name.
	Action string
	// From (inclusive) and To (exclusive) bound the entries' time.
	From, To time.Time
	// Limit is the page size, at most MaxListLimit (DefaultListLimit when
	// zero).
	Limit int
	// Cursor is the next_cursor of the previous page, or empty for the
	// first.
	Cursor string
}

// List returns one page of the entries matching f, newest first (by id),
// and the cursor of the next page ("" on the last page). It returns
// ErrBadCursor for a cursor it did not issue, ErrBadFilter (wrapped) for a
// limit over MaxListLimit or below zero or a From after To, or the
// database's error.
func List(ctx context.Context, db *gorm.DB, f Filter) ([]Entry, string, error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultListLimit
	case limit < 0 || limit > MaxListLimit:
		return nil, "", fmt.Errorf("%w: limit must be 1 to %d", ErrBadFilter, MaxListLimit)
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.From.After(f.To) {
		return nil, "", fmt.Errorf("%w: from is after to", ErrBadFilter)
	}
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.Cursor != "" {
		id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		add("e.id < ?", id)
	}
	if f.ObjectType != "" {
		add("e.object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("e.object_id = ?", f.ObjectID)
	}
	if f.ActorID != nil {
		add("e.actor_id = ?", f.ActorID.String())
	}
	if f.OrganizationID != nil {
		add("e.organization_id = ?", f.OrganizationID.String())
	}
	if f.Action != "" {
		add("e.action = ?", f.Action)
	}
	if !f.From.IsZero() {
		add("e.at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("e.at < ?", f.To.UTC())
	}
	q := "SELECT " + entryColumns + " FROM audit_entries e"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY e.id DESC LIMIT ?"
	args = append(args, limit+1)

	rows, err := db.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, "", fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	out := make([]Entry, 0, limit)
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, "", fmt.Errorf("audit: list: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("audit: list: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(out[limit-1].ID)
	}
	return out, next, nil
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, ErrBadCursor
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != string(b) {
		return 0, ErrBadCursor
	}
	return id, nil
}
