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
