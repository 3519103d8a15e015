package reports

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/idempotency"
	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/stats"
)

// Settings tune the report service.
type Settings struct {
	// K is the suppression threshold (stats.DefaultK when zero; below
	// stats.MinK is refused).
	K int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Service holds the report rules and owns their transactions.
type Service struct {
	db  *gorm.DB
	k   int
	now func() time.Time
	log *slog.Logger
	// Releases gives the statistical release of a year; nil: the
	// statistics service over the same database.
	Releases Releases
	// Replica, when set, is the standby from which coordinators' views of
	// ended half-years are read.
	Replica *database.Replica
	// Spool, when set, keeps the audit entries of reads answered while
	// the primary is away.
	Spool *audit.Spool
}

// Releases gives the statistical release of a year (package stats).
type Releases interface {
	Release(ctx context.Context, year int) (*stats.Release, error)
}

// release returns the statistical release holding the half-year h, for
// the figures of a coordinator's view; nil while h has not ended (no
// coordinator sees it then).
func (s *Service) release(ctx context.Context, h HalfYear) (*stats.Release, error) {
	if !h.Ended(s.now()) || h.To.After(time.Now()) {
		return nil, nil
	}
	return s.yearRelease(ctx, h.Year)
}

// yearRelease returns the statistical release of year.
func (s *Service) yearRelease(ctx context.Context, year int) (*stats.Release, error) {
	src := s.Releases
	if src == nil {
		src = stats.NewService(s.db, stats.Settings{K: s.k}, s.log)
	}
	return src.Release(ctx, year)
}

// NewService returns the report service. It panics when set.K is set below
// stats.MinK (configuration loading refuses it first).
func NewService(db *gorm.DB, set Settings, log *slog.Logger) *Service {
	if err := (stats.Settings{K: set.K}).Validate(); err != nil {
		panic(err)
	}
	if set.K == 0 {
		set.K = stats.DefaultK
	}
	if set.Now == nil {
		set.Now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: db, k: set.K, now: set.Now, log: log}
}

// K returns the suppression threshold.
func (s *Service) K() int { return s.k }

// target is the report a caller asks for.
type target struct {
	orgID uuid.UUID
	kind  string
	// exact: the caller belongs to the organization that recorded the
	// figures and sees them unsuppressed.
	exact bool
	// release is the statistical release of the half-year's year, for a
	// view that is not exact.
	release *stats.Release
}

// resolve decides which report the caller p asks for with organizationID
// (empty: the default), for the half-year h at now. Supervisors (a
// hotline's too) get their own body's report (another organization answers not found); coordinators
// the summary without organizationID, a body's report with it, and for
// ended half-years only (invalid naming `half` otherwise). Other roles are
// forbidden.
func resolve(p reqctx.Principal, organizationID string, h HalfYear, now time.Time) (target, error) {
	var other uuid.UUID
	if organizationID != "" {
		id, err := uuid.Parse(organizationID)
		if err != nil {
			return target{}, apperr.Invalid("organization_id", "must be a UUID")
		}
		other = id
	}
	switch p.Role {
	case authz.RoleSupervisor, authz.RoleHotlineSupervisor:
		if other != uuid.Nil && other != p.OrganizationID {
			return target{}, apperr.NotFound("report")
		}
		return target{orgID: p.OrganizationID, kind: KindBody, exact: true}, nil
	case authz.RoleCoordinator:
		if !h.Ended(now) {
			return target{}, apperr.Invalid("half", "coordinators see half-years that have ended only")
		}
		if other == uuid.Nil {
			return target{orgID: p.OrganizationID, kind: KindSummary}, nil
		}
		return target{orgID: other, kind: KindBody}, nil
	}
	return target{}, apperr.Forbidden("reports are for supervisors and coordinators")
}

// Report returns the half-year report year/half for the caller (see
// resolve for which one) and records the read (report.read) in the audit
// trail. It answers invalid errors naming `year`, `half` or
// `organization_id`, not found for a body listed for no measure of the
// half-year's program (or another organization's report asked by a
// supervisor).
func (s *Service) Report(ctx context.Context, year, half, organizationID string) (Report, error) {
	return s.report(ctx, year, half, organizationID, ActionRead)
}

func (s *Service) report(ctx context.Context, year, half, organizationID, action string) (Report, error) {
	now := s.now()
	h, err := ParseHalfYear(year, half, now)
	if err != nil {
		return Report{}, err
	}
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok {
		return Report{}, apperr.Unauthorized("sign in first")
	}
	t, err := resolve(p, organizationID, h, now)
	if err != nil {
		return Report{}, err
	}
	if !t.exact {
		// Fetched (perhaps computed) before the caller's transaction, so
		// that no transaction waits on it.
		if t.release, err = s.release(ctx, h); err != nil {
			return Report{}, err
		}
	}
	if !t.exact {
		return s.releasedReport(ctx, p, h, t, now, action)
	}
	var out Report
	err = database.InCallerTx(ctx, s.db, func(tx *gorm.DB, _ reqctx.Principal) error {
		out, err = s.build(tx, h, t, now)
		if err != nil {
			if errors.Is(err, apperr.ErrNotFound) {
				if aerr := audit.Record(ctx, tx, action, "half_year_report", h.Name(), audit.NotFound); aerr != nil {
					return aerr
				}
			}
			return err
		}
		return audit.Record(ctx, tx, action, "half_year_report", h.Name()+":"+out.OrganizationCode+":"+out.Kind, audit.Success)
	})
	return out, apperr.Wrap(err)
}

// releasedReport builds a coordinator's view of the ended half-year h
// (figures from the stored release) in a read-only transaction on the
// standby when there is one, and records the read on the primary or,
// while it is away, in the spool (audit.RecordDurably).
func (s *Service) releasedReport(ctx context.Context, p reqctx.Principal, h HalfYear, t target, now time.Time, action string) (Report, error) {
	var out Report
	err := database.ReadTx(ctx, s.Replica, s.db, func(tx *gorm.DB) error {
		if err := database.Scope(tx, p.OrganizationID, p.UserID); err != nil {
			return err
		}
		var err error
		out, err = s.build(tx, h, t, now)
		return err
	})
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		if aerr := audit.RecordDurably(ctx, s.db, s.Spool, action, "half_year_report", h.Name(), audit.NotFound); aerr != nil {
			err = aerr
		}
	case err == nil:
		err = audit.RecordDurably(ctx, s.db, s.Spool, action, "half_year_report", h.Name()+":"+out.OrganizationCode+":"+out.Kind, audit.Success)
	}
	if err != nil {
		return Report{}, apperr.Wrap(err)
	}
	return out, nil
}

