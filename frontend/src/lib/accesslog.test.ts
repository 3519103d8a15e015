import { describe, expect, it } from 'vitest';
import { foldAccessLog } from './accesslog';
import type { AccessEntry } from './types';

const entry = (id: number, at: string, actor: string, action: string, outcome = 'success'): AccessEntry =>
  ({ id, at, actor_id: actor, action, outcome, role: 'caseworker', actor_name: actor }) as AccessEntry;

describe('foldAccessLog', () => {
  it('folds list entries per person and Bishkek day, keeps every other entry and the order', () => {
    const lines = foldAccessLog([
      entry(9, '2025-03-02T10:00:00Z', 'a', 'case.list'),
      entry(8, '2025-03-02T09:00:00Z', 'a', 'case.read'),
      entry(7, '2025-03-02T08:00:00Z', 'a', 'case.list'),
      entry(6, '2025-03-02T07:00:00Z', 'b', 'case.list'),
      // 2025-03-01T19:00Z is already 2 March in Bishkek (UTC+6); 17:00Z is 1 March.
      entry(5, '2025-03-01T19:00:00Z', 'a', 'case.list'),
      entry(4, '2025-03-01T17:00:00Z', 'a', 'case.list'),
      entry(3, '2025-03-01T16:00:00Z', 'a', 'case.list', 'denied'),
    ]);
    expect(lines.map((l) => [l.entry.id, l.count])).toEqual([
      [9, 3],
      [8, 1],
      [6, 1],
      [4, 1],
      [3, 1],
    ]);
  });
});
