import { describe, expect, it } from 'vitest';
import { dueDay, halfYear, kindsWithWork, ofKind, workPath } from './mywork';
import { makeFormat } from './format';
import type { WorkItem } from './types';

const CASE = '6f1c2a8e-7a4b-4d5e-9f00-0123456789ab';
const REF = '0b5e2a8e-7a4b-4d5e-9f00-0123456789cd';
const item = (over: Partial<WorkItem>): WorkItem => ({
  kind: 'plan_goal',
  due_at: '2026-01-10T18:00:00Z',
  overdue: false,
  link: `/cases/${CASE}`,
  ...over,
});

describe('work list', () => {
  it('opens a referral to answer, other case work in its case, reports and approvals on their pages', () => {
    expect(workPath(item({ kind: 'referral_response', referral_id: REF, case_id: CASE }))).toBe(`/referrals/${REF}`);
    expect(workPath(item({ case_id: CASE }))).toBe(`/cases/${CASE}`);
    expect(workPath(item({ kind: 'consent_expiring', case_id: CASE }))).toBe(`/cases/${CASE}`);
    expect(workPath(item({ kind: 'report_due', link: '/report' }))).toBe('/report');
    expect(workPath(item({ kind: 'approval', link: '/users' }))).toBe('/users');
  });

  it('follows no link it cannot check', () => {
    expect(workPath(item({ kind: 'referral_response' }))).toBeNull();
    expect(workPath(item({ case_id: '../admin' }))).toBeNull();
    expect(workPath(item({ kind: 'something_new', link: 'https://example.org' }))).toBeNull();
  });

  it('lists the kinds with work in their order, and filters by kind', () => {
    expect(kindsWithWork({ approval: 1, referral_response: 2, plan_goal: 0 })).toEqual([
      { kind: 'referral_response', count: 2 },
      { kind: 'approval', count: 1 },
    ]);
    const items = [item({ kind: 'plan_goal' }), item({ kind: 'approval' }), item({ kind: 'plan_goal', overdue: true })];
    expect(ofKind(items, '')).toHaveLength(3);
    expect(ofKind(items, 'plan_goal').map((i) => i.overdue)).toEqual([false, true]);
  });

  it('reads a half-year', () => {
    expect(halfYear('2025-H2')).toEqual({ year: 2025, half: 2 });
    expect(halfYear('2025')).toBeNull();
    expect(halfYear(undefined)).toBeNull();
  });

  it('shows a day-bound item on its last day, a moment-bound one with its time', () => {
    // Due at the start of 11 January in Bishkek: the goal's day is 10 January.
    const day = dueDay(item({ due_at: '2026-01-10T18:00:00Z' }));
    expect(makeFormat('en').date(day)).toBe('10/01/2026');
    expect(dueDay(item({ kind: 'referral_response' }))).toBeNull();
  });
});
