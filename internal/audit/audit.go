// Package audit owns Jardam's append-only, tamper-evident audit trail: it
// records who did what to which object (inside the caller's transaction),
// chains committed entries into a hash chain with a single linker across
// replicas, pins the head of the chain with checkpoints signed by a key the
// database never holds, lists entries for auditors and supervisors, and
// verifies the chain. The trail never holds case data: objects are named by
// type and id only.
package audit

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Outcomes of an audited action, as stored in audit_entries.outcome.
const (
	// Success: the action was carried out.
	Success = "success"
	// Denied: the caller may not do this (authentication or authorization
	// refused it).
	Denied = "denied"
	// NotFound: the object does not exist or is not visible to the caller;
	// both cases write the same outcome so that neither can be told apart.
	NotFound = "not_found"
	// Failure: the action was attempted and failed (bad credentials,
	// invalid input, a conflict).
	Failure = "failure"
)

// Action names are `resource.action` strings, the same names the
// authorization policy uses. These are the ones the audit package itself and
// the authentication layer rely on; domain packages may record others of the
// same shape (see ValidAction).
const (
	ActionLogin          = "auth.login"
	ActionLoginFailed    = "auth.login_failed"
	ActionLogout         = "auth.logout"
	ActionRefresh        = "auth.refresh"
	ActionPasswordChange = "auth.password_change"
	ActionDenied         = "authz.denied"
	ActionUserCreate     = "user.create"
	ActionUserUpdate     = "user.update"
	ActionCaseCreate     = "case.create"
	ActionCaseRead       = "case.read"
	ActionCaseUpdate     = "case.update"
	ActionCaseList       = "case.list"
	ActionCaseSearch     = "case.search"
	ActionDuplicateCheck = "case.duplicate_check"
	ActionExport         = "export.create"
	ActionAuditRead      = "audit.read"
	ActionAuditVerify    = "audit.verify"
)

// Limits on the request metadata kept with an entry. Longer values are cut.
const (
	MaxUserAgent = 256
	MaxRequestID = 128
	MaxClientIP  = 64
	MaxObject    = 128
)

// ErrInvalidEntry reports an entry the trail refuses: an action that is not
// `resource.action`, an unknown outcome, or an over-long object type or id.
var ErrInvalidEntry = errors.New("audit: invalid entry")

var actionPattern = regexp.MustCompile(`^[a-z_]+\.[a-z_]+$`)

// ValidAction reports whether action has the `resource.action` shape the
// trail accepts (lower-case letters and underscores on both sides).
func ValidAction(action string) bool {
	return actionPattern.MatchString(action)
}

// ValidOutcome reports whether outcome is one of Success, Denied, NotFound
// and Failure.
func ValidOutcome(outcome string) bool {
	switch outcome {
	case Success, Denied, NotFound, Failure:
		return true
	}
	return false
}

// Entry is one audit record. ID, At and TxID are assigned by the database
// when the entry is inserted (At is the insertion time, TxID the inserting
// transaction's id); RecordEntry ignores them. ActorID and OrganizationID are
// nil when nobody is signed in (a failed sign-in, an anonymous request).
type Entry struct {
	ID             int64      `json:"id"`
	At             time.Time  `json:"at"`
	ActorID        *uuid.UUID `json:"actor_id"`
	OrganizationID *uuid.UUID `json:"organization_id"`
	Role           string     `json:"role"`
	Action         string     `json:"action"`
	ObjectType     string     `json:"object_type"`
	ObjectID       string     `json:"object_id"`
	Outcome        string     `json:"outcome"`
	RequestID      string     `json:"request_id"`
	ClientIP       string     `json:"client_ip"`
	UserAgent      string     `json:"user_agent"`
	TxID           uint64     `json:"-"`
}

// Record writes one entry for the signed-in caller of ctx (actor,
// organization and role from reqctx.PrincipalFrom; none for an anonymous
// request) with the request id, client address and user agent of
// reqctx.MetaFrom (the user agent cut to MaxUserAgent characters). It
// inserts through tx, so the entry commits or rolls back with the caller's
// transaction. objectType and objectID name the object (such as "case" and
// its id); they must never carry case content. It returns ErrInvalidEntry
// (wrapped) for a malformed action or outcome, or the database's error.
func Record(ctx context.Context, tx *gorm.DB, action, objectType, objectID, outcome string) error {
	return RecordEntry(ctx, tx, entryFor(ctx, action, objectType, objectID, outcome))
}

// entryFor is the entry of an action by the signed-in caller of ctx.
func entryFor(ctx context.Context, action, objectType, objectID, outcome string) Entry {
	e := Entry{Action: action, ObjectType: objectType, ObjectID: objectID, Outcome: outcome}
	if p, ok := reqctx.PrincipalFrom(ctx); ok {
		e.ActorID = nonNil(p.UserID)
		e.OrganizationID = nonNil(p.OrganizationID)
		e.Role = p.Role
	}
	return e
}

