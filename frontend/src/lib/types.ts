import type { Flag } from './casework';

export interface LocalizedName {
  ru: string;
  ky: string;
  en: string;
}

export interface Me {
  id: string;
  email: string;
  name: string;
  role: string;
  organization: { id: string; code: string; name: LocalizedName; kind: string; region: string };
  permissions: string[];
  /** The roles the caller may give an account (from the server's account rules). */
  grantable_roles: string[];
  must_change_password: boolean;
  mfa_enabled: boolean;
  mfa_required: boolean;
  /** The language the person chose for the web app; null until they choose. */
  locale?: 'ru' | 'ky' | 'en' | null;
}

/**
 * One piece of the signed-in person's work (GET /me/work): codes and ids
 * only, never a name. Which optional fields are set depends on the kind.
 */
export interface WorkItem {
  kind: string;
  due_at: string;
  overdue: boolean;
  /** The web app's page where the work is done. */
  link: string;
  case_id?: string;
  case_code?: string;
  referral_id?: string;
  referral_code?: string;
  urgency?: string;
  user_id?: string;
  approval?: string;
  /** A case's request for approval: pending (to decide) or returned (to the worker who asked). */
  approval_id?: string;
  approval_status?: 'pending' | 'returned';
  /** A follow-up after reintegration and its kind (visit, call, message). */
  follow_up_id?: string;
  follow_up_kind?: string;
  /** A hotline's contact (an intake's, or one to call back), by its code. */
  contact_id?: string;
  contact_code?: string;
  /** A report's half-year, YYYY-Hn. */
  period?: string;
  report_kind?: string;
}

/** The work list: the most urgent first, and how many items of each kind. */
export interface WorkList {
  items: WorkItem[];
  counts: Record<string, number>;
  total: number;
}

export interface Identity {
  given_name?: string;
  family_name?: string;
  patronymic?: string;
  birth_date?: string;
  document_number?: string;
  phone?: string;
  address?: string;
}

export interface Case {
  id: string;
  code: string;
  version: number;
  owner_organization_id: string;
  stage: string;
  status: string;
  closure_reason?: string | null;
  risk_level?: string | null;
  /** In lists: how the caller reaches the case. */
  relation?: 'assigned' | 'organization' | 'referral';
  identified_at?: string | null;
  identification_channel?: string | null;
  trafficking_status?: string | null;
  sex?: string | null;
  age_bracket?: string | null;
  is_minor?: boolean | null;
  citizenship?: string | null;
  region_of_origin?: string | null;
  exploitation_types?: string[] | null;
  countries_of_exploitation?: string[] | null;
  means_of_control?: string[] | null;
  measure_codes?: string[] | null;
  assigned_user_ids?: string[] | null;
  /** In lists: the workers of the caller's organization assigned to the case. */
  assigned_workers?: { id: string; name: string }[];
  /** When anything was last recorded on the case. */
  last_activity_at?: string;
  reflection_ends_on?: string | null;
  source?: string;
  identity?: Identity | null;
  identity_erased?: boolean;
  /** What the caller may do on the case; sent when one case is read. */
  allowed_actions?: CaseAction[];
  /** The stages the caller may move the case to; sent with allowed_actions. */
  allowed_stages?: string[];
  /** The flags in force; their reasons for the owner's side only (lib/casework.ts). */
  flags?: Flag[];
  flagged?: boolean;
  /** An open minor's case with no guardian linked nor the guardianship authority's consent. */
  needs_guardian?: boolean;
}

/** An action on a case (the API's CaseAction). */
export type CaseAction =
  | 'update'
  | 'move_stage'
  | 'close'
  | 'assign'
  | 'plan_read'
  | 'plan_edit'
  | 'consent_list'
  | 'consent_create'
  | 'consent_withdraw'
  | 'referral_list'
  | 'refer'
  | 'assistance_list'
  | 'assistance_create'
  | 'note_list'
  | 'note_create'
  | 'access_log'
  | 'assessment_list'
  | 'assessment_create'
  | 'flag_create'
  | 'flag_remove'
  | 'approval_list'
  | 'approval_request'
  | 'approval_decide'
  | 'document_list'
  | 'document_create'
  | 'document_remove'
  | 'case_file'
  | 'case_handover'
  | 'subject_access'
  | 'erasure_request'
  | 'legal_hold'
  | 'follow_up_list'
  | 'follow_up_create'
  | 'person_list'
  | 'person_create';

