import { describe, expect, it } from 'vitest';
import { pagePath } from './paged';

describe('paged lists', () => {
  it('adds the limit and the cursor to the query the list already has', () => {
    expect(pagePath('/notifications', 50, null)).toBe('/notifications?limit=50');
    expect(pagePath('/referrals?box=incoming', 50, 'a+b/c')).toBe('/referrals?box=incoming&limit=50&cursor=a%2Bb%2Fc');
  });
});
