import { describe, expect, it } from 'vitest';
import {
  awaitsApproval,
  cellText,
  currentHalf,
  endedPeriods,
  halfYears,
  lastEndedHalf,
  needsApproval,
  reflectionState,
} from './domain';

describe('periods in Asia/Bishkek', () => {
  it('switches half-years at midnight in Bishkek, not UTC', () => {
    // 30 June 19:00 UTC is already 1 July in Bishkek.
    expect(currentHalf(new Date('2025-06-30T19:00:00Z'))).toEqual({ year: 2025, half: 2 });
    expect(currentHalf(new Date('2025-06-30T17:00:00Z'))).toEqual({ year: 2025, half: 1 });
    expect(lastEndedHalf(new Date('2025-03-01T00:00:00Z'))).toEqual({ year: 2024, half: 2 });
    expect(lastEndedHalf(new Date('2025-08-01T00:00:00Z'))).toEqual({ year: 2025, half: 1 });
  });
  it('lists only ended periods, newest first', () => {
    expect(endedPeriods(new Date('2025-08-01T00:00:00Z'), 2024)).toEqual(['2025-H1', '2024-H2', '2024-H1', '2024']);
    expect(endedPeriods(new Date('2026-01-02T00:00:00Z'), 2025)).toEqual(['2025-H2', '2025-H1', '2025']);
    expect(halfYears({ year: 2023, half: 1 }, 2022)).toEqual([
      { year: 2023, half: 1 },
      { year: 2022, half: 2 },
      { year: 2022, half: 1 },
    ]);
  });
});

describe('rules', () => {
  it('tells which accounts wait for a second person', () => {
    // Four eyes: only coordinators and auditors are active at once; any
    // other role, a new one included, waits for approval.
    expect(
      ['caseworker', 'supervisor', 'org_admin', 'admin', 'hotline_operator', 'hotline_supervisor'].every(needsApproval),
    ).toBe(true);
    expect(needsApproval('coordinator') || needsApproval('auditor')).toBe(false);
    expect(awaitsApproval({ status: 'active', pending_role: 'supervisor' })).toBe(true);
    expect(awaitsApproval({ status: 'disabled', pending_role: null })).toBe(false);
  });
  it('prints a withheld count as <k', () => {
    const num = (n: number) => String(n);
    expect(cellText(null, true, 5, num)).toBe('<5');
    expect(cellText(0, false, 5, num)).toBe('0');
    expect(cellText(12, false, 11, num)).toBe('12');
  });
  it('tells whether the reflection period runs', () => {
    const now = new Date('2025-05-10T20:00:00Z'); // 11 May in Bishkek
    expect(reflectionState('2025-05-11', 'open', now)).toBe('running');
    expect(reflectionState('2025-05-10', 'open', now)).toBe('ended');
    expect(reflectionState('2025-05-20', 'closed', now)).toBeNull();
  });
});
