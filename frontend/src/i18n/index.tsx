import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { DICTS, LANGS, type Key, type Lang } from './dict';
import type { EnumName } from '../lib/enums';
import { makeFormat, type Format } from '../lib/format';

export type { Key, Lang };

/** The first supported language among the browser's preferences (Russian otherwise). */
export function pickLanguage(preferred: readonly string[]): Lang {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if ((LANGS as readonly string[]).includes(base)) return base as Lang;
  }
  return 'ru';
}

/** Translates a key; a dynamic key that is unknown falls back to the key itself. */
export function translate(lang: Lang, key: string): string {
  const d = DICTS[lang] as Record<string, string>;
  return d[key] ?? (DICTS.en as Record<string, string>)[key] ?? key;
}

interface I18n {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: (key: Key) => string;
  /** Label of an enumeration value (lib/enums.ts), e.g. tx('stage', 'shelter'); '—' for none. */
  tx: (name: EnumName, value: string | null | undefined) => string;
  /** Label of an enumeration value, or `fallback` for a value the dictionaries lack. */
  tr: (name: EnumName, value: string, fallback: string) => string;
  f: Format;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  // The choice lives in memory only: nothing is written to browser storage.
  const [lang, setLangState] = useState<Lang>(() => pickLanguage(navigator.languages ?? [navigator.language]));
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'app.name');
  }, [lang]);
  const setLang = useCallback((l: Lang) => setLangState(l), []);
  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (key) => translate(lang, key),
      tx: (name, value) => (value == null || value === '' ? '—' : translate(lang, `${name}.${value}`)),
      tr: (name, value, fallback) => {
        const key = `${name}.${value}`;
        const v = translate(lang, key);
        return v === key ? fallback : v;
      },
      f: makeFormat(lang),
    }),
    [lang, setLang],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