// scope is what build reads about the organization and half-year of a
// report.
type scope struct {
	org     org
	byID    map[uuid.UUID]org
	program string
	all     []measureRow
	ms      []measureRow
}

// loadScope finds the organization, program and measures of the report t
// of h; not found when the organization is missing, no program covers h
// or the body is listed for none of its measures.
func loadScope(tx *gorm.DB, h HalfYear, t target) (scope, error) {
	byID, _, err := loadOrgs(tx)
	if err != nil {
		return scope{}, err
	}
	o, ok := byID[t.orgID]
	if !ok {
		return scope{}, apperr.NotFound("report")
	}
	program, ok, err := programFor(tx, h)
	if err != nil {
		return scope{}, err
	}
	if !ok {
		return scope{}, apperr.NotFound("report")
	}
	all, err := loadMeasures(tx, program)
	if err != nil {
		return scope{}, err
	}
	sc := scope{org: o, byID: byID, program: program, all: all}
	for _, m := range all {
		if t.kind == KindSummary || hasBody(m, o.Code) {
			sc.ms = append(sc.ms, m)
		}
	}
	if len(sc.ms) == 0 {
		return scope{}, apperr.NotFound("report")
	}
	return sc, nil
}

// build assembles the report t of h inside tx: the exact figures of the
// caller's own body, or the figures of the year's release.
func (s *Service) build(tx *gorm.DB, h HalfYear, t target, now time.Time) (Report, error) {
	sc, err := loadScope(tx, h, t)
	if err != nil {
		return Report{}, err
	}
	var figs map[figureKey]map[string]float64
	if t.exact {
		codes := make([]string, len(sc.ms))
		for i, m := range sc.ms {
			codes[i] = m.Code
		}
		if figs, err = loadFigures(tx, t.orgID, h, codes); err != nil {
			return Report{}, err
		}
	}
	planned, err := plannedByMeasure(tx, sc.program, h.Year)
	if err != nil {
		return Report{}, err
	}
	narratives, err := loadNarratives(tx, t.orgID, h, t.kind)
	if err != nil {
		return Report{}, err
	}
	states, err := loadStates(tx, h)
	if err != nil {
		return Report{}, err
	}
	o := sc.org
	r := Report{Year: h.Year, Half: h.Half, Period: h.Name(), Kind: t.kind, Program: sc.program, OrganizationID: o.ID,
		OrganizationCode: o.Code, Organization: measures.Title{RU: o.NameRu, KY: o.NameKy, EN: o.NameEn},
		Status: StatusDraft, Deadline: h.Deadline(t.kind).Format("2006-01-02"), Ended: h.Ended(now), K: s.k,
		FiguresSuppressed: !t.exact, Measures: []MeasureReport{}}
	for _, st := range states {
		if st.OrganizationID == t.orgID && st.Kind == t.kind {
			r.Status, r.SubmittedAt, r.SubmittedBy = st.Status, utc(st.SubmittedAt), st.SubmittedBy
		}
	}
	r.Late = h.Late(t.kind, r.SubmittedAt, now)
	for _, m := range sc.ms {
		var cells map[string]cell
		if t.exact {
			cells = exactCells(figs[figureKey{Org: t.orgID, Code: m.Code}])
		} else {
			cells = releasedCells(t.release, h, t.kind, o.Code, m.Code)
		}
		mr := measureReport(m, cells, planned[m.Code], reportsContacts(sc, t.kind, m))
		if n, ok := narratives[m.Code]; ok {
			text := n.Text
			mr.Narrative = &text
		}
		r.Measures = append(r.Measures, mr)
	}
	if t.kind == KindSummary {
		r.Bodies = bodyStates(sc.byID, sc.all, states, h, now)
	}
	return r, nil
}

