import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import {
  activityBody,
  bishkekToday,
  emptyActivity,
  endedYears,
  identityDraft,
  identityPatch,
  isWholeCode,
  problemNames,
  rejectsParam,
} from './work';

describe('ended years', () => {
  it('starts at the year before the current one in Bishkek', () => {
    // 31 Dec 2025 20:00 UTC is already 1 Jan 2026 in Bishkek: 2025 has ended.
    expect(endedYears(new Date('2025-12-31T20:00:00Z'), 2022)).toEqual([2025, 2024, 2023, 2022]);
    expect(endedYears(new Date('2025-12-31T12:00:00Z'), 2022)).toEqual([2024, 2023, 2022]);
    expect(bishkekToday(new Date('2025-12-31T20:00:00Z'))).toBe('2026-01-01');
  });
});

describe('identity patch', () => {
  const before = { given_name: 'Aizhan', family_name: 'Secretova', phone: '+996 555 000000' };
  it('carries only changed fields, trimmed, and null for an emptied one', () => {
    const d = identityDraft(before);
    expect(identityPatch(before, d)).toBeNull();
    expect(identityPatch(before, { ...d, given_name: ' Aizhan ' })).toBeNull();
    expect(identityPatch(before, { ...d, phone: '', patronymic: ' Bolotovna ' })).toEqual({
      phone: null,
      patronymic: 'Bolotovna',
    });
  });
  it('starts from empty fields when nothing was read', () => {
    expect(identityDraft(null).address).toBe('');
    expect(identityPatch(null, { ...identityDraft(null), document_number: 'ID123' })).toEqual({
      document_number: 'ID123',
    });
  });
});

describe('activity body', () => {
  const base = {
    ...emptyActivity('2025-05-01'),
    region: 'osh',
    kind: 'training',
    title: '  Training of officials ',
    measure_code: '2.4',
  };
  const required = {
    held_on: '2025-05-01',
    region: 'osh',
    kind: 'training',
    title: 'Training of officials',
    measure_code: '2.4',
  };
  it('leaves empty optional fields out and counts participants by sex', () => {
    expect(activityBody(base)).toEqual({ body: required });
    const r = activityBody({
      ...base,
      female: '3',
      other: '0',
      people_reached: '40',
      cost_kgs: '1500,50',
      funding_source: 'state_budget',
    });
    expect(r).toEqual({
      body: {
        ...required,
        participants: { female: 3, other: 0 },
        people_reached: 40,
        cost_kgs: 1500.5,
        funding_source: 'state_budget',
      },
    });
  });
  it('names the invalid fields', () => {
    expect(activityBody({ ...base, male: '-1', people_reached: '2.5', cost_kgs: 'x', title: ' ' })).toEqual({
      invalid: ['male', 'people_reached', 'cost_kgs', 'title'],
    });
  });
});

describe('case code search', () => {
  it('recognizes whole codes, in any case', () => {
    expect(isWholeCode('sezim-2025-0042')).toBe(true);
    expect(isWholeCode('MLSSM-CTU-2024-0003')).toBe(true);
    expect(isWholeCode('SEZIM-2025-')).toBe(false);
    expect(isWholeCode('SEZIM')).toBe(false);
  });
  it('falls back only on a 400 that names the parameter', () => {
    expect(
      rejectsParam(new ApiError(400, { detail: 'invalid code', errors: [{ field: 'code' }] } as never), 'code'),
    ).toBe(true);
    expect(rejectsParam(new ApiError(400, { detail: 'unknown parameter code' }), 'code')).toBe(true);
    expect(rejectsParam(new ApiError(400, { detail: 'invalid stage' }), 'code')).toBe(false);
    expect(rejectsParam(new ApiError(403, { detail: 'code' }), 'code')).toBe(false);
    expect(rejectsParam(new Error('x'), 'code')).toBe(false);
  });
});

describe('a conflict naming a field', () => {
  it('tells a transfer that needs approval from other conflicts', () => {
    const approval = new ApiError(409, {
      detail: 'a transfer needs approval',
      errors: [{ field: 'approval' }],
    } as never);
    expect(problemNames(approval, 409, 'approval')).toBe(true);
    expect(problemNames(approval, 400, 'approval')).toBe(false);
    expect(problemNames(new ApiError(409, { detail: 'a transfer is pending' }), 409, 'approval')).toBe(false);
    expect(problemNames(new ApiError(409, { errors: [{ field: 'version' }] } as never), 409, 'approval')).toBe(false);
    expect(problemNames(new Error('x'), 409, 'approval')).toBe(false);
  });
});
