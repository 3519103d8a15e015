import { describe, expect, it } from 'vitest';
import { assessmentBody, scoreOf, type AssessmentDefinition } from './casework';

const safety: AssessmentDefinition = {
  kind: 'safety',
  version: 1,
  items: ['trafficker_contact', 'threats', 'debt', 'documents_withheld'].map((key) => ({ key, min: 0, max: 0 })),
};
const reint: AssessmentDefinition = {
  kind: 'reintegration',
  version: 1,
  dimensions: ['economic', 'social'],
  items: [
    { key: 'income_source', dimension: 'economic', min: 0, max: 4 },
    { key: 'food_security', dimension: 'economic', min: 0, max: 4 },
    { key: 'housing', dimension: 'social', min: 0, max: 4 },
  ],
};

describe('assessment scores as filled in', () => {
  it('suggest a safety level from the signs present', () => {
    expect(scoreOf(safety, {}).level).toBe('low');
    expect(scoreOf(safety, { debt: { present: true } })).toMatchObject({ level: 'medium', score: 0.25, answered: 1 });
    expect(scoreOf(safety, { threats: { present: true } }).level).toBe('high');
  });
  it('score reintegration per dimension and overall', () => {
    const s = scoreOf(reint, { income_source: { score: 4 }, food_security: { score: 2 }, housing: { score: 1 } });
    expect(s.dimensions).toEqual({ economic: 0.75, social: 0.25 });
    expect(s.score).toBe(0.5);
    expect(s.answered).toBe(3);
  });
  it('send every answer, notes only when typed', () => {
    const b = assessmentBody(safety, { debt: { present: true, note: ' owes the recruiter ' } }, { level: 'high' });
    expect(b.answers).toEqual({
      trafficker_contact: { present: false },
      threats: { present: false },
      debt: { present: true, note: 'owes the recruiter' },
      documents_withheld: { present: false },
    });
    expect(b.level).toBe('high');
    expect(b).not.toHaveProperty('note');
  });
});
