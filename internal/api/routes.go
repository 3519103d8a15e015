package api

import (
	"net/http"
	"slices"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/auth"
	"github.com/jardam-kg/jardam/internal/casefile"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/contacts"
	"github.com/jardam-kg/jardam/internal/documents"
	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/notifications"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/web"
	"github.com/jardam-kg/jardam/internal/referrals"
	"github.com/jardam-kg/jardam/internal/reports"
	"github.com/jardam-kg/jardam/internal/stats"
	"github.com/jardam-kg/jardam/internal/users"
	"github.com/jardam-kg/jardam/internal/work"
)

// handlers are the domains' HTTP handlers the table routes to.
type handlers struct {
	auth          *auth.Handler
	organizations *organizations.Handler
	users         *users.Handler
	audit         *audit.Handler
	cases         *cases.Handler
	referrals     *referrals.Handler
	contacts      *contacts.Handler
	notifications *notifications.Handler
	work          *work.Handler
	measures      *measures.Handler
	stats         *stats.Handler
	reports       *reports.Handler
	documents     *documents.Handler
	casefile      *casefile.Handler
}

// newHandlers builds each domain's service and its HTTP handler.
func newHandlers(d Deps, authSvc *auth.Service) handlers {
	caseSvc := cases.NewService(d.DB, d.Keys, cases.Settings{ReflectionDays: d.Config.ReflectionDays, ErasureDelay: d.Config.ErasureDelay,
		FollowUpMonths: d.Config.FollowUpMonths}, d.Logger)
	if d.Enforcer != nil {
		caseSvc.Permits = d.Enforcer.Allowed
	}
	referralSvc := referrals.NewService(d.DB, d.Keys.Wrapper, d.Keys.RequestHash, referrals.Settings{
		UrgentResponse: d.Config.UrgentResponse, NormalResponse: d.Config.NormalResponse}, d.Logger)
	caseSvc.Transfers = referralSvc
	referralSvc.Cases = caseSvc
	// Reads of stored releases go to the standby when there is one; their
	// computation, drafts and narratives stay on the primary (docs/adr/0014).
	statsSvc := stats.NewService(d.DB, stats.Settings{K: d.Config.StatsK}, d.Logger)
	statsSvc.Replica, statsSvc.Spool = d.Replica, d.Spool
	measureSvc := measures.NewService(d.DB)
	measureSvc.K = d.Config.StatsK
	measureSvc.Releases, measureSvc.Replica, measureSvc.Spool = statsSvc.StoredReleases(), d.Replica, d.Spool
	reportSvc := reports.NewService(d.DB, reports.Settings{K: d.Config.StatsK}, d.Logger)
	reportSvc.Releases, reportSvc.Replica, reportSvc.Spool = statsSvc.StoredReleases(), d.Replica, d.Spool
	docSvc := documents.NewService(d.DB, d.Keys, documents.Postgres{}, documents.Settings{MaxBytes: int64(d.Config.DocumentMaxMB) << 20})
	return handlers{
		auth:          auth.NewHandler(authSvc),
		organizations: organizations.NewHandler(organizations.NewService(d.DB)),
		users:         users.NewHandler(users.NewService(d.DB, d.Hasher)),
		audit:         audit.NewHandler(d.DB, d.AuditVerifier).WithAnchorFile(d.Config.AuditAnchorFile),
		cases:         cases.NewHandler(caseSvc),
		referrals:     referrals.NewHandler(referralSvc),
		contacts:      contacts.NewHandler(contacts.NewService(d.DB, d.Keys.Wrapper, d.Keys.RequestHash, referralSvc)),
		notifications: notifications.NewHandler(notifications.NewService(d.DB)),
		work:          work.NewHandler(work.NewService(d.DB, nil)),
		measures:      measures.NewHandler(measureSvc),
		stats:         stats.NewHandler(statsSvc),
		reports:       reports.NewHandler(reportSvc),
		documents:     documents.NewHandler(docSvc),
		casefile:      casefile.NewHandler(casefile.NewService(d.DB, caseSvc, referralSvc, docSvc)),
	}
}

