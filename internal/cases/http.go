package cases

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the case routes (internal/api lists them). A malformed
// case id answers exactly like a missing case, audit entry included.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// caseID reads the id of the case a route acts on. A malformed id answers
// as a missing case does: the same 404 and the same audit entry.
func (h *Handler) caseID(c echo.Context) (uuid.UUID, error) {
	id, err := web.PathUUID(c, "id", "case")
	if err != nil {
		_, err = h.svc.Get(c.Request().Context(), uuid.Nil)
	}
	return id, err
}

// Answers carrying the object's version as the ETag.
var (
	caseOK            = web.TaggedAs(http.StatusOK, func(cs Case) int { return cs.Version })
	planOK            = web.TaggedAs(http.StatusOK, func(p Plan) int { return p.Version })
	assistanceOK      = web.TaggedAs(http.StatusOK, func(a Assistance) int { return a.Version })
	assistanceCreated = web.TaggedAs(http.StatusCreated, func(a Assistance) int { return a.Version })
)

// Create opens a case and answers 201 with it and its ETag.
func (h *Handler) Create(c echo.Context) error {
	var f Fields
	key, body, err := web.IdempotentBody(c, &f)
	if err != nil {
		return err
	}
	if f.Version != nil {
		return apperr.Invalid("version", "is set by the service")
	}
	res, err := h.svc.Create(c.Request().Context(), f, key, body)
	if err != nil {
		return err
	}
	return web.Tagged(c, http.StatusCreated, res.Case.Version, res.Case)
}

// List answers a page of the cases the caller sees, filtered by the query.
func (h *Handler) List(c echo.Context) error { return web.Paged(c, listFilter, h.svc.List) }

func listFilter(c echo.Context) (Filter, error) {
	q := c.QueryParam
	f := Filter{Code: q("code"), Stage: q("stage"), Status: q("status"), RiskLevel: q("risk_level"), Sort: q("sort")}
	var err error
	if f.AssignedUserID, err = web.QueryUUID(c, "assigned_user_id"); err != nil {
		return f, err
	}
	if f.Unassigned, err = web.QueryBool(c, "unassigned"); err != nil {
		return f, err
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
			return f, apperr.Invalid(d.name, "must be a date written YYYY-MM-DD")
		}
		if d.end {
			t = t.AddDate(0, 0, 1)
		}
		*d.dst = &t
	}
	return f, nil
}

// Search answers the cases matching a person's identity.
func (h *Handler) Search(c echo.Context) error { return web.WithBody(c, h.svc.Search, web.Items) }

// Duplicates answers whether a person may already have a case.
func (h *Handler) Duplicates(c echo.Context) error {
	return web.WithBody(c, h.svc.Duplicates, web.OK)
}

// Get answers case :id with its ETag.
func (h *Handler) Get(c echo.Context) error { return web.OnID(c, h.caseID, h.svc.Get, caseOK) }

// casePatch reads a merge patch of a case: the patch's own values are
// checked before the case is loaded.
var casePatch = web.MergePatchRules[Fields]{
	ReadOnly: []string{"id", "code", "owner_organization_id", "stage", "status", "source"},
	Version:  func(f *Fields) *int { return f.Version },
	Check:    func(f *Fields) error { return validate(f, false, time.Now()) },
}

// Update applies a merge patch to case :id and answers it with its ETag.
func (h *Handler) Update(c echo.Context) error {
	return web.MergePatchOnID(c, h.caseID, casePatch, h.svc.Update, caseOK)
}

// MoveStage moves case :id to another stage and answers it with its ETag.
func (h *Handler) MoveStage(c echo.Context) error {
	return web.WithBodyOnID(c, h.caseID, h.svc.MoveStage, caseOK)
}

// Stages answers the stage moves of case :id.
func (h *Handler) Stages(c echo.Context) error { return web.OnID(c, h.caseID, h.svc.Stages, web.Items) }

// GetPlan answers the plan of case :id with its ETag.
func (h *Handler) GetPlan(c echo.Context) error { return web.OnID(c, h.caseID, h.svc.GetPlan, planOK) }

// PutPlan writes the plan of case :id and answers it with its ETag. The
// first plan of a case needs no version; a later one does.
func (h *Handler) PutPlan(c echo.Context) error {
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
	id, err := h.caseID(c)
	if err != nil {
		return err
	}
	p, err := h.svc.PutPlan(c.Request().Context(), id, expected, in)
	if err != nil {
		return err
	}
	return planOK(c, p)
}

// AccessLog answers a page of who accessed case :id.
func (h *Handler) AccessLog(c echo.Context) error {
	limit, err := web.QueryLimit(c)
	if err != nil {
		return err
	}
	id, err := h.caseID(c)
	if err != nil {
		return err
	}
	entries, next, err := h.svc.AccessLog(c.Request().Context(), id, limit, c.QueryParam("cursor"))
	if err != nil {
		return err
	}
	return web.OK(c, web.ListFrom(entries, next))
}

// CreateAssistance records assistance given in case :id and answers 201
// with it and its ETag.
func (h *Handler) CreateAssistance(c echo.Context) error {
	return web.CreateOnID(c, h.caseID, h.svc.CreateAssistance, assistanceCreated)
}

// ListAssistance answers the assistance records of case :id.
func (h *Handler) ListAssistance(c echo.Context) error {
	return web.OnID(c, h.caseID, h.svc.ListAssistance, web.Items)
}

// assistanceFields are the fields a patch of an assistance record may name.
type assistanceFields struct {
	AssistanceInput
	Type *string `json:"type,omitempty"`
}

// assistancePatch reads a merge patch of an assistance record.
var assistancePatch = web.MergePatchRules[assistanceFields]{
	ReadOnly: []string{"id", "case_id", "created_at", "updated_at"},
	Version:  func(f *assistanceFields) *int { return f.Version },
}

// UpdateAssistance applies a merge patch to assistance record :id and
// answers it with its ETag.
func (h *Handler) UpdateAssistance(c echo.Context) error {
	return web.MergePatchOnID(c, web.ID("assistance"), assistancePatch, h.svc.UpdateAssistance, assistanceOK)
}

// AddNote adds a note to case :id and answers 201 with it.
func (h *Handler) AddNote(c echo.Context) error {
	return web.CreateOnID(c, h.caseID, h.svc.AddNote, web.Created)
}

// ListNotes answers a page of the notes of case :id.
func (h *Handler) ListNotes(c echo.Context) error { return web.Paged(c, h.caseID, h.svc.ListNotes) }
