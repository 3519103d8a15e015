import { describe, expect, it } from 'vitest';
import { DICTS, KY_SAME_AS_RU, LANGS, type Key } from './dict';
import { pickLanguage, translate } from './index';

const keys = Object.keys(DICTS.en) as Key[];

describe('dictionary', () => {
  it('has every key, non-empty, in every language', () => {
    for (const lang of LANGS) {
      const d = DICTS[lang] as Record<string, string>;
      expect(Object.keys(d).sort()).toEqual([...keys].sort());
      for (const k of keys) expect(d[k]?.trim(), `${lang} ${k}`).toBeTruthy();
    }
  });

  it('has real Kyrgyz: no Kyrgyz string equals its Russian one outside the allowlist', () => {
    const copies = keys.filter((k) => !KY_SAME_AS_RU.has(k) && DICTS.ky[k] === DICTS.ru[k]);
    expect(copies).toEqual([]);
  });

  it('keeps the allowlist short and to names and codes', () => {
    expect(KY_SAME_AS_RU.size).toBeLessThanOrEqual(6);
    for (const k of KY_SAME_AS_RU) expect(k.startsWith('app.name') || k.startsWith('lang.')).toBe(true);
  });

  it('uses Kyrgyz letters somewhere (ө, ү or ң)', () => {
    const all = keys.map((k) => DICTS.ky[k]).join(' ');
    expect(/[өүң]/i.test(all)).toBe(true);
  });

  it('has no Russian or Kyrgyz string left in English', () => {
    const cyrillic = keys.filter((k) => !k.startsWith('lang.') && /[А-Яа-яЁёӨөҮүҢң]/.test(DICTS.en[k]));
    expect(cyrillic).toEqual([]);
  });

  it('picks the first supported browser language, Russian by default', () => {
    expect(pickLanguage(['ky-KG', 'ru'])).toBe('ky');
    expect(pickLanguage(['de-DE', 'en-US'])).toBe('en');
    expect(pickLanguage(['de-DE'])).toBe('ru');
  });

  it('translates enumeration values and falls back for unknown keys', () => {
    expect(translate('ky', 'stage.shelter')).toBe('Баш калка');
    expect(translate('en', 'stage.nope')).toBe('stage.nope');
  });
});
