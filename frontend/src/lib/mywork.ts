// Pure rules of the work list (GET /me/work): where an item is worked on,
// which kinds have work, and an item's half-year. Items carry codes and ids
// only; nothing here reads or writes a name.
import { WORK_KINDS } from './enums';
import type { WorkItem } from './types';

/** A hotline operator's kinds, worked on from the call screen. */
const HOTLINE_KINDS: readonly string[] = ['intake_waiting', 'intake_declined', 'callback'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The app's page where an item is worked on: a referral to answer opens the
 * referral, other case work its case, a report the report page, an
 * approval the accounts and an operator's intake or callback the call
 * screen; null when the item names none the app has.
 */
export function workPath(item: WorkItem): string | null {
  if (item.kind === 'referral_response')
    return UUID.test(item.referral_id ?? '') ? `/referrals/${item.referral_id}` : null;
  if (item.case_id) return UUID.test(item.case_id) ? `/cases/${item.case_id}` : null;
  if (item.kind === 'report_due') return '/report';
  if (item.kind === 'approval') return '/users';
  if (HOTLINE_KINDS.includes(item.kind)) return '/contacts';
  return null;
}

/** The kinds that have work, in the list's order, with their counts. */
export function kindsWithWork(counts: Record<string, number>): { kind: string; count: number }[] {
  return WORK_KINDS.map((kind) => ({ kind, count: counts[kind] ?? 0 })).filter((k) => k.count > 0);
}

/** The items of one kind ('' for all), in the order given (the most urgent first). */
export function ofKind(items: WorkItem[], kind: string): WorkItem[] {
  return kind ? items.filter((i) => i.kind === kind) : items;
}

/** A half-year written YYYY-Hn, as its year and half; null for anything else. */
export function halfYear(period: string | undefined): { year: number; half: 1 | 2 } | null {
  const m = /^(\d{4})-H([12])$/.exec(period ?? '');
  return m ? { year: Number(m[1]), half: m[2] === '1' ? 1 : 2 } : null;
}

/** Kinds due on a calendar day: the server's due time is the start of the day after. */
const DAY_KINDS: readonly string[] = ['plan_goal', 'reflection_period_ending', 'consent_expiring'];

/**
 * The last day of an item due on a calendar day (an instant within it, to
 * format as a date); null for an item due at a moment (show its time).
 */
export function dueDay(item: WorkItem): string | null {
  if (!DAY_KINDS.includes(item.kind)) return null;
  const t = new Date(item.due_at).getTime();
  return Number.isNaN(t) ? null : new Date(t - 60_000).toISOString();
}
