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

export function makeFormat(lang: Lang): Format {
  const locale = LOCALES[lang];
  const d = new Intl.DateTimeFormat(DIGIT_DATES[lang], {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const dt = new Intl.DateTimeFormat(DIGIT_DATES[lang], {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const n = new Intl.NumberFormat(locale);
  const m = new Intl.NumberFormat(locale, { minimumFractionDigits: 0, maximumFractionDigits: 2 });
  const mo = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, year: 'numeric', month: 'short' });
  const parse = (iso: string) => {
    // A date without a time is a calendar day: read it at noon in Bishkek.
    const v = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T12:00:00+06:00`) : new Date(iso);
    return Number.isNaN(v.getTime()) ? null : v;
  };
  return {
    date: (iso) => {
      if (!iso) return '—';
      const v = parse(iso);
      return v ? d.format(v) : '—';
    },
    dateTime: (iso) => {
      if (!iso) return '—';
      const v = parse(iso);
      return v ? dt.format(v) : '—';
    },
    number: (x) => (x == null ? '—' : n.format(x)),
    money: (x) => (x == null ? '—' : m.format(x)),
    month: (ym) => {
      const v = ym && /^\d{4}-\d{2}$/.test(ym) ? new Date(`${ym}-15T12:00:00+06:00`) : null;
      return v ? mo.format(v) : '—';
    },
  };
}
