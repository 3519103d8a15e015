// Structured casework as the API gives it (assessments, flags, requests for
// approval) and the score of an assessment as it is filled in, computed as
// the server computes it (internal/cases/assessdefs.go) so that the worker
// sees what the answers give before saving.

export type AssessmentKind = 'safety' | 'needs' | 'reintegration';
export const ASSESSMENT_KINDS: readonly AssessmentKind[] = ['safety', 'needs', 'reintegration'];

export interface AssessmentItem {
  key: string;
  dimension?: string;
  min: number;
  /** 0 for an indicator answered present or not. */
  max: number;
}

export interface AssessmentDefinition {
  kind: AssessmentKind;
  version: number;
  items: AssessmentItem[];
  dimensions?: string[];
}

export interface AssessmentAnswer {
  present?: boolean;
  score?: number;
  note?: string;
}

export interface Assessment {
  id: string;
  case_id: string;
  kind: AssessmentKind;
  definition_version: number;
  assessed_on: string;
  answers: Record<string, AssessmentAnswer>;
  note?: string;
  level?: string;
  score: number;
  dimension_scores?: Record<string, number>;
  created_by: string;
  created_at: string;
}

export interface Flag {
  id: string;
  case_id: string;
  reason?: string;
  until: string | null;
  created_by: string;
  created_at: string;
}

export type ApprovalKind = 'plan' | 'closure' | 'transfer';
export const APPROVAL_KINDS: readonly ApprovalKind[] = ['plan', 'closure', 'transfer'];

export interface Approval {
  id: string;
  case_id: string;
  kind: ApprovalKind;
  status: 'pending' | 'approved' | 'returned';
  comment?: string;
  closure_reason?: string;
  plan_version?: number;
  transfer?: { to_organization_id: string; categories?: string[]; consent_id: string; urgency?: string; note?: string };
  requested_by: string;
  requested_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_comment?: string;
  referral_id?: string;
}

/** What answers give so far: null until every item is answered. */
export interface Scored {
  score: number;
  dimensions?: Record<string, number>;
  level?: 'low' | 'medium' | 'high';
  answered: number;
}

const round3 = (f: number) => Math.round(f * 1000) / 1000;
const GRAVE = ['trafficker_contact', 'threats', 'self_harm_risk'];

/**
 * The score of answers to def, as the server computes it: safety the share
 * of signs present and the level they suggest, needs the mean need,
 * reintegration the share of the best score per dimension and their mean.
 * Unanswered items count as nothing yet; `answered` says how many are.
 */
export function scoreOf(def: AssessmentDefinition, answers: Record<string, AssessmentAnswer>): Scored {
  const answered = def.items.filter((it) =>
    it.max === 0 ? answers[it.key]?.present !== undefined : answers[it.key]?.score !== undefined,
  ).length;
  if (def.kind === 'safety') {
    const present = def.items.filter((it) => answers[it.key]?.present);
    const grave = present.some((it) => GRAVE.includes(it.key));
    const level = grave || present.length >= 3 ? 'high' : present.length > 0 ? 'medium' : 'low';
    return { score: round3(present.length / def.items.length), level, answered };
  }
  if (def.kind === 'needs') {
    const sum = def.items.reduce((s, it) => s + (answers[it.key]?.score ?? 0), 0);
    return { score: round3(sum / def.items.length), answered };
  }
  const dims = def.dimensions ?? [];
  const dimensions: Record<string, number> = {};
  let total = 0;
  for (const d of dims) {
    const items = def.items.filter((it) => it.dimension === d);
    const got = items.reduce((s, it) => s + (answers[it.key]?.score ?? 0), 0);
    const best = items.reduce((s, it) => s + it.max, 0);
    dimensions[d] = best ? round3(got / best) : 0;
    total += best ? got / best : 0;
  }
  return { score: dims.length ? round3(total / dims.length) : 0, dimensions, answered };
}

/** The body of an assessment: every answer with its note when one is typed. */
export function assessmentBody(
  def: AssessmentDefinition,
  answers: Record<string, AssessmentAnswer>,
  extra: { level?: string; note?: string; assessed_on?: string },
): Record<string, unknown> {
  const out: Record<string, AssessmentAnswer> = {};
  for (const it of def.items) {
    const a = answers[it.key] ?? {};
    const note = a.note?.trim();
    out[it.key] = it.max === 0 ? { present: !!a.present } : { score: a.score };
    if (note) out[it.key].note = note;
  }
  return {
    kind: def.kind,
    definition_version: def.version,
    answers: out,
    ...(extra.level ? { level: extra.level } : {}),
    ...(extra.note?.trim() ? { note: extra.note.trim() } : {}),
    ...(extra.assessed_on ? { assessed_on: extra.assessed_on } : {}),
  };
}

export const FOLLOW_UP_KINDS = ['visit', 'call', 'message'] as const;

export interface FollowUp {
  id: string;
  case_id: string;
  planned_on: string;
  kind: (typeof FOLLOW_UP_KINDS)[number];
  assigned_to: string | null;
  months: number | null;
  done_on: string | null;
  outcome?: string;
  assessment_id: string | null;
  version: number;
}

export const PERSON_RELATIONS = [
  'mother',
  'father',
  'spouse',
  'child',
  'sibling',
  'other_family',
  'guardian',
  'acquaintance',
  'none',
] as const;
export const PERPETRATOR_ROLES = ['recruiter', 'trafficker', 'employer', 'other_perpetrator'] as const;
export const RECRUITMENT_CHANNELS = [
  'website',
  'app',
  'social_media',
  'messenger',
  'in_person',
  'agency',
  'other',
] as const;

export interface Person {
  id: string;
  case_id: string;
  relation: string;
  perpetrator_role: string | null;
  recruitment_channel: string | null;
  identity?: { given_name?: string; family_name?: string; patronymic?: string; birth_date?: string };
  contact?: { phone?: string; address?: string };
  version: number;
}
