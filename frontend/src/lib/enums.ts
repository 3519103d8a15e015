// The server's enumerations the web app shows, each value labelled in every
// language under `<name>.<value>` (see tx in i18n/index.tsx). enums.test.ts
// checks that each value here has a label in every dictionary and that each
// value the API description lists for the matching schema is here.

export const STAGES = ['identification', 'shelter', 'rehabilitation', 'reintegration', 'closed'] as const;
export const OPEN_STAGES = ['identification', 'shelter', 'rehabilitation', 'reintegration'] as const;
export const STATUSES = ['open', 'closed'] as const;
export const RISKS = ['low', 'medium', 'high'] as const;
export const SEXES = ['female', 'male', 'other', 'unknown'] as const;
export const ASSISTANCE_TYPES = [
  'shelter',
  'psychological',
  'medical',
  'legal',
  'vocational_training',
  'income_generation',
  'homecoming',
  'employment',
  'housing',
  'education',
  'family_reunification',
  'documents',
  'financial',
  'other',
] as const;
export const ASSISTANCE_STATUSES = ['planned', 'in_progress', 'completed', 'declined'] as const;
export const CLOSURE_REASONS = [
  'reintegrated',
  'transferred',
  'declined_assistance',
  'lost_contact',
  'not_a_victim',
  'deceased',
  'other',
] as const;
export const CONSENT_PURPOSES = ['assistance', 'data_sharing', 'statistics'] as const;
export const CONSENT_GIVERS = ['person', 'guardian', 'guardianship_authority'] as const;
export const CATEGORIES = ['identity', 'contact', 'health', 'legal', 'assistance_history'] as const;
export const FUNDING_SOURCES = [
  'state_budget',
  'state_social_order',
  'international_organization',
  'ngo_own_funds',
  'other',
] as const;
export const GOAL_STATUSES = ['open', 'in_progress', 'achieved', 'dropped'] as const;
export const ROLES = [
  'caseworker',
  'supervisor',
  'coordinator',
  'org_admin',
  'admin',
  'auditor',
  'hotline_operator',
  'hotline_supervisor',
] as const;
export const ORG_KINDS = [
  'state_body',
  'local_authority',
  'law_enforcement',
  'crisis_center',
  'ngo',
  'international_org',
  'coordinator',
  'operator',
  'hotline',
] as const;
export const REGIONS = [
  'bishkek_city',
  'osh_city',
  'batken',
  'jalal_abad',
  'issyk_kul',
  'naryn',
  'osh',
  'talas',
  'chui',
] as const;
export const CHANNELS = [
  'hotline',
  'police',
  'consulate',
  'border_service',
  'labour_inspection',
  'ngo_outreach',
  'international_organization',
  'self_referral',
  'other',
] as const;
export const TRAFFICKING_STATUSES = ['possible', 'actual', 'not_a_victim'] as const;
export const EXPLOITATION_TYPES = [
  'forced_labour',
  'sexual_exploitation',
  'forced_marriage',
  'forced_begging',
  'servitude',
  'organ_removal',
  'forced_criminality',
  'child_labour',
  'other',
] as const;
export const AGE_BRACKETS = [
  '0-8',
  '9-17',
  '18-20',
  '21-23',
  '24-26',
  '27-29',
  '30-38',
  '39-47',
  '48+',
  'unknown',
] as const;
export const ACTIVITY_KINDS = ['awareness_event', 'training', 'campaign', 'publication', 'other'] as const;
export const REFERRAL_STATUSES = ['pending', 'accepted', 'declined', 'cancelled', 'completed', 'expired'] as const;
export const URGENCIES = ['urgent', 'normal'] as const;
export const AUDIT_OUTCOMES = ['success', 'denied', 'not_found', 'failure'] as const;
/** The audited actions on a case that its access log shows, named in words. */
export const CASE_AUDIT_ACTIONS = [
  'case.create',
  'case.read',
  'case.read_history',
  'case.list',
  'case.search',
  'case.duplicate_check',
  'case.update',
  'case.move_stage',
  'case.assign',
  'case.access_log',
  'case.erase',
  'plan.read',
  'plan.update',
  'note.create',
  'note.list',
  'assistance.create',
  'assistance.list',
  'assistance.update',
  'consent.create',
  'consent.list',
  'consent.withdraw',
  'referral.create',
  'referral.list',
  'referral.read',
  'assessment.create',
  'assessment.list',
  'export.create',
  'case.close',
  'case.export',
  'case.subject_access',
  'case.duplicate_throttled',
  'consent.pdf',
  'referral.accept',
  'referral.decline',
  'referral.complete',
  'referral.cancel',
  'referral.respond',
  'approval.request',
  'approval.approve',
  'approval.return',
  'approval.decide',
  'approval.list',
  'flag.create',
  'flag.remove',
  'document.create',
  'document.list',
  'document.read',
  'document.remove',
  'case.erasure_request',
  'case.erasure_approve',
  'case.erasure_reject',
  'case.erasure_cancel',
  'case.erasure_list',
  'case.legal_hold',
  'case.legal_hold_lift',
  'case.legal_hold_read',
  'case.import',
  'follow_up.create',
  'follow_up.list',
  'follow_up.update',
  'contact.read',
  'contact.refer',
] as const;
export const MEASURE_DIRECTIONS = [
  'coordination',
  'prevention',
  'protection',
  'prosecution',
  'partnership',
  'monitoring',
] as const;
export const INDICATOR_UNITS = ['persons', 'percent', 'days', 'homecomings', 'events', 'contacts'] as const;
export const NOTIFICATION_KINDS = [
  'referral.pending',
  'referral.accepted',
  'referral.declined',
  'referral.cancelled',
  'referral.completed',
  'referral.expired',
  'duplicate_check_match',
  'mfa.reset_requested',
  'mfa.reset_approved',
  'account.approval_requested',
  'account.approved',
  'account.created',
  'account.role_changed',
  'account.enabled',
  'account.disabled',
  'account.password_reset',
  'approval.requested',
  'approval.approved',
  'approval.returned',
  'erasure.requested',
  'erasure.scheduled',
  'erasure.rejected',
  'erasure.cancelled',
] as const;

