// The access log of a case as a supervisor reads it: the entries of reading
// the case in a list or a search, of which a busy day writes dozens, folded
// into one line per person and day (Asia/Bishkek); every other entry stays
// a line of its own.
import { bishkekDay } from './format';
import type { AccessEntry } from './types';

/** Actions folded per person and day: the case was shown among others. */
export const FOLDED_ACTIONS: readonly string[] = ['case.list', 'case.search'];

/** A line of the access log: an entry, or `count` folded entries of one person, action and day (the latest shown). */
export interface AccessLine {
  entry: AccessEntry;
  count: number;
}

/** Folds the entries (newest first) into lines, keeping their order. */
export function foldAccessLog(entries: readonly AccessEntry[]): AccessLine[] {
  const out: AccessLine[] = [];
  const folded = new Map<string, AccessLine>();
  for (const e of entries) {
    if (!FOLDED_ACTIONS.includes(e.action) || e.outcome !== 'success') {
      out.push({ entry: e, count: 1 });
      continue;
    }
    const key = `${e.actor_id ?? ''}|${e.action}|${bishkekDay(e.at)}`;
    const line = folded.get(key);
    if (line) line.count++;
    else {
      const l = { entry: e, count: 1 };
      folded.set(key, l);
      out.push(l);
    }
  }
  return out;
}