// reportsContacts reports whether the report of kind in scope sc lists
// the hotline figures under measure m: a hotline's own report, or the
// summary of a measure that lists a hotline.
func reportsContacts(sc scope, kind string, m measureRow) bool {
	if kind != KindSummary {
		return sc.org.hotline()
	}
	for _, o := range sc.byID {
		if o.hotline() && hasBody(m, o.Code) {
			return true
		}
	}
	return false
}

// measureReport lists the figures of measure m (the hotline figures when
// contacts) and its spending beside the amount planned.
func measureReport(m measureRow, cells map[string]cell, planned float64, contacts bool) MeasureReport {
	mr := MeasureReport{Code: m.Code, Direction: m.Direction, Title: measures.Title{RU: m.TitleRu, KY: m.TitleKy, EN: m.TitleEn}}
	for _, d := range figureDefs {
		if d.contacts && !contacts {
			continue
		}
		c := cells[d.name]
		mr.Figures = append(mr.Figures, Figure{Name: d.name, Unit: d.unit, Suppressed: c.suppressed, Value: c.released()})
	}
	sp := cells[FigureSpendingKGS]
	mr.Budget = MeasureBudget{PlannedKGS: planned, ActualSuppressed: sp.suppressed, ActualKGS: sp.released()}
	return mr
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// bodyStates lists every existing organization listed for a measure of the
// program, by code, with its report's state.
func bodyStates(byID map[uuid.UUID]org, ms []measureRow, states []state, h HalfYear, now time.Time) []BodyState {
	seen := map[string]bool{}
	var codes []string
	for _, m := range ms {
		for _, b := range m.Bodies {
			if !seen[b] {
				seen[b] = true
				codes = append(codes, b)
			}
		}
	}
	byCode := map[string]org{}
	for _, o := range byID {
		byCode[o.Code] = o
	}
	slices.Sort(codes)
	out := []BodyState{}
	for _, c := range codes {
		o, ok := byCode[c]
		if !ok {
			continue
		}
		b := BodyState{OrganizationID: o.ID, Code: o.Code, Status: StatusDraft}
		for _, st := range states {
			if st.OrganizationID == o.ID && st.Kind == KindBody {
				b.Status, b.SubmittedAt = st.Status, utc(st.SubmittedAt)
			}
		}
		b.Late = h.Late(KindBody, b.SubmittedAt, now)
		out = append(out, b)
	}
	return out
}

// writeTarget decides which report the caller writes: a supervisor (a
// hotline's too) its body's (a half-year that has begun), a coordinator its organization's
// summary (a half-year that has ended, else invalid naming `half`).
func writeTarget(p reqctx.Principal, h HalfYear, now time.Time) (target, error) {
	switch p.Role {
	case authz.RoleSupervisor, authz.RoleHotlineSupervisor:
		return target{orgID: p.OrganizationID, kind: KindBody, exact: true}, nil
	case authz.RoleCoordinator:
		if !h.Ended(now) {
			return target{}, apperr.Invalid("half", "the summary is written for half-years that have ended")
		}
		return target{orgID: p.OrganizationID, kind: KindSummary}, nil
	}
	return target{}, apperr.Forbidden("reports are written by supervisors and coordinators")
}

// reportMeasures returns the codes of the measures the report t of h
// covers; not found when none.
func reportMeasures(tx *gorm.DB, h HalfYear, t target) (map[string]bool, error) {
	sc, err := loadScope(tx, h, t)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, m := range sc.ms {
		out[m.Code] = true
	}
	return out, nil
}

// writable returns the report the caller p writes for h (writeTarget),
// the codes of its measures (reportMeasures) and its row, locked until tx
// ends (lockReport).
func writable(tx *gorm.DB, p reqctx.Principal, h HalfYear, now time.Time) (target, map[string]bool, reportRow, error) {
	t, err := writeTarget(p, h, now)
	if err != nil {
		return target{}, nil, reportRow{}, err
	}
	codes, err := reportMeasures(tx, h, t)
	if err != nil {
		return target{}, nil, reportRow{}, err
	}
	row, err := lockReport(tx, t.orgID, h, t.kind)
	return t, codes, row, err
}

// PutNarrative sets the narrative of measureCode in the caller's report of
// year/half (a supervisor's body report, a coordinator's summary) and
// records the write (report.write). It answers invalid errors naming
// `year`, `half` or `text` (missing, over MaxNarrative characters, not
// UTF-8 text), not found for a measure the report does not cover (or a body
// listed for no measure), and a conflict once the report is submitted.
func (s *Service) PutNarrative(ctx context.Context, year, half, measureCode string, in NarrativeInput) (Narrative, error) {
	now := s.now()
	h, err := ParseHalfYear(year, half, now)
	if err != nil {
		return Narrative{}, err
	}
	var v apperr.Validation
	switch {
	case in.Text == nil:
		v.Add("text", "is required")
	case !apperr.IsText(*in.Text):
		v.Add("text", "must be text")
	case !apperr.IsTextWithin(*in.Text, MaxNarrative):
		v.Add("text", fmt.Sprintf("must be at most %d characters", MaxNarrative))
	}
	if err := v.Err(); err != nil {
		return Narrative{}, err
	}
	var out Narrative
	err = database.InCallerTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		_, codes, row, err := writable(tx, p, h, now)
		if err != nil {
			return err
		}
		if !measures.IsCode(measureCode) || !codes[measureCode] {
			return apperr.NotFound("measure")
		}
		if row.Status == StatusSubmitted {
			return apperr.Conflict("the report has been submitted")
		}
		var n struct {
			UpdatedAt time.Time
		}
		if err := tx.Raw(`INSERT INTO half_year_report_narratives (report_id, measure_code, text, updated_by)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (report_id, measure_code) DO UPDATE SET text = EXCLUDED.text, updated_by = EXCLUDED.updated_by,
				updated_at = clock_timestamp()
			RETURNING updated_at`, row.ID, measureCode, *in.Text, p.UserID).Scan(&n).Error; err != nil {
			return err
		}
		out = Narrative{MeasureCode: measureCode, Text: *in.Text, UpdatedAt: n.UpdatedAt.UTC(), UpdatedBy: p.UserID}
		return audit.Record(ctx, tx, ActionWrite, "half_year_report", h.Name()+":"+measureCode, audit.Success)
	})
	return out, apperr.Wrap(err)
}

