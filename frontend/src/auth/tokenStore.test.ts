import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { adoptToken, clearToken, getToken, needsRefresh, onTokenChange, setToken } from './tokenStore';

function spyStorage() {
  const calls: string[] = [];
  const make = (name: string): Storage => ({
    get length() {
      return 0;
    },
    clear: () => {
      calls.push(`${name}.clear`);
    },
    getItem: (k) => {
      calls.push(`${name}.getItem:${k}`);
      return null;
    },
    key: () => null,
    removeItem: (k) => {
      calls.push(`${name}.removeItem:${k}`);
    },
    setItem: (k) => {
      calls.push(`${name}.setItem:${k}`);
    },
  });
  vi.stubGlobal('localStorage', make('localStorage'));
  vi.stubGlobal('sessionStorage', make('sessionStorage'));
  let cookie = '';
  vi.stubGlobal('document', {
    get cookie() {
      calls.push('cookie.get');
      return cookie;
    },
    set cookie(v: string) {
      calls.push('cookie.set');
      cookie = v;
    },
  });
  return calls;
}

describe('token store', () => {
  let calls: string[];
  beforeEach(() => {
    calls = spyStorage();
    clearToken();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('keeps the token in memory and never touches storage or cookies', () => {
    setToken('secret-token', 900, 1_000);
    expect(getToken()).toEqual({ token: 'secret-token', expiresAt: 901_000 });
    clearToken();
    expect(getToken()).toBeNull();
    expect(calls).toEqual([]);
  });

  it('says when a refresh is due', () => {
    expect(needsRefresh(60_000, 0)).toBe(true);
    setToken('t', 900, 0);
    expect(needsRefresh(60_000, 100_000)).toBe(false);
    expect(needsRefresh(60_000, 840_000)).toBe(true);
  });

  it('adopts a newer token from another tab but not an older one', () => {
    setToken('mine', 900, 0);
    adoptToken({ token: 'older', expiresAt: 100 });
    expect(getToken()?.token).toBe('mine');
    adoptToken({ token: 'newer', expiresAt: 2_000_000 });
    expect(getToken()?.token).toBe('newer');
  });

  it('notifies listeners', () => {
    const seen: (string | null)[] = [];
    const off = onTokenChange((t) => seen.push(t?.token ?? null));
    setToken('a', 10);
    clearToken();
    off();
    setToken('b', 10);
    expect(seen).toEqual(['a', null]);
  });
});
