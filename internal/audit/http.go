package audit

import (
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the audit routes (internal/api lists them): the
// auditor's view of the trail. Reading and verifying the trail are
// themselves audited.
type Handler struct {
	db         *gorm.DB
	verifier   *Verifier
	anchorFile string
}

// NewHandler returns the handler.
func NewHandler(db *gorm.DB, v *Verifier) *Handler { return &Handler{db: db, verifier: v} }

// WithAnchorFile makes verification compare the chain with the newest head
// of the anchor file at path (none when path is empty) and returns h.
func (h *Handler) WithAnchorFile(path string) *Handler {
	h.anchorFile = path
	return h
}

// List answers a page of the trail, filtered by the query.
func (h *Handler) List(c echo.Context) error {
	var f Filter
	var v apperr.Validation
	q := c.QueryParam
	uuidParam := func(name string) *uuid.UUID {
		s := q(name)
		if s == "" {
			return nil
		}
		id, err := uuid.Parse(s)
		if err != nil {
			v.Add(name, "must be a UUID")
			return nil
		}
		return &id
	}
	timeParam := func(name string) time.Time {
		s := q(name)
		if s == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			v.Add(name, "must be an RFC 3339 time")
		}
		return t
	}
	if id := uuidParam("case_id"); id != nil {
		f.ObjectType, f.ObjectID = "case", id.String()
	}
	f.ActorID = uuidParam("actor_id")
	f.OrganizationID = uuidParam("organization_id")
	f.Action = q("action")
	if f.Action != "" && !ValidAction(f.Action) {
		v.Add("action", "must be a resource.action name")
	}
	f.From, f.To = timeParam("from"), timeParam("to")
	if s := q("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxListLimit {
			v.Add("limit", "must be an integer from 1 to 200")
		}
		f.Limit = n
	}
	f.Cursor = q("cursor")
	if err := v.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	items, next, err := List(ctx, h.db, f)
	switch {
	case errors.Is(err, ErrBadCursor):
		return apperr.Invalid("cursor", "is not a cursor this service issued")
	case errors.Is(err, ErrBadFilter):
		return apperr.Invalid("from", "must not be after to")
	case err != nil:
		return apperr.Internal(err)
	}
	if err := database.InTx(ctx, h.db, func(tx *gorm.DB) error {
		return Record(ctx, tx, ActionAuditRead, "audit", "", Success)
	}); err != nil {
		return apperr.Internal(err)
	}
	return web.OK(c, web.ListFrom(items, next))
}

// Verify checks the trail: by default from the newest valid checkpoint to
// the chain's end (checked_from, checked_to say which links), with
// ?full=true the whole chain; with an anchor file configured, also against
// the anchor's newest head.
func (h *Handler) Verify(c echo.Context) error {
	ctx := c.Request().Context()
	opts := VerifyOptions{FromLastCheckpoint: true}
	full, err := web.QueryBool(c, "full")
	if err != nil {
		return err
	}
	opts.FromLastCheckpoint = !full
	if h.anchorFile != "" {
		head, _, err := ReadAnchorFile(h.anchorFile, h.verifier)
		switch {
		case err == nil:
			opts.Anchor = &head
		case errors.Is(err, ErrNoAnchorHead), errors.Is(err, os.ErrNotExist):
			// Nothing anchored yet (a new installation).
		default:
			return apperr.Internal(err)
		}
	}
	rep, err := Verify(ctx, h.db, h.verifier, opts)
	if err != nil {
		return apperr.Internal(err)
	}
	outcome := Success
	if !rep.OK {
		outcome = Failure
	}
	if err := database.InTx(ctx, h.db, func(tx *gorm.DB) error {
		return Record(ctx, tx, ActionAuditVerify, "audit", "", outcome)
	}); err != nil {
		return apperr.Internal(err)
	}
	return web.OK(c, rep)
}
