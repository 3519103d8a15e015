package cases

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/idempotency"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler is the HTTP face of the case service.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Register adds the case routes.
func (h *Handler) Register(r *web.Router) {
	r.Handle(http.MethodPost, "/api/v1/cases", authz.CaseCreate, h.create)
	r.Handle(http.MethodGet, "/api/v1/cases", authz.CaseList, h.list)
	r.Handle(http.MethodPost, "/api/v1/cases/search", authz.CaseSearch, h.search)
	r.Handle(http.MethodPost, "/api/v1/cases/duplicates", authz.CaseDuplicateCheck, h.duplicates)
	r.Handle(http.MethodGet, "/api/v1/cases/:id", authz.CaseRead, h.get)
	r.Handle(http.MethodPatch, "/api/v1/cases/:id", authz.CaseUpdate, h.update)
	r.Handle(http.MethodPost, "/api/v1/cases/:id/stage", authz.CaseMoveStage, h.moveStage)
	r.Handle(http.MethodGet, "/api/v1/cases/:id/stages", authz.CaseRead, h.stages)
	r.Handle(http.MethodGet, "/api/v1/cases/:id/plan", authz.PlanRead, h.getPlan)
	r.Handle(http.MethodPut, "/api/v1/cases/:id/plan", authz.PlanUpdate, h.putPlan)
	r.Handle(http.MethodGet, "/api/v1/cases/:id/access-log", authz.CaseAccessLog, h.accessLog)
	r.Handle(http.MethodPost, "/api/v1/cases/:id/assistance", authz.AssistanceCreate, h.createAssistance)
	r.Handle(http.MethodGet, "/api/v1/cases/:id/assistance", authz.AssistanceList, h.listAssistance)
	r.Handle(http.MethodPatch, "/api/v1/assistance/:id", authz.AssistanceUpdate, h.updateAssistance)
	r.Handle(http.MethodPost, "/api/v1/cases/:id/notes", authz.NoteCreate, h.addNote)
	r.Handle(http.MethodGet, "/api/v1/cases/:id/notes", authz.NoteList, h.listNotes)
}

// createOnCase binds the body of a POST on case :id into an I and calls
// create with it, the idempotency key and the body (which a retry must
// repeat). A malformed case id answers as a missing case.
func createOnCase[I, O any](h *Handler, c echo.Context,
	create func(context.Context, uuid.UUID, I, string, []byte) (O, error)) (O, error) {
	var out O
	body, err := web.ReadBody(c, false)
	if err != nil {
		return out, err
	}
	var in I
	if err := web.Decode(body, &in); err != nil {
		return out, err
	}
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return out, h.missing(c)
	}
	return create(c.Request().Context(), id, in, c.Request().Header.Get(idempotency.Header), body)
}

func (h *Handler) createAssistance(c echo.Context) error {
	a, err := createOnCase(h, c, h.svc.CreateAssistance)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", web.ETag(a.Version))
	return c.JSON(http.StatusCreated, a)
}

func (h *Handler) listAssistance(c echo.Context) error {
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return h.missing(c)
	}
	items, err := h.svc.ListAssistance(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (h *Handler) updateAssistance(c echo.Context) error {
	body, err := web.ReadBody(c, true)
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := web.Decode(body, &patch); err != nil {
		return err
	}
	for _, k := range []string{"id", "case_id", "created_at", "updated_at"} {
		if _, ok := patch[k]; ok {
			return apperr.Invalid(k, "is read-only")
		}
	}
	var partial struct {
		AssistanceInput
		Type *string `json:"type,omitempty"`
	}
	if err := web.Decode(body, &partial); err != nil {
		return err
	}
	version, err := web.ExpectedVersion(c, partial.Version)
	if err != nil {
		return err
	}
	delete(patch, "version")
	id, err := web.PathUUID(c, "id", "assistance")
	if err != nil {
		return err
	}
	a, err := h.svc.UpdateAssistance(c.Request().Context(), id, version, patch)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", web.ETag(a.Version))
	return c.JSON(http.StatusOK, a)
}

func (h *Handler) addNote(c echo.Context) error {
	n, err := createOnCase(h, c, h.svc.AddNote)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, n)
}

func (h *Handler) listNotes(c echo.Context) error {
	pg, err := web.ParsePage(c)
	if err != nil {
		return err
	}
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return h.missing(c)
	}
	l, err := h.svc.ListNotes(c.Request().Context(), id, pg)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func writeCase(c echo.Context, status int, cs Case) error {
	c.Response().Header().Set("ETag", web.ETag(cs.Version))
	return c.JSON(status, cs)
}