// routes is the API's route table: every route of a domain, the permission
// its caller's role needs, and the handler (in the domain's http.go) that
// answers it. A route is added here and nowhere else. The router refuses a
// route without a permission (web.Router.Mount); the few public ones are
// built with web.Public and listed on PublicRoutes; the API tests fail for
// a route the OpenAPI description does not describe.
func (h handlers) routes() []web.Route {
	// An account that must change its password or enroll a second factor
	// may still call these.
	self := []web.RouteOption{web.DuringPasswordChange(), web.DuringMFAEnrollment()}
	return append([]web.Route{
		// Signing in and the caller's own account.
		web.Public(http.MethodPost, "/api/v1/auth/login", h.auth.Login),
		web.Public(http.MethodPost, "/api/v1/auth/refresh", h.auth.Refresh),
		web.Public(http.MethodPost, "/api/v1/auth/logout", h.auth.Logout),
		web.Public(http.MethodPost, "/api/v1/auth/mfa", h.auth.CompleteMFA),
		web.Get("/api/v1/me", authz.SelfRead, h.auth.Me, self...),
		web.Patch("/api/v1/me", authz.SelfUpdate, h.auth.PatchMe, self...),
		web.Post("/api/v1/me/password", authz.SelfUpdate, h.auth.ChangePassword, self...),
		web.Post("/api/v1/me/mfa/totp", authz.SelfUpdate, h.auth.EnrollTOTP, web.DuringMFAEnrollment()),
		web.Post("/api/v1/me/mfa/totp/confirm", authz.SelfUpdate, h.auth.ConfirmTOTP, web.DuringMFAEnrollment()),
		web.Get("/api/v1/me/work", authz.WorkList, h.work.Mine),

		// Organizations, accounts and the audit trail.
		web.Get("/api/v1/organizations", authz.OrganizationList, h.organizations.List),
		web.Post("/api/v1/organizations", authz.OrganizationCreate, h.organizations.Create),
		web.Patch("/api/v1/organizations/:id", authz.OrganizationUpdate, h.organizations.Update),
		web.Get("/api/v1/users", authz.UserList, h.users.List),
		web.Post("/api/v1/users", authz.UserCreate, h.users.Create),
		web.Patch("/api/v1/users/:id", authz.UserUpdate, h.users.Update),
		web.Post("/api/v1/users/:id/approve", authz.UserApprove, h.users.Approve),
		web.Delete("/api/v1/users/:id/mfa", authz.UserMFAReset, h.auth.RequestMFAReset),
		web.Post("/api/v1/users/:id/mfa-reset/approve", authz.UserMFAReset, h.auth.ApproveMFAReset),
		web.Get("/api/v1/audit", authz.AuditRead, h.audit.List),
		web.Get("/api/v1/audit/verify", authz.AuditVerify, h.audit.Verify),

		// Case records: stages, plan, assistance and notes.
		web.Post("/api/v1/cases", authz.CaseCreate, h.cases.Create),
		web.Get("/api/v1/cases", authz.CaseList, h.cases.List, web.SessionInTx()),
		web.Post("/api/v1/cases/search", authz.CaseSearch, h.cases.Search),
		web.Post("/api/v1/cases/duplicates", authz.CaseDuplicateCheck, h.cases.Duplicates),
		web.Get("/api/v1/cases/:id", authz.CaseRead, h.cases.Get, web.SessionInTx()),
		web.Patch("/api/v1/cases/:id", authz.CaseUpdate, h.cases.Update),
		web.Post("/api/v1/cases/:id/stage", authz.CaseMoveStage, h.cases.MoveStage),
		web.Get("/api/v1/cases/:id/stages", authz.CaseRead, h.cases.Stages),
		web.Get("/api/v1/cases/:id/plan", authz.PlanRead, h.cases.GetPlan),
		web.Put("/api/v1/cases/:id/plan", authz.PlanUpdate, h.cases.PutPlan),
		web.Get("/api/v1/cases/:id/access-log", authz.CaseAccessLog, h.cases.AccessLog),
		web.Post("/api/v1/cases/:id/assistance", authz.AssistanceCreate, h.cases.CreateAssistance),
		web.Get("/api/v1/cases/:id/assistance", authz.AssistanceList, h.cases.ListAssistance),
		web.Patch("/api/v1/assistance/:id", authz.AssistanceUpdate, h.cases.UpdateAssistance),
		web.Post("/api/v1/cases/:id/notes", authz.NoteCreate, h.cases.AddNote),
		web.Get("/api/v1/cases/:id/notes", authz.NoteList, h.cases.ListNotes),

		// Consents, referrals between organizations and the notifications
		// they raise.
		web.Post("/api/v1/cases/:id/consents", authz.ConsentCreate, h.referrals.CreateConsent),
		web.Get("/api/v1/cases/:id/consents", authz.ConsentList, h.referrals.ListConsents),
		web.Post("/api/v1/consents/:id/withdraw", authz.ConsentWithdraw, h.referrals.Withdraw),
		web.Post("/api/v1/cases/:id/referrals", authz.ReferralCreate, h.referrals.Create),
		web.Get("/api/v1/referrals", authz.ReferralList, h.referrals.List),
		web.Get("/api/v1/referrals/:id", authz.ReferralList, h.referrals.Get),
		web.Post("/api/v1/referrals/:id/accept", authz.ReferralRespond, h.referrals.Accept),
		web.Post("/api/v1/referrals/:id/decline", authz.ReferralRespond, h.referrals.Decline),
		web.Post("/api/v1/referrals/:id/complete", authz.ReferralRespond, h.referrals.Complete),
		web.Post("/api/v1/referrals/:id/cancel", authz.ReferralRespond, h.referrals.Cancel),

		web.Get("/api/v1/notifications", authz.NotificationList, h.notifications.List),
		web.Post("/api/v1/notifications/read-all", authz.NotificationUpdate, h.notifications.ReadAll),
		web.Post("/api/v1/notifications/:id/read", authz.NotificationUpdate, h.notifications.Read),
	}, slices.Concat(h.caseworkRoutes(), h.programRoutes(), h.documentRoutes(), h.erasureRoutes(), h.hotlineRoutes())...)
}