/** Dimensions, tables and series of the anonymized statistics, and the half-year report's figures. */
export const STATS_DIMENSIONS = [
  'sex',
  'age_bracket',
  'exploitation_type',
  'country',
  'region',
  'identification_channel',
  'stage',
  'assistance_type',
  'provider_kind',
  'outcome',
  'response_time',
  'month',
  'measure',
  'topic',
  'contact_channel',
] as const;
export const STATS_TABLES = [
  'persons_by_sex_age',
  'persons_by_exploitation_type',
  'persons_by_country_of_exploitation',
  'persons_by_region_of_origin',
  'persons_by_identification_channel',
  'cases_by_stage',
  'assistance_by_type_provider_kind',
  'cases_by_measure',
  'assistance_by_measure',
  'referrals_by_outcome',
  'referrals_by_response_time',
  'contacts_by_topic',
  'contacts_by_channel',
  'contacts_by_region',
] as const;
export const STATS_SERIES = [
  'persons_identified',
  'persons_assisted',
  'persons_referred',
  'contacts_received',
] as const;
export const RESPONSE_TIMES = ['within_1_day', 'within_3_days', 'within_7_days', 'over_7_days', 'no_response'] as const;
export const REPORT_FIGURES = [
  'persons_identified',
  'persons_assisted',
  'assistance_services',
  'activities_held',
  'people_reached',
  'officials_trained',
  'spending_kgs',
  'consultations_given',
  'intakes_referred',
] as const;

/** A hotline contact's enumerations. */
export const CONTACT_CHANNELS = ['phone', 'messenger', 'app', 'walk_in', 'email', 'other'] as const;
export const CONTACT_CALLERS = ['person_concerned', 'family', 'witness', 'professional', 'anonymous'] as const;
export const CONTACT_TOPICS = [
  'safe_migration_advice',
  'job_offer_check',
  'suspected_trafficking',
  'victim_seeking_help',
  'missing_person',
  'other',
] as const;
export const CONTACT_OUTCOMES = ['advice_given', 'referred', 'no_action'] as const;
export const SCREENING_RESULTS = ['none', 'possible', 'likely'] as const;
export const SCREENING_INDICATORS = [
  'deception',
  'coercion',
  'debt_bondage',
  'withheld_documents',
  'restricted_movement',
  'threats',
  'isolation',
  'excessive_hours',
  'abusive_conditions',
  'withheld_wages',
] as const;

