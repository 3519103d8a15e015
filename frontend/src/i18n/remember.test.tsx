// The language last chosen on the device: a code in local storage, read
// back on the next load; nothing else is written.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LANG_STORAGE_KEY, rememberedLanguage } from './index';

function fakeStorage(init: Record<string, string> = {}) {
  const m = new Map(Object.entries(init));
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    entries: () => [...m.entries()],
  };
}

describe('remembered language', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('reads a known language code only', () => {
    vi.stubGlobal('localStorage', fakeStorage({ [LANG_STORAGE_KEY]: 'ky' }));
    expect(rememberedLanguage()).toBe('ky');
    vi.stubGlobal('localStorage', fakeStorage({ [LANG_STORAGE_KEY]: 'de' }));
    expect(rememberedLanguage()).toBeNull();
  });

  it('does without storage the browser refuses', () => {
    vi.stubGlobal('localStorage', {
      getItem: () => {
        throw new Error('denied');
      },
    });
    expect(rememberedLanguage()).toBeNull();
    vi.stubGlobal('localStorage', undefined);
    expect(rememberedLanguage()).toBeNull();
  });
});
