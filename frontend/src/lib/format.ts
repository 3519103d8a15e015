import type { Lang } from '../i18n/dict';

// Calendar days and deadlines are those of Asia/Bishkek.
export const TIME_ZONE = 'Asia/Bishkek';

const LOCALES: Record<Lang, string> = { ru: 'ru-RU', ky: 'ky-KG', en: 'en-GB' };

// Days written in digits: in Kyrgyzstan, in either language, as dd.mm.yyyy.
// Browsers' Kyrgyz data write them as yyyy-mm-dd (or worse), so Kyrgyz
// screens take the Russian digit order; names of months stay Kyrgyz.
const DIGIT_DATES: Record<Lang, string> = { ru: 'ru-RU', ky: 'ru-RU', en: 'en-GB' };

export interface Format {
  date: (iso: string | null | undefined) => string;
  dateTime: (iso: string | null | undefined) => string;
  number: (n: number | null | undefined) => string;
  money: (n: number | null | undefined) => string;
  /** A month written YYYY-MM, as "March 2025" in the language. */
  month: (ym: string | null | undefined) => string;
}

/** The order and separator of a calendar day written in digits, per language. */
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

export function makeFormat(lang: Lang): Format {
  const locale = LOCALES[lang];
  const dt = once(
    () =>
      new Intl.DateTimeFormat(DIGIT_DATES[lang], {
        timeZone: TIME_ZONE,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }),
  );
  const d = once(
    () =>
      new Intl.DateTimeFormat(DIGIT_DATES[lang], {
        timeZone: TIME_ZONE,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      }),
  );
  const n = once(() => new Intl.NumberFormat(locale));
  const m = once(() => new Intl.NumberFormat(locale, { minimumFractionDigits: 0, maximumFractionDigits: 2 }));
  const mo = once(() => new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, year: 'numeric', month: 'short' }));
  const parse = (iso: string) => {
    const v = new Date(iso);
    return Number.isNaN(v.getTime()) ? null : v;
  };
  // A date without a time is a calendar day: written as it is, with no time zone to apply.
  const day = (iso: string) => formatDay(iso, lang) || null;
  return {
    date: (iso) => {
      if (!iso) return '—';
      const plain = day(iso);
      if (plain) return plain;
      const v = parse(iso);
      return v ? d().format(v) : '—';
    },
    dateTime: (iso) => {
      if (!iso) return '—';
      const v = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? parse(`${iso}T12:00:00+06:00`) : parse(iso);
      return v ? dt().format(v) : '—';
    },
    number: (x) => (x == null ? '—' : n().format(x)),
    money: (x) => (x == null ? '—' : m().format(x)),
    month: (ym) => {
      const v = ym && /^\d{4}-\d{2}$/.test(ym) ? new Date(`${ym}-15T12:00:00+06:00`) : null;
      return v ? mo().format(v) : '—';
    },
  };
}