/** The kinds of work in a person's work list (GET /me/work), in the order the counts come. */
export const WORK_KINDS = [
  'referral_response',
  'plan_goal',
  'reflection_period_ending',
  'consent_expiring',
  'unassigned_case',
  'report_due',
  'approval',
  'follow_up',
  'intake_waiting',
  'intake_declined',
  'callback',
] as const;
/** How the caller reaches a listed case. */
export const CASE_RELATIONS = ['assigned', 'organization', 'referral'] as const;

/** What awaits an approval in the work list. */
export const WORK_APPROVALS = ['grant', 'mfa_reset', 'plan', 'closure', 'transfer'] as const;

/**
 * Every labelled enumeration: its key prefix in the dictionaries and its
 * values. A label is looked up as `<prefix>.<value>`.
 */
export const LABELLED = {
  stage: STAGES,
  status: STATUSES,
  risk: RISKS,
  sex: SEXES,
  atype: ASSISTANCE_TYPES,
  astatus: ASSISTANCE_STATUSES,
  closure: CLOSURE_REASONS,
  purpose: CONSENT_PURPOSES,
  giver: CONSENT_GIVERS,
  cat: CATEGORIES,
  funding: FUNDING_SOURCES,
  goal: GOAL_STATUSES,
  role: ROLES,
  orgkind: ORG_KINDS,
  // Statistics also count people from abroad and of unknown origin.
  region: [...REGIONS, 'other', 'unknown'],
  channel: CHANNELS,
  tstatus: TRAFFICKING_STATUSES,
  exploit: EXPLOITATION_TYPES,
  actkind: ACTIVITY_KINDS,
  refstatus: REFERRAL_STATUSES,
  urgency: URGENCIES,
  outcome: AUDIT_OUTCOMES,
  auditact: CASE_AUDIT_ACTIONS,
  direction: MEASURE_DIRECTIONS,
  unit: INDICATOR_UNITS,
  notif: NOTIFICATION_KINDS,
  dim: [...STATS_DIMENSIONS, 'other', 'unknown', 'none'],
  stable: STATS_TABLES,
  sseries: STATS_SERIES,
  resp: RESPONSE_TIMES,
  fig: REPORT_FIGURES,
  wkind: WORK_KINDS,
  wapproval: WORK_APPROVALS,
  relation: CASE_RELATIONS,
  ccha: CONTACT_CHANNELS,
  ccaller: CONTACT_CALLERS,
  ctopic: CONTACT_TOPICS,
  coutcome: CONTACT_OUTCOMES,
  sres: SCREENING_RESULTS,
  ind: SCREENING_INDICATORS,
} as const;

/** The prefix of a labelled enumeration. */
export type EnumName = keyof typeof LABELLED;

/** Whether `value` is a known value of the enumeration `name`. */
export function isKnown(name: EnumName, value: string): boolean {
  return (LABELLED[name] as readonly string[]).includes(value);
}

/**
 * The schema of the API description (internal/api/openapi) whose enumeration
 * each list mirrors: every value the server may send must have a label.
 */
export const API_SCHEMAS: Partial<Record<EnumName, string>> = {
  stage: 'CaseStage',
  status: 'CaseStatus',
  risk: 'RiskLevel',
  sex: 'Sex',
  atype: 'AssistanceType',
  astatus: 'AssistanceStatus',
  closure: 'ClosureReason',
  purpose: 'ConsentPurpose',
  giver: 'ConsentGiver',
  cat: 'DataCategory',
  funding: 'FundingSource',
  goal: 'GoalStatus',
  role: 'Role',
  orgkind: 'OrganizationKind',
  region: 'Region',
  channel: 'IdentificationChannel',
  tstatus: 'TraffickingStatus',
  exploit: 'ExploitationType',
  actkind: 'ActivityKind',
  refstatus: 'ReferralStatus',
  urgency: 'Urgency',
  direction: 'MeasureDirectionCode',
  fig: 'ReportFigure',
  ccha: 'ContactChannel',
  ccaller: 'ContactCaller',
  ctopic: 'ContactTopic',
  coutcome: 'ContactOutcome',
  sres: 'ScreeningResult',
  ind: 'ScreeningIndicator',
};
