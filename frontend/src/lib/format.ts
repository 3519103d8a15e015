import type { Lang } from '../i18n/dict';

// Calendar days and deadlines are those of Asia/Bishkek.
export const TIME_ZONE = 'Asia/Bishkek';

const LOCALES: Record<Lang, string> = { ru: 'ru-RU', ky: 'ky-KG', en: 'en-GB' };

export interface Format {
  date: (iso: string | null | undefined) => string;
  dateTime: (iso: string | null | undefined) => string;
  number: (n: number | null | undefined) => string;
  money: (n: number | null | undefined) => string;
  /** A month written YYYY-MM, as "March 2025" in the language. */
  month: (ym: string | null | undefined) => string;
}

/**
 * The separator of a day written in digits, day first in every language: in
 * Kyrgyzstan, in either language, dd.mm.yyyy (browsers' Kyrgyz data write
 * yyyy-mm-dd, or worse), and dd/mm/yyyy in British English.
 */
const DAY_SEPARATOR: Record<Lang, string> = { ru: '.', ky: '.', en: '/' };

/** A calendar day (YYYY-MM-DD) written as the language writes it: 08.03.2025, 08/03/2025. */
export function formatDay(iso: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return '';
  const s = DAY_SEPARATOR[lang];
  return `${m[3]}${s}${m[2]}${s}${m[1]}`;
}

/**
 * A day typed by a person, as YYYY-MM-DD, or null when it is no day of the
 * calendar: day, month and four-digit year in this order, separated by a dot,
 * slash, dash or space (8.3.2025, 08/03/2025), or the ISO form 2025-03-08.
 */
export function parseDay(text: string): string | null {
  const t = text.trim();
  let y: number, mo: number, d: number;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  const dmy = /^(\d{1,2})[./\-\s](\d{1,2})[./\-\s](\d{4})$/.exec(t);
  if (iso) [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (dmy) [d, mo, y] = [Number(dmy[1]), Number(dmy[2]), Number(dmy[3])];
  else return null;
  if (y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1) return null;
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > last) return null;
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A value made the first time it is asked for (an Intl formatter costs milliseconds to make). */
function once<T>(make: () => T): () => T {
  let v: T | undefined;
  return () => (v ??= make());
}

// Asia/Bishkek has kept UTC+6 all year since 2005: a moment's day and time
// there are read by adding six hours, without asking Intl (whose first
// formatter with a time zone costs tens of milliseconds to make).
const BISHKEK_OFFSET_MS = 6 * 3600_000;

/** A moment's day and time in Bishkek: YYYY-MM-DD and HH:MM, or null when the text is no moment. */
function inBishkek(iso: string): { day: string; time: string } | null {
  const v = new Date(iso);
  if (Number.isNaN(v.getTime())) return null;
  const s = new Date(v.getTime() + BISHKEK_OFFSET_MS).toISOString();
  return { day: s.slice(0, 10), time: s.slice(11, 16) };
}

/** The day in Bishkek (YYYY-MM-DD) of a moment, or '' when the text is no moment. */
export function bishkekDay(iso: string): string {
  return inBishkek(iso)?.day ?? '';
}

export function makeFormat(lang: Lang): Format {
  const locale = LOCALES[lang];
  const n = once(() => new Intl.NumberFormat(locale));
  const m = once(() => new Intl.NumberFormat(locale, { minimumFractionDigits: 0, maximumFractionDigits: 2 }));
  const mo = once(() => new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, year: 'numeric', month: 'short' }));
  return {
    // A date without a time is a calendar day: written as it is, with no time zone to apply.
    date: (iso) => {
      if (!iso) return '—';
      const at = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? { day: iso } : inBishkek(iso);
      return (at && formatDay(at.day, lang)) || '—';
    },
    dateTime: (iso) => {
      if (!iso) return '—';
      const at = inBishkek(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T12:00:00+06:00` : iso);
      return at ? `${formatDay(at.day, lang)}, ${at.time}` : '—';
    },
    number: (x) => (x == null ? '—' : n().format(x)),
    money: (x) => (x == null ? '—' : m().format(x)),
    month: (ym) => {
      const v = ym && /^\d{4}-\d{2}$/.test(ym) ? new Date(`${ym}-15T12:00:00+06:00`) : null;
      return v ? mo().format(v) : '—';
    },
  };
}
