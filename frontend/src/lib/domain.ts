// Pure rules the screens share: which periods have ended (Asia/Bishkek),
// which accounts wait for approval, and how a suppressed count is printed.

/** Year, month (1-12) and day of a moment in Asia/Bishkek (UTC+6, no DST). */
export function bishkekDate(now: Date): { year: number; month: number; day: number } {
  const b = new Date(now.getTime() + 6 * 3600_000);
  return { year: b.getUTCFullYear(), month: b.getUTCMonth() + 1, day: b.getUTCDate() };
}

/** The current half-year in Asia/Bishkek. */
export function currentHalf(now: Date): { year: number; half: 1 | 2 } {
  const { year, month } = bishkekDate(now);
  return { year, half: month <= 6 ? 1 : 2 };
}

/** The last half-year that has ended. */
export function lastEndedHalf(now: Date): { year: number; half: 1 | 2 } {
  const c = currentHalf(now);
  return c.half === 2 ? { year: c.year, half: 1 } : { year: c.year - 1, half: 2 };
}

/**
 * Ended periods a coordinator may ask for, newest first: half-years and
 * years from `fromYear` on (`YYYY-H1`, `YYYY-H2`, `YYYY`).
 */
export function endedPeriods(now: Date, fromYear: number): string[] {
  const out: string[] = [];
  const last = lastEndedHalf(now);
  for (let y = last.year; y >= fromYear; y--) {
    if (y < last.year || last.half === 2) out.push(`${y}-H2`);
    out.push(`${y}-H1`);
    if (y < last.year || last.half === 2) out.push(`${y}`);
  }
  return out;
}

/** Half-years from `fromYear` up to `last`, newest first, as {year, half}. */
export function halfYears(last: { year: number; half: 1 | 2 }, fromYear: number): { year: number; half: 1 | 2 }[] {
  const out: { year: number; half: 1 | 2 }[] = [];
  for (let y = last.year; y >= fromYear; y--) {
    if (y < last.year || last.half === 2) out.push({ year: y, half: 2 });
    out.push({ year: y, half: 1 });
  }
  return out;
}

/**
 * Whether an account of this role waits for a second person's approval (and
 * is created without a password): every role but those that read no case
 * data and grant no role.
 */
export function needsApproval(role: string): boolean {
  return role !== 'coordinator' && role !== 'auditor';
}

/** Whether an account has a grant waiting for approval. */
export function awaitsApproval(u: { status: string; pending_role: string | null }): boolean {
  return u.status === 'pending_approval' || u.pending_role != null;
}

/** A withheld count is printed "<k"; a released one as a number. */
export function cellText(count: number | null, suppressed: boolean, k: number, num: (n: number) => string): string {
  if (suppressed || count == null) return `<${k}`;
  return num(count);
}

/** Whether the recovery and reflection period of an open case is still running or has just ended. */
export function reflectionState(
  endsOn: string | null | undefined,
  status: string,
  now: Date,
): 'running' | 'ended' | null {
  if (!endsOn || status !== 'open') return null;
  const { year, month, day } = bishkekDate(now);
  const today = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return endsOn >= today ? 'running' : 'ended';
}