// caseworkRoutes are the routes of structured casework: assessments, flags,
// approvals, follow-ups after reintegration and linked persons.
func (h handlers) caseworkRoutes() []web.Route {
	return []web.Route{
		web.Get("/api/v1/assessment-definitions", authz.AssessmentList, h.cases.AssessmentDefinitions),
		web.Post("/api/v1/cases/:id/assessments", authz.AssessmentCreate, h.cases.CreateAssessment),
		web.Get("/api/v1/cases/:id/assessments", authz.AssessmentList, h.cases.ListAssessments),
		web.Post("/api/v1/cases/:id/flags", authz.FlagCreate, h.cases.CreateFlag),
		web.Delete("/api/v1/flags/:id", authz.FlagRemove, h.cases.RemoveFlag),
		web.Post("/api/v1/cases/:id/approvals", authz.ApprovalRequest, h.cases.RequestApproval),
		web.Get("/api/v1/cases/:id/approvals", authz.ApprovalList, h.cases.ListApprovals),
		web.Post("/api/v1/approvals/:id/approve", authz.ApprovalDecide, h.cases.Approve),
		web.Post("/api/v1/approvals/:id/return", authz.ApprovalDecide, h.cases.Return),
		web.Post("/api/v1/cases/:id/follow-ups", authz.FollowUpCreate, h.cases.CreateFollowUp),
		web.Get("/api/v1/cases/:id/follow-ups", authz.FollowUpList, h.cases.ListFollowUps),
		web.Patch("/api/v1/follow-ups/:id", authz.FollowUpUpdate, h.cases.UpdateFollowUp),
		web.Post("/api/v1/cases/:id/persons", authz.PersonCreate, h.cases.CreatePerson),
		web.Get("/api/v1/cases/:id/persons", authz.PersonList, h.cases.ListPersons),
		web.Patch("/api/v1/persons/:id", authz.PersonUpdate, h.cases.UpdatePerson),
	}
}

