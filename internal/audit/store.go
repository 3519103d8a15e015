package audit

import (
	"database/sql"
	"fmt"
	"strconv"

	"github.com/google/uuid"
)

// entryColumns selects an audit_entries row (aliased e) in the order
// scanEntry reads it.
const entryColumns = `e.id, e.at, e.actor_id, e.organization_id, e.role, e.action, e.object_type,
	e.object_id, e.outcome, e.request_id, e.client_ip, e.user_agent, e.txid::text`

// entryRow receives the columns of entryColumns.
type entryRow struct {
	id                        int64
	at                        sql.NullTime
	actorID, orgID            *uuid.UUID
	role, action              string
	objectType, objectID      string
	outcome, requestID        string
	clientIP, userAgent, txid string
}

func (r *entryRow) dest() []any {
	return []any{&r.id, &r.at, &r.actorID, &r.orgID, &r.role, &r.action, &r.objectType,
		&r.objectID, &r.outcome, &r.requestID, &r.clientIP, &r.userAgent, &r.txid}
}

// toEntry converts a scanned row into an Entry, times in UTC.
func (r *entryRow) toEntry() (Entry, error) {
	tx, err := strconv.ParseUint(r.txid, 10, 64)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: entry %d: txid: %w", r.id, err)
	}
	return Entry{
		ID:             r.id,
		At:             r.at.Time.UTC(),
		ActorID:        r.actorID,
		OrganizationID: r.orgID,
		Role:           r.role,
		Action:         r.action,
		ObjectType:     r.objectType,
		ObjectID:       r.objectID,
		Outcome:        r.outcome,
		RequestID:      r.requestID,
		ClientIP:       r.clientIP,
		UserAgent:      r.userAgent,
		TxID:           tx,
	}, nil
}

// scanner is the part of *sql.Rows scanEntry needs.
type scanner interface{ Scan(dest ...any) error }

func scanEntry(s scanner) (Entry, error) {
	var r entryRow
	if err := s.Scan(r.dest()...); err != nil {
		return Entry{}, err
	}
	return r.toEntry()
}
