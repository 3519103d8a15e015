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

/**
 * The device's memory of the last language chosen: a language code only (not
 * personal data), the one thing the app keeps in browser storage, so that the
 * sign-in page opens in it.
 */
export const LANG_STORAGE_KEY = 'jardam.lang';

/** The language last chosen on this device, if any. */
export function rememberedLanguage(): Lang | null {
  try {
    const v = globalThis.localStorage?.getItem(LANG_STORAGE_KEY) ?? null;
    return v && (LANGS as readonly string[]).includes(v) ? (v as Lang) : null;
  } catch {
    return null; // storage refused (private mode, policy): the browser's language serves
  }
}

function rememberLanguage(l: Lang): void {
  try {
    globalThis.localStorage?.setItem(LANG_STORAGE_KEY, l);
  } catch {
    /* storage refused: the choice lasts for this page */
  }
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
  // The device's last choice, else the browser's languages; once signed in, the account's (App).
  const [lang, setLangState] = useState<Lang>(
    () => rememberedLanguage() ?? pickLanguage(navigator.languages ?? [navigator.language]),
  );
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'app.name');
  }, [lang]);
  const setLang = useCallback((l: Lang) => {
    rememberLanguage(l);
    setLangState(l);
  }, []);
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