/** A request to erase a case's identity (two people decide; see the API's ErasureRequest). */
export interface ErasureRequest {
  id: string;
  case_id: string;
  case_code: string;
  reason: 'person_request' | 'retention' | 'court_order' | 'other';
  details?: string;
  status: 'pending' | 'scheduled' | 'rejected' | 'cancelled' | 'erased';
  requested_by: string | null;
  requested_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_note?: string;
  erase_after: string | null;
  erased_at: string | null;
  blocked_by?: 'legal_hold' | 'legal_assistance';
  version: number;
}

/** A case's legal hold (active false when none stands). */
export interface LegalHold {
  case_id: string;
  active: boolean;
  reason?: string;
  until: string | null;
  placed_at?: string;
  lifted_at?: string;
  version: number;
}

export interface StageMove {
  id: string;
  from_stage: string | null;
  to_stage: string;
  reason: string | null;
  closure_reason: string | null;
  moved_by: string;
  moved_at: string;
}

export interface Assistance {
  id: string;
  case_id?: string;
  type: string;
  provider_organization_id?: string;
  status: string;
  started_on?: string | null;
  ended_on?: string | null;
  cost_kgs?: number | null;
  funding_source?: string | null;
  measure_codes?: string[] | null;
  notes?: string | null;
  version?: number;
}

export interface Note {
  id: string;
  text: string;
  author_id: string;
  created_at: string;
}

export interface Referral {
  id: string;
  code?: string;
  /** Null for an intake not yet accepted (and always on the hotline's side). */
  case_id: string | null;
  kind: string;
  assistance_types: string[];
  urgency: string;
  status: string;
  due_at: string | null;
  overdue: boolean;
  from_organization_id?: string;
  to_organization_id?: string;
  categories?: string[];
  consent_id?: string;
  note?: string;
  decline_reason?: string;
  outcome?: string;
  responded_at?: string | null;
  created_at?: string;
  case_summary?: { code?: string; sex?: string; age_bracket?: string; region_of_origin?: string | null } | null;
  /** An intake's screening, what its recipient reads before accepting. */
  screening?: IntakeScreening;
}

export interface IntakeScreening {
  channel: string;
  caller: string;
  topic: string;
  region: string | null;
  country: string | null;
  indicators: string[];
  result: string | null;
}

/** A hotline's contact (GET /contacts/{id}); sealed fields are absent in lists. */
export interface Contact {
  id: string;
  code: string;
  channel: string;
  caller: string;
  topic: string;
  region: string | null;
  country: string | null;
  screening: { indicators: string[]; result: string | null };
  outcome: string | null;
  callback_consent: boolean;
  summary?: string;
  identity?: { given_name?: string; family_name?: string; birth_date?: string };
  contact?: { phone?: string };
  erased: boolean;
  intake: {
    referral_id: string;
    code: string;
    status: string;
    to_organization_id: string;
    responded_at: string | null;
  } | null;
  created_at: string;
  version: number;
}

export interface Consent {
  id: string;
  case_id: string;
  purpose: string;
  recipient_organization_id: string | null;
  categories: string[];
  given_by: string;
  /** The guardian who gave it, a person linked to the case (given_by guardian). */
  given_by_person_id?: string | null;
  given_at: string;
  expires_at: string | null;
  withdrawn_at: string | null;
  /** The signed consent form, a document of the case. */
  document_id?: string | null;
  valid: boolean;
}

/** A document kept under a case. */
export interface CaseDocument {
  id: string;
  case_id: string;
  title: string;
  file_name?: string;
  /** A consent category, or consent_form. */
  category: string;
  content_type: string;
  size: number;
  /** A keyed fingerprint of the content, not a plain hash. */
  sha256: string;
  uploaded_by: string;
  uploaded_at: string;
  removed_at?: string;
  removed_by?: string;
}

export interface Organization {
  id: string;
  code: string;
  name: LocalizedName;
  kind: string;
  region: string;
  services: string[];
  /** The requests its workers need a supervisor's approval for. */
  approval_kinds?: string[];
  active: boolean;
  version: number;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: string;
  organization_id: string;
  must_change_password: boolean;
  disabled: boolean;
  /** `pending_approval` until a second person approves the account. */
  status: 'pending_approval' | 'active' | 'disabled';
  /** A role raise waiting for approval; the account keeps `role` until then. */
  pending_role: string | null;
  version: number;
  created_at: string;
}