func (h *Handler) create(c echo.Context) error {
	body, err := web.ReadBody(c, false)
	if err != nil {
		return err
	}
	var f Fields
	if err := web.Decode(body, &f); err != nil {
		return err
	}
	if f.Version != nil {
		return apperr.Invalid("version", "is set by the service")
	}
	res, err := h.svc.Create(c.Request().Context(), f, c.Request().Header.Get(idempotency.Header), body)
	if err != nil {
		return err
	}
	return writeCase(c, http.StatusCreated, res.Case)
}

func (h *Handler) list(c echo.Context) error {
	pg, err := web.ParsePage(c)
	if err != nil {
		return err
	}
	q := c.QueryParam
	f := Filter{Code: q("code"), Stage: q("stage"), Status: q("status"), RiskLevel: q("risk_level")}
	if v := q("assigned_user_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return apperr.Invalid("assigned_user_id", "must be a UUID")
		}
		f.AssignedUserID = id
	}
	switch q("unassigned") {
	case "", "false":
	case "true":
		f.Unassigned = true
	default:
		return apperr.Invalid("unassigned", "must be true or false")
	}
	for _, d := range []struct {
		name string
		dst  **time.Time
		end  bool
	}{{"identified_from", &f.IdentifiedFrom, false}, {"identified_to", &f.IdentifiedTo, true}} {
		v := q(d.name)
		if v == "" {
			continue
		}
		t, ok := parseDate(v)
		if !ok {
			return apperr.Invalid(d.name, "must be a date written YYYY-MM-DD")
		}
		if d.end {
			t = t.AddDate(0, 0, 1)
		}
		*d.dst = &t
	}
	l, err := h.svc.List(c.Request().Context(), f, pg)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (h *Handler) get(c echo.Context) error {
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return h.missing(c)
	}
	cs, err := h.svc.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return writeCase(c, http.StatusOK, cs)
}

// missing answers a malformed id exactly like a missing case, audit entry
// included.
func (h *Handler) missing(c echo.Context) error {
	_, err := h.svc.Get(c.Request().Context(), uuid.Nil)
	return err
}

// readOnly fields answer 400 in a PATCH.
var readOnly = []string{"id", "code", "owner_organization_id", "stage", "status", "source"}

func (h *Handler) update(c echo.Context) error {
	body, err := web.ReadBody(c, true)
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := web.Decode(body, &patch); err != nil {
		return err
	}
	for _, k := range readOnly {
		if _, ok := patch[k]; ok {
			return apperr.Invalid(k, "is read-only")
		}
	}
	// The patch's own values are checked before the case is loaded.
	var partial Fields
	if err := web.Decode(body, &partial); err != nil {
		return err
	}
	if err := validate(&partial, false, time.Now()); err != nil {
		return err
	}
	version, err := web.ExpectedVersion(c, partial.Version)
	if err != nil {
		return err
	}
	delete(patch, "version")
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return h.missing(c)
	}
	cs, err := h.svc.Update(c.Request().Context(), id, version, patch)
	if err != nil {
		return err
	}
	return writeCase(c, http.StatusOK, cs)
}

func (h *Handler) moveStage(c echo.Context) error {
	var in MoveInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return h.missing(c)
	}
	cs, err := h.svc.MoveStage(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	return writeCase(c, http.StatusOK, cs)
}

func (h *Handler) stages(c echo.Context) error {
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return h.missing(c)
	}
	moves, err := h.svc.Stages(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": moves, "next_cursor": nil})
}

func (h *Handler) getPlan(c echo.Context) error {
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return h.missing(c)
	}
	p, err := h.svc.GetPlan(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", web.ETag(p.Version))
	return c.JSON(http.StatusOK, p)
}

func (h *Handler) putPlan(c echo.Context) error {
	var in PlanInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	var expected *int
	if v, err := web.ExpectedVersion(c, in.Version); err == nil {
		expected = &v
	} else if e, ok := apperr.As(err); ok && e.Kind != apperr.KindPreconditionRequired {
		return err
	}
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return h.missing(c)
	}
	p, err := h.svc.PutPlan(c.Request().Context(), id, expected, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", web.ETag(p.Version))
	return c.JSON(http.StatusOK, p)
}

func (h *Handler) accessLog(c echo.Context) error {
	limit := 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return apperr.Invalid("limit", "must be an integer from 1 to 200")
		}
		limit = n
	}
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return h.missing(c)
	}
	entries, next, err := h.svc.AccessLog(c.Request().Context(), id, limit, c.QueryParam("cursor"))
	if err != nil {
		return err
	}
	page := AccessLogPage{Items: entries}
	if next != "" {
		page.NextCursor = &next
	}
	return c.JSON(http.StatusOK, page)
}

func (h *Handler) search(c echo.Context) error {
	var in SearchInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	cs, err := h.svc.Search(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": cs, "next_cursor": nil})
}

func (h *Handler) duplicates(c echo.Context) error {
	var in SearchInput
	if err := web.Bind(c, &in); err != nil {
		return err
	}
	res, err := h.svc.Duplicates(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