// RecordEntry writes e through tx, for callers that name the actor
// themselves (a failed sign-in has no principal: ActorID nil). Empty
// RequestID, ClientIP and UserAgent are filled from reqctx.MetaFrom(ctx);
// ID, At and TxID are ignored and set by the database. Text is cleaned of
// invalid UTF-8 and NUL bytes, and request metadata is cut to its limits. It
// returns ErrInvalidEntry (wrapped) for a malformed action, outcome or
// object, or the database's error.
func RecordEntry(ctx context.Context, tx *gorm.DB, e Entry) error {
	if tx == nil {
		return errors.New("audit: record without a database handle")
	}
	e, err := prepare(ctx, e)
	if err != nil {
		return err
	}
	err = tx.WithContext(ctx).Exec(`INSERT INTO audit_entries
		(actor_id, organization_id, role, action, object_type, object_id, outcome, request_id, client_ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		uuidArg(e.ActorID), uuidArg(e.OrganizationID), e.Role, e.Action, e.ObjectType, e.ObjectID,
		e.Outcome, e.RequestID, e.ClientIP, e.UserAgent).Error
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// RecordMany writes, in one INSERT statement through tx, one entry per
// object id for the signed-in caller of ctx, as Record would one by one
// (a list's cases: one entry each, so that each case's access log shows
// the read). Entries are inserted in the order of objectIDs. With no ids
// it writes nothing. It returns ErrInvalidEntry (wrapped) for a malformed
// action, outcome or object, or the database's error.
func RecordMany(ctx context.Context, tx *gorm.DB, action, objectType string, objectIDs []string, outcome string) error {
	if tx == nil {
		return errors.New("audit: record without a database handle")
	}
	if len(objectIDs) == 0 {
		return nil
	}
	e := Entry{Action: action, ObjectType: objectType, Outcome: outcome}
	if p, ok := reqctx.PrincipalFrom(ctx); ok {
		e.ActorID, e.OrganizationID, e.Role = nonNil(p.UserID), nonNil(p.OrganizationID), p.Role
	}
	e, err := prepare(ctx, e)
	if err != nil {
		return err
	}
	ids := make(database.Array[string], len(objectIDs))
	for i, id := range objectIDs {
		if ids[i] = clean(id, 0); utf8.RuneCountInString(ids[i]) > MaxObject {
			return fmt.Errorf("%w: object id longer than %d characters", ErrInvalidEntry, MaxObject)
		}
	}
	err = tx.WithContext(ctx).Exec(`INSERT INTO audit_entries
		(actor_id, organization_id, role, action, object_type, object_id, outcome, request_id, client_ip, user_agent)
		SELECT ?, ?, ?, ?, ?, o.id, ?, ?, ?, ? FROM unnest(CAST(? AS text[])) WITH ORDINALITY AS o(id, n) ORDER BY o.n`,
		uuidArg(e.ActorID), uuidArg(e.OrganizationID), e.Role, e.Action, e.ObjectType,
		e.Outcome, e.RequestID, e.ClientIP, e.UserAgent, ids).Error
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// prepare fills e's request metadata from ctx, checks its action, outcome
// and object, and cleans and cuts its text (see RecordEntry).
func prepare(ctx context.Context, e Entry) (Entry, error) {
	m := reqctx.MetaFrom(ctx)
	if e.RequestID == "" {
		e.RequestID = m.RequestID
	}
	if e.ClientIP == "" {
		e.ClientIP = m.ClientIP
	}
	if e.UserAgent == "" {
		e.UserAgent = m.UserAgent
	}
	if !ValidAction(e.Action) {
		return e, fmt.Errorf("%w: action must be resource.action", ErrInvalidEntry)
	}
	if !ValidOutcome(e.Outcome) {
		return e, fmt.Errorf("%w: unknown outcome", ErrInvalidEntry)
	}
	e.ObjectType = clean(e.ObjectType, 0)
	e.ObjectID = clean(e.ObjectID, 0)
	if utf8.RuneCountInString(e.ObjectType) > MaxObject || utf8.RuneCountInString(e.ObjectID) > MaxObject {
		return e, fmt.Errorf("%w: object type or id longer than %d characters", ErrInvalidEntry, MaxObject)
	}
	e.Role = clean(e.Role, MaxObject)
	e.RequestID = clean(e.RequestID, MaxRequestID)
	e.ClientIP = clean(e.ClientIP, MaxClientIP)
	e.UserAgent = clean(e.UserAgent, MaxUserAgent)
	return e, nil
}

// clean makes s storable as PostgreSQL text (valid UTF-8, no NUL) and, when
// max > 0, cuts it to max characters.
func clean(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if max > 0 && len(s) > max {
		n := 0
		for i := range s {
			if n == max {
				return s[:i]
			}
			n++
		}
	}
	return s
}

func nonNil(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

func uuidArg(id *uuid.UUID) any {
	if id == nil {
		return nil
	}
	return id.String()
}

// InsertSQL returns a statement that writes one entry by the signed-in
// caller of ctx, as Record would, for the statements sent through pgx on
// the hot paths (a pipelined batch, or a data-modifying common table
// expression): outcome is an SQL expression (such as one that says success
// or not_found from what the same statement read, or a quoted outcome), and
// the entry's values are the parameters $first, $first+1, ... returned
// with it. It returns ErrInvalidEntry (wrapped) as Record does.
func InsertSQL(ctx context.Context, action, objectType, objectID, outcome string, first int) (string, []any, error) {
	e, err := prepare(ctx, entryFor(ctx, action, objectType, objectID, Success))
	if err != nil {
		return "", nil, err
	}
	ph := func(i int) string { return fmt.Sprintf("$%d", first+i) }
	sql := `INSERT INTO audit_entries
		(actor_id, organization_id, role, action, object_type, object_id, outcome, request_id, client_ip, user_agent)
		SELECT ` + ph(0) + `::uuid, ` + ph(1) + `::uuid, ` + ph(2) + `, ` + ph(3) + `, ` + ph(4) + `, ` + ph(5) + `, ` +
		outcome + `, ` + ph(6) + `, ` + ph(7) + `, ` + ph(8)
	return sql, []any{uuidArg(e.ActorID), uuidArg(e.OrganizationID), e.Role, e.Action, e.ObjectType, e.ObjectID,
		e.RequestID, e.ClientIP, e.UserAgent}, nil
}
