// Component tests: the screens rendered to HTML with React's server renderer
// (effects do not run, so nothing is fetched), in the language the browser
// asks for.
import { describe, expect, it } from 'vitest';
import type { ReactElement } from 'react';
import { DICTS } from '../i18n/dict';
import { browserLanguage, kyrgyzBrowser, render as renderInApp } from '../testing';
import { CaseTable } from './CaseList';
import { NewCase } from './NewCase';
import { Login } from './Login';
import { CrossTab, OneDim } from './Dashboard';
import type { Case, StatsTable } from '../lib/types';

function render(el: ReactElement, lang = 'ky-KG'): string {
  browserLanguage(lang);
  return renderInApp(el);
}

const soon = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
const aCase: Case = {
  id: '6f1c2a8e-7a4b-4d5e-9f00-0123456789ab',
  code: 'SEZIM-2025-0042',
  version: 1,
  owner_organization_id: 'o',
  stage: 'shelter',
  status: 'open',
  risk_level: 'high',
  sex: 'female',
  age_bracket: '18-20',
  identified_at: '2025-03-01T10:00:00Z',
  reflection_ends_on: soon,
  identity: { family_name: 'Secretova', given_name: 'Aizhan' },
  assigned_workers: [{ id: 'u1', name: 'Gulnara Worker' }],
  last_activity_at: '2025-04-02T09:00:00Z',
};

describe('screens', () => {
  kyrgyzBrowser();

  it('lists cases in Kyrgyz with stage, reflection and overdue badges, by code only', () => {
    const html = render(<CaseTable items={[aCase]} overdue={new Set([aCase.id])} />);
    expect(html).toContain('SEZIM-2025-0042');
    expect(html).toContain(`href="/cases/${aCase.id}"`);
    expect(html).toContain(DICTS.ky['stage.shelter']);
    expect(html).toContain(DICTS.ky['cases.overdueReferral']);
    expect(html).toContain(DICTS.ky['case.reflectionUntil']);
    expect(html).toContain('Gulnara Worker');
    expect(html).toContain('02.04.2025'); // last activity, dd.mm.yyyy in Kyrgyz
    expect(html).not.toContain('Secretova');
    expect(html).not.toContain(DICTS.ru['stage.shelter']);
  });

  it('switches language with the browser: the same table in Russian and English', () => {
    expect(render(<CaseTable items={[aCase]} />, 'ru-RU')).toContain(DICTS.ru['cases.code']);
    expect(render(<CaseTable items={[aCase]} />, 'en-US')).toContain(DICTS.en['cases.code']);
  });

  it('puts autocomplete="off" on every identity input and cannot create before the check', () => {
    const html = render(<NewCase />);
    const inputs = html.match(/<input[^>]*>/g) ?? [];
    expect(inputs.length).toBeGreaterThanOrEqual(7);
    for (const i of inputs) expect(i.toLowerCase()).toContain('autocomplete="off"');
    expect(html).toMatch(/<button type="submit" disabled="">/);
  });

  it('shows the sign-in form in Kyrgyz', () => {
    const html = render(<Login onSignedIn={() => {}} />);
    expect(html).toContain(DICTS.ky['login.title']);
    expect(html).toContain('name="email"');
    expect(html).not.toContain(DICTS.ru['login.password']);
  });

  it('prints withheld cells as <k, marked, and released ones as numbers', () => {
    const table: StatsTable = {
      name: 'persons_by_exploitation_type',
      period: '2025-H1',
      k: 5,
      dimensions: ['exploitation_type'],
      rows: [
        { exploitation_type: 'forced_labour', count: 34, suppressed: false },
        { exploitation_type: 'forced_begging', count: null, suppressed: true },
        { exploitation_type: 'servitude', count: 0, suppressed: false },
      ],
      totals: { count: 36, suppressed: false },
    };
    const html = render(<OneDim table={table} />);
    expect(html).toContain('data-cell="released">34<');
    expect(html).toMatch(
      /data-cell="suppressed"><span aria-hidden="true">&lt;5<\/span><span class="visually-hidden">[^<]+<\/span>/,
    );
    expect(html).toContain(DICTS.ky['exploit.forced_begging']);
    expect((html.match(/data-cell="suppressed"/g) ?? []).length).toBe(1);
    // Bars: a withheld cell is drawn as an outlined band, never as its value.
    expect(html).toContain('class="bar bar-suppressed"');
  });

  it('lays out a cross-tabulation with a row per first dimension value', () => {
    const table: StatsTable = {
      name: 'persons_by_sex_age',
      period: '2025',
      k: 5,
      dimensions: ['sex', 'age_bracket'],
      rows: [
        { sex: 'female', age_bracket: '18-20', count: 7, suppressed: false },
        { sex: 'female', age_bracket: '21-23', count: null, suppressed: true },
        { sex: 'male', age_bracket: '18-20', count: null, suppressed: true },
        { sex: 'male', age_bracket: '21-23', count: 9, suppressed: false },
      ],
      totals: { count: 20, suppressed: false },
    };
    const html = render(<CrossTab table={table} />);
    expect((html.match(/<tr>/g) ?? []).length).toBe(3);
    expect((html.match(/data-cell="suppressed"/g) ?? []).length).toBe(2);
    expect(html).toContain(DICTS.ky['sex.male']);
  });
});