// programRoutes are the routes of the Program's measures and activities,
// the statistics (coordinators only, by the policy), the half-year reports
// and the budget.
func (h handlers) programRoutes() []web.Route {
	return []web.Route{
		web.Get("/api/v1/measures", authz.MeasureList, h.measures.List),
		web.Post("/api/v1/activities", authz.ActivityCreate, h.measures.CreateActivity),
		web.Get("/api/v1/activities", authz.ActivityList, h.measures.ListActivities),
		web.Get("/api/v1/indicators", authz.IndicatorRead, h.measures.Indicators, web.StandbyRead()),
		web.Get("/api/v1/stats/tables", authz.StatsRead, h.stats.List, web.StandbyRead()),
		web.Get("/api/v1/stats/tables/:name", authz.StatsRead, h.stats.Table, web.StandbyRead()),
		web.Get("/api/v1/stats/series/:name", authz.StatsRead, h.stats.Series, web.StandbyRead()),
		web.Get("/api/v1/stats/export/htcds", authz.StatsExport, h.stats.ExportHTCDS),
		web.Get("/api/v1/stats/export/ctdc", authz.StatsExport, h.stats.ExportCTDC),
		web.Get("/api/v1/reports/half-year/:year/:half", authz.ReportRead, h.reports.Get, web.StandbyRead()),
		web.Put("/api/v1/reports/half-year/:year/:half/narratives/:measure_code", authz.ReportWrite, h.reports.PutNarrative),
		web.Post("/api/v1/reports/half-year/:year/:half/submit", authz.ReportWrite, h.reports.Submit),
		web.Get("/api/v1/budget", authz.BudgetRead, h.reports.Budget),
	}
}

// hotlineRoutes are the routes of a hotline's contacts; a contact becomes a
// case at a crisis center through an intake (a referral of kind intake),
// whose recipient looks for the cases its person may already have.
func (h handlers) hotlineRoutes() []web.Route {
	return []web.Route{
		web.Post("/api/v1/contacts", authz.ContactCreate, h.contacts.Create),
		web.Get("/api/v1/contacts", authz.ContactList, h.contacts.List),
		web.Get("/api/v1/contacts/:id", authz.ContactRead, h.contacts.Get),
		web.Patch("/api/v1/contacts/:id", authz.ContactUpdate, h.contacts.Update),
		web.Post("/api/v1/contacts/:id/refer", authz.ContactRefer, h.contacts.Refer),
		web.Get("/api/v1/referrals/:id/matches", authz.ReferralRespond, h.referrals.Matches),
	}
}

// documentRoutes are the routes of the documents kept under a case, sealed
// under its key, and of the case's prints.
func (h handlers) documentRoutes() []web.Route {
	return []web.Route{
		web.Post("/api/v1/cases/:id/documents", authz.DocumentCreate, h.documents.Upload),
		web.Get("/api/v1/cases/:id/documents", authz.DocumentList, h.documents.List),
		web.Get("/api/v1/documents/:id/content", authz.DocumentRead, h.documents.Download),
		web.Delete("/api/v1/documents/:id", authz.DocumentRemove, h.documents.Remove),

		// The case printed: its file, a handover, the person's own copy.
		web.Get("/api/v1/cases/:id/file", authz.CaseExport, h.casefile.CaseFile),
		web.Get("/api/v1/cases/:id/subject-access", authz.CaseSubjectAccess, h.casefile.SubjectAccess),
	}
}

// erasureRoutes are the routes of the erasure of a person's identity, with
// two people, and of legal holds.
func (h handlers) erasureRoutes() []web.Route {
	return []web.Route{
		web.Post("/api/v1/cases/:id/erasure-requests", authz.ErasureRequest, h.cases.RequestErasure),
		web.Get("/api/v1/cases/:id/erasure-requests", authz.ErasureList, h.cases.CaseErasures),
		web.Get("/api/v1/erasure-requests", authz.ErasureList, h.cases.OpenErasures),
		web.Post("/api/v1/erasure-requests/:id/approve", authz.ErasureDecide, h.cases.ApproveErasure),
		web.Post("/api/v1/erasure-requests/:id/reject", authz.ErasureDecide, h.cases.RejectErasure),
		web.Post("/api/v1/erasure-requests/:id/cancel", authz.ErasureRequest, h.cases.CancelErasure),
		web.Get("/api/v1/cases/:id/legal-hold", authz.LegalHoldRead, h.cases.LegalHold),
		web.Put("/api/v1/cases/:id/legal-hold", authz.LegalHoldWrite, h.cases.PutLegalHold),
		web.Delete("/api/v1/cases/:id/legal-hold", authz.LegalHoldWrite, h.cases.LiftLegalHold),
	}
}
