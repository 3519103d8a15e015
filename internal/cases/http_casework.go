package cases

import (
	"context"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/web"
)

// The casework routes: assessments, flags and approvals.

// CreateAssessment records an assessment of case :id and answers 201 with
// it.
func (h *Handler) CreateAssessment(c echo.Context) error {
	return web.CreateOnID(c, h.caseID, h.svc.CreateAssessment, web.Created)
}

// ListAssessments answers the assessments of case :id (?kind= keeps one
// kind).
func (h *Handler) ListAssessments(c echo.Context) error {
	kind := c.QueryParam("kind")
	return web.OnID(c, h.caseID, func(ctx context.Context, id uuid.UUID) ([]Assessment, error) {
		return h.svc.ListAssessments(ctx, id, kind)
	}, web.Items)
}

// AssessmentDefinitions answers every version of every assessment
// definition.
func (h *Handler) AssessmentDefinitions(c echo.Context) error {
	return web.Items(c, AssessmentDefinitions)
}

// CreateFlag flags case :id and answers 201 with the flag.
func (h *Handler) CreateFlag(c echo.Context) error {
	return web.CreateOnID(c, h.caseID, h.svc.CreateFlag, web.Created)
}

// RemoveFlag removes flag :id and answers 204.
func (h *Handler) RemoveFlag(c echo.Context) error {
	return web.OnID(c, web.ID("flag"), h.svc.RemoveFlag, func(c echo.Context, _ Flag) error {
		return c.NoContent(http.StatusNoContent)
	})
}

// RequestApproval asks for a supervisor's approval in case :id and
// answers 201 with the request.
func (h *Handler) RequestApproval(c echo.Context) error {
	return web.CreateOnID(c, h.caseID, h.svc.RequestApproval, web.Created)
}

// ListApprovals answers the requests for approval of case :id.
func (h *Handler) ListApprovals(c echo.Context) error {
	return web.OnID(c, h.caseID, h.svc.ListApprovals, web.Items)
}

// Approve approves request :id and answers it.
func (h *Handler) Approve(c echo.Context) error {
	return web.WithBodyOnID(c, web.ID("approval"), h.svc.Approve, web.OK)
}

// Return returns request :id to the worker who asked and answers it.
func (h *Handler) Return(c echo.Context) error {
	return web.WithBodyOnID(c, web.ID("approval"), h.svc.Return, web.OK)
}

// followUpPatch reads a merge patch of a follow-up.
var followUpPatch = web.MergePatchRules[FollowUpInput]{
	ReadOnly: []string{"id", "case_id", "months", "assessment_id", "created_at", "updated_at"},
	Version:  func(f *FollowUpInput) *int { return f.Version },
}

// CreateFollowUp plans a follow-up of case :id and answers 201 with it and
// its ETag.
func (h *Handler) CreateFollowUp(c echo.Context) error {
	return web.CreateOnID(c, h.caseID, h.svc.CreateFollowUp, followUpCreated)
}

// ListFollowUps answers the follow-ups of case :id.
func (h *Handler) ListFollowUps(c echo.Context) error {
	return web.OnID(c, h.caseID, h.svc.ListFollowUps, web.Items)
}

// UpdateFollowUp applies a merge patch to follow-up :id and answers it
// with its ETag.
func (h *Handler) UpdateFollowUp(c echo.Context) error {
	return web.MergePatchOnID(c, web.ID("follow-up"), followUpPatch, h.svc.UpdateFollowUp, followUpOK)
}

var (
	followUpOK      = web.TaggedAs(http.StatusOK, func(f FollowUp) int { return f.Version })
	followUpCreated = web.TaggedAs(http.StatusCreated, func(f FollowUp) int { return f.Version })
)

// personPatch reads a merge patch of a linked person.
var personPatch = web.MergePatchRules[PersonInput]{
	ReadOnly: []string{"id", "case_id", "created_at", "updated_at"},
	Version:  func(p *PersonInput) *int { return p.Version },
}

var (
	personOK      = web.TaggedAs(http.StatusOK, func(p Person) int { return p.Version })
	personCreated = web.TaggedAs(http.StatusCreated, func(p Person) int { return p.Version })
)

// CreatePerson links a person to case :id and answers 201 with it.
func (h *Handler) CreatePerson(c echo.Context) error {
	return web.CreateOnID(c, h.caseID, h.svc.CreatePerson, personCreated)
}

// ListPersons answers the persons linked to case :id that the caller may
// read.
func (h *Handler) ListPersons(c echo.Context) error {
	return web.OnID(c, h.caseID, h.svc.ListPersons, web.Items)
}

// UpdatePerson applies a merge patch to person :id.
func (h *Handler) UpdatePerson(c echo.Context) error {
	return web.MergePatchOnID(c, web.ID("person"), personPatch, h.svc.UpdatePerson, personOK)
}
