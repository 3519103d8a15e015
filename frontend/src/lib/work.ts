// Pure rules of the activities form, the budget year picker, identity edits
// and the case code search. None of them logs a value.
import { ApiError } from './api';
import { bishkekDate } from './domain';
import type { Identity } from './types';

/** Ended years (Asia/Bishkek) from `fromYear` on, newest first: the budget and export pickers. */
export function endedYears(now: Date, fromYear: number): number[] {
  const last = bishkekDate(now).year - 1;
  const out: number[] = [];
  for (let y = last; y >= fromYear; y--) out.push(y);
  return out;
}

/** Today in Asia/Bishkek, written YYYY-MM-DD. */
export function bishkekToday(now: Date): string {
  const { year, month, day } = bishkekDate(now);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export const IDENTITY_FIELDS = [
  'family_name',
  'given_name',
  'patronymic',
  'birth_date',
  'document_number',
  'phone',
  'address',
] as const;
export type IdentityField = (typeof IDENTITY_FIELDS)[number];
export type IdentityDraft = Record<IdentityField, string>;

/** The form's starting values from the identity as read. */
export function identityDraft(id: Identity | null | undefined): IdentityDraft {
  const d = {} as IdentityDraft;
  for (const k of IDENTITY_FIELDS) d[k] = id?.[k] ?? '';
  return d;
}

/**
 * The `identity` member of a JSON merge patch (RFC 7396): only the fields
 * that changed, trimmed; a field emptied is null (erased). Null when nothing
 * changed.
 */
export function identityPatch(
  before: Identity | null | undefined,
  draft: IdentityDraft,
): Record<string, string | null> | null {
  const out: Record<string, string | null> = {};
  for (const k of IDENTITY_FIELDS) {
    const was = (before?.[k] ?? '').trim();
    const now = draft[k].trim();
    if (now !== was) out[k] = now === '' ? null : now;
  }
  return Object.keys(out).length ? out : null;
}

export interface ActivityDraft {
  held_on: string;
  region: string;
  kind: string;
  title: string;
  measure_code: string;
  female: string;
  male: string;
  other: string;
  people_reached: string;
  cost_kgs: string;
  funding_source: string;
}

export const emptyActivity = (today: string): ActivityDraft => ({
  held_on: today,
  region: '',
  kind: '',
  title: '',
  measure_code: '',
  female: '',
  male: '',
  other: '',
  people_reached: '',
  cost_kgs: '',
  funding_source: '',
});

const count = (s: string): number | undefined => {
  const t = s.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isInteger(n) && n >= 0 ? n : NaN;
};

/**
 * The ActivityInput body of a draft: empty optional fields left out,
 * participants counted by sex. Returns the names of invalid fields instead
 * when a count or an amount is not a non-negative number.
 */
export function activityBody(d: ActivityDraft): { body: Record<string, unknown> } | { invalid: string[] } {
  const invalid: string[] = [];
  const body: Record<string, unknown> = {
    held_on: d.held_on,
    region: d.region,
    kind: d.kind,
    title: d.title.trim(),
    measure_code: d.measure_code,
  };
  const participants: Record<string, number> = {};
  for (const s of ['female', 'male', 'other'] as const) {
    const n = count(d[s]);
    if (n === undefined) continue;
    if (Number.isNaN(n)) invalid.push(s);
    else participants[s] = n;
  }
  if (Object.keys(participants).length) body.participants = participants;
  const reached = count(d.people_reached);
  if (reached !== undefined) {
    if (Number.isNaN(reached)) invalid.push('people_reached');
    else body.people_reached = reached;
  }
  if (d.cost_kgs.trim() !== '') {
    const c = Number(d.cost_kgs.trim().replace(',', '.'));
    if (!Number.isFinite(c) || c < 0) invalid.push('cost_kgs');
    else body.cost_kgs = c;
  }
  if (d.funding_source) body.funding_source = d.funding_source;
  for (const k of ['held_on', 'region', 'kind', 'title', 'measure_code'] as const) if (!body[k]) invalid.push(k);
  return invalid.length ? { invalid } : { body };
}

/** Whether an API error of the given status names the field in its problem's errors. */
export function problemNames(e: unknown, status: number, name: string): boolean {
  if (!(e instanceof ApiError) || e.status !== status || !e.problem) return false;
  const p = e.problem as { errors?: { field?: string }[] };
  return !!p.errors?.some((x) => x.field === name);
}

/** Whether a 400 names the given query parameter (a server that does not know it yet). */
export function rejectsParam(e: unknown, name: string): boolean {
  if (problemNames(e, 400, name)) return true;
  if (!(e instanceof ApiError) || e.status !== 400 || !e.problem) return false;
  const detail = (e.problem as { detail?: string }).detail;
  return typeof detail === 'string' && new RegExp(`\\b${name}\\b`).test(detail);
}

/** A case code as typed, normalized for the exact search: SEZIM-2025-0042. */
export function normalizeCode(s: string): string {
  return s.trim().toUpperCase();
}

/** Whether a typed value looks like a whole case code (ORG-YYYY-NNNN). */
export function isWholeCode(s: string): boolean {
  return /^[A-Z0-9][A-Z0-9-]*-\d{4}-\d{1,}$/.test(normalizeCode(s));
}
