package cases

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// AccessLog returns who read or changed a case, for the owning
// organization's supervisors (access.RequireOwningSupervisor: forbidden to
// others who see the case, not found to those who do not).
func (s *Service) AccessLog(ctx context.Context, id uuid.UUID, limit int, cursor string) ([]AccessEntry, string, error) {
	var next string
	entries, err := access.Act(ctx, s.db, id, "case.access_log", access.RequireOwningSupervisor, func(tx *gorm.DB, _ reqctx.Principal, _ access.Relation) ([]AccessEntry, error) {
		list, nxt, err := audit.List(ctx, tx, audit.Filter{ObjectType: "case", ObjectID: id.String(), Limit: limit, Cursor: cursor})
		if err != nil {
			return nil, apperr.Invalid("cursor", "is not a cursor this service issued")
		}
		next = nxt
		return withActorNames(tx, list)
	})
	if err != nil {
		return nil, "", err
	}
	return entries, next, nil
}

// withActorNames adds to each entry the name of its actor's account, in
// one query.
func withActorNames(tx *gorm.DB, list []audit.Entry) ([]AccessEntry, error) {
	var ids []uuid.UUID
	for _, e := range list {
		if e.ActorID != nil {
			ids = append(ids, *e.ActorID)
		}
	}
	names := map[uuid.UUID]string{}
	if len(ids) > 0 {
		var rows []struct {
			ID   uuid.UUID
			Name string
		}
		if err := tx.Raw(`SELECT id, name FROM users WHERE id IN ?`, ids).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			names[r.ID] = r.Name
		}
	}
	out := make([]AccessEntry, len(list))
	for i, e := range list {
		out[i].Entry = e
		if e.ActorID != nil {
			if n, ok := names[*e.ActorID]; ok {
				out[i].ActorName = &n
			}
		}
	}
	return out, nil
}
