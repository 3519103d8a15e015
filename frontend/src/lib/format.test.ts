import { describe, expect, it } from 'vitest';
import { formatDay, makeFormat, parseDay } from './format';
import { query } from './api';

describe('calendar days typed and shown', () => {
  it('writes a day as the language does', () => {
    expect(formatDay('2025-03-08', 'ru')).toBe('08.03.2025');
    expect(formatDay('2025-03-08', 'ky')).toBe('08.03.2025');
    expect(formatDay('2025-03-08', 'en')).toBe('08/03/2025');
    expect(formatDay('', 'ru')).toBe('');
  });

  it('reads day, month, year in this order, never the American month first', () => {
    expect(parseDay('08.03.2025')).toBe('2025-03-08');
    expect(parseDay(' 8.3.2025 ')).toBe('2025-03-08');
    expect(parseDay('08/03/2025')).toBe('2025-03-08');
    expect(parseDay('12/31/2025')).toBeNull();
    expect(parseDay('2025-03-08')).toBe('2025-03-08');
  });

  it('refuses what is no day of the calendar', () => {
    for (const t of ['', '31.04.2025', '29.02.2025', '00.01.2025', '01.13.2025', '1.1.25', 'завтра', '01.01.1850'])
      expect(parseDay(t), t).toBeNull();
    expect(parseDay('29.02.2024')).toBe('2024-02-29');
  });
});

describe('formatting per language', () => {
  it('formats dates in Asia/Bishkek', () => {
    // 20:30 UTC on 31 December is already 1 January in Bishkek (UTC+6).
    expect(makeFormat('en').date('2024-12-31T20:30:00Z')).toBe('01/01/2025');
    expect(makeFormat('ru').date('2024-12-31T20:30:00Z')).toBe('01.01.2025');
    expect(makeFormat('ru').dateTime('2024-12-31T20:30:00Z')).toContain('02:30');
  });

  it('keeps calendar days as they are', () => {
    expect(makeFormat('ru').date('2025-03-08')).toBe('08.03.2025');
  });

  it('writes a moment as Intl would in Bishkek, without asking it', () => {
    for (const lang of ['ru', 'ky', 'en'] as const) {
      const intl = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'ru-RU', {
        timeZone: 'Asia/Bishkek',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
      for (const iso of ['2024-12-31T20:30:00Z', '2026-07-01T00:00:00+06:00', '2025-03-08T17:59:59.999Z']) {
        expect(makeFormat(lang).dateTime(iso)).toBe(intl.format(new Date(iso)));
      }
    }
    expect(makeFormat('ru').date('not a date')).toBe('—');
  });

  it('writes days as dd.mm.yyyy in Kyrgyz too', () => {
    expect(makeFormat('ky').date('2026-01-10')).toBe('10.01.2026');
    expect(makeFormat('ky').dateTime('2024-12-31T20:30:00Z')).toMatch(/^01\.01\.2025,? 02:30$/);
  });

  it('formats numbers per language', () => {
    expect(makeFormat('en').number(12345)).toBe('12,345');
    expect(makeFormat('ru').number(12345).replace(/\s/g, ' ')).toBe('12 345');
    expect(makeFormat('ky').money(1500.5).replace(/\s/g, ' ')).toBe('1 500,5');
  });

  it('prints a dash for missing values', () => {
    const f = makeFormat('ky');
    expect(f.date(null)).toBe('—');
    expect(f.number(undefined)).toBe('—');
    expect(f.date('not a date')).toBe('—');
  });
});

describe('query strings', () => {
  it('keeps only the set values', () => {
    expect(query({ stage: 'shelter', status: '', cursor: null })).toBe('?stage=shelter');
    expect(query({})).toBe('');
  });
});