const submitRoute = "POST /api/v1/reports/half-year/{year}/{half}/submit"

// Submit submits the caller's report of year/half (a supervisor's body
// report, a coordinator's summary), records it (report.submit) and returns
// the report as the caller sees it. With an idempotency key, a retry with
// the same key and body returns the report again; the same key with
// another request answers a conflict naming the header. It answers invalid
// errors naming `year` or `half`, not found for a body listed for no
// measure, and a conflict when the report is already submitted or the
// half-year has not ended.
func (s *Service) Submit(ctx context.Context, year, half, idemKey string, body []byte) (Report, error) {
	now := s.now()
	h, err := ParseHalfYear(year, half, now)
	if err != nil {
		return Report{}, err
	}
	if idemKey != "" {
		if err := idempotency.Check(idemKey); err != nil {
			return Report{}, err
		}
	}
	var out Report
	err = database.InCallerTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		t, _, row, err := writable(tx, p, h, now)
		if err != nil {
			return err
		}
		replay := false
		if idemKey != "" {
			sum := sha256.Sum256([]byte(submitRoute + "\x00" + h.Name() + "\x00" + string(body)))
			prev, err := idempotency.Claim(tx, p.UserID, submitRoute, idemKey, sum[:], row.ID)
			if err != nil {
				return err
			}
			replay = prev != uuid.Nil
			if replay && prev != row.ID {
				return apperr.Conflict("this Idempotency-Key was used with another request", idempotency.Header)
			}
		}
		if !replay {
			if row.Status == StatusSubmitted {
				return apperr.Conflict("the report has already been submitted")
			}
			if !h.Ended(now) {
				return apperr.Conflict("a report is submitted once its half-year has ended", "half")
			}
			if err := tx.Exec(`UPDATE half_year_reports SET status = 'submitted', submitted_at = ?, submitted_by = ? WHERE id = ?`,
				now.UTC(), p.UserID, row.ID).Error; err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, ActionSubmit, "half_year_report", h.Name()+":"+t.kind, audit.Success); err != nil {
				return err
			}
		}
		out, err = s.build(tx, h, t, now)
		return err
	})
	return out, apperr.Wrap(err)
}