/** The answer to an approval: the one-time password only when a pending account was approved. */
export interface UserApproval {
  user: User;
  one_time_password?: string;
}

export interface Goal {
  id?: string;
  text: string;
  due_on?: string;
  status: string;
}
export interface Plan {
  needs_assessment: string;
  goals: Goal[];
  version: number;
  updated_at: string | null;
  /** The last version a supervisor approved (null: never), and whether the plan is still that version. */
  approved_version?: number | null;
  approved_at?: string | null;
  approved?: boolean;
}

export interface Measure {
  code: string;
  program: string;
  direction: string;
  title: LocalizedName;
  default_for_assistance_types: string[];
  responsible_organization_ids: string[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor_id: string | null;
  organization_id: string | null;
  role: string;
  action: string;
  object_type: string;
  object_id: string;
  outcome: string;
  request_id: string;
  client_ip: string;
  user_agent: string;
}

/** An entry of a case's access log: the audit entry and who acted, by name. */
export interface AccessEntry extends AuditEntry {
  actor_name: string | null;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  first_broken: { seq: number; entry_id: number | null; reason: string; detail?: string } | null;
  truncated: boolean;
  unlinked: number;
  stale_unlinked: number;
  checkpoint: { seq: number; at: string } | null;
}

export interface StatsInfo {
  name: string;
  kind: 'table' | 'series';
  title: string;
  dimensions: string[];
  periods: string[];
}
export interface StatsRow {
  count: number | null;
  suppressed: boolean;
  [dim: string]: string | number | boolean | null;
}
export interface StatsTable {
  name: string;
  period: string;
  k: number;
  dimensions: string[];
  rows: StatsRow[];
  totals: { count: number | null; suppressed: boolean };
}

export interface Indicator {
  code: string;
  direction: string;
  title: LocalizedName;
  unit: string;
  baseline: number | null;
  targets: { year: number; value: number }[];
  value: number | null;
  suppressed: boolean;
  progress: number | null;
}
export interface IndicatorMatrix {
  period: string;
  from: string;
  to: string;
  program: string;
  k: number;
  items: Indicator[];
}

export interface ReportFigure {
  name: string;
  value: number | null;
  suppressed: boolean;
  unit: string;
}
export interface ReportMeasure {
  code: string;
  direction: string;
  title: LocalizedName;
  figures: ReportFigure[];
  budget: { planned_kgs: number; actual_kgs: number | null; actual_suppressed: boolean };
  narrative: string | null;
}
export interface HalfYearReport {
  year: number;
  half: number;
  period: string;
  kind: 'body' | 'summary';
  organization_id: string;
  organization_code?: string;
  organization_name?: LocalizedName;
  status: 'draft' | 'submitted';
  deadline: string;
  submitted_at: string | null;
  late: boolean;
  ended?: boolean;
  k: number;
  measures: ReportMeasure[];
  bodies?: { organization_id: string; code: string; status: string; submitted_at: string | null; late: boolean }[];
}

export interface Notification {
  id: string;
  kind: string;
  ref_code: string;
  link: string;
  created_at: string;
  read_at: string | null;
}

export interface Participants {
  female?: number;
  male?: number;
  other?: number;
}
export interface Activity {
  id: string;
  organization_id: string;
  held_on: string;
  region: string;
  kind: string;
  title: string;
  participants: Participants;
  participants_total: number;
  people_reached: number;
  cost_kgs: number | null;
  funding_source: string | null;
  measure_code: string;
  created_by: string;
  created_at: string;
}

export interface BudgetSourceLine {
  funding_source: string;
  planned_kgs: number;
  actual_kgs: number | null;
  actual_suppressed: boolean;
}
export interface BudgetMeasure {
  code: string;
  direction: string;
  title: LocalizedName;
  sources: BudgetSourceLine[];
  planned_kgs: number;
  actual_kgs: number | null;
  actual_suppressed: boolean;
}
export interface Budget {
  program: string;
  year: number;
  k: number;
  funding_sources: string[];
  items: BudgetMeasure[];
  planned_kgs: number;
  actual_kgs: number | null;
  actual_suppressed: boolean;
}
