// Component tests of the activities list, the budget table, identity editing
// and assignment, rendered to HTML in Kyrgyz (effects do not run, so nothing
// is fetched), and of the navigation's permissions.
import { describe, expect, it } from 'vitest';
import { DICTS } from '../i18n/dict';
import { KY, kyrgyzBrowser, render } from '../testing';
import { navEntries } from '../App';
import { ActivityTable } from './Activities';
import { BudgetTable, HtcdsExport } from './Budget';
import { EditIdentity } from './case/EditIdentity';
import { AssignPanel } from './case/Supervision';
import type { Activity, Budget, Case, Me } from '../lib/types';

const budget: Budget = {
  program: '2022-2025',
  year: 2024,
  k: 5,
  funding_sources: ['state_budget', 'ngo_own_funds'],
  items: [
    {
      code: '2.4',
      direction: 'prevention',
      title: { ru: 'Мера', ky: 'Чара 2.4', en: 'Measure 2.4' },
      planned_kgs: 100000,
      actual_kgs: null,
      actual_suppressed: true,
      sources: [
        { funding_source: 'state_budget', planned_kgs: 80000, actual_kgs: 41000, actual_suppressed: false },
        { funding_source: 'ngo_own_funds', planned_kgs: 20000, actual_kgs: null, actual_suppressed: true },
        { funding_source: 'other', planned_kgs: 0, actual_kgs: 0, actual_suppressed: false },
      ],
    },
  ],
  planned_kgs: 100000,
  actual_kgs: null,
  actual_suppressed: true,
};

describe('new screens', () => {
  kyrgyzBrowser();

  it('shows planned and actual per funding source, withheld actuals as <k announced as withheld', () => {
    const html = render(<BudgetTable budget={budget} />);
    expect(html).toContain(KY['funding.state_budget']);
    expect(html).toContain(KY['funding.ngo_own_funds']);
    expect(html).not.toContain(KY['funding.other']);
    expect(html).toContain('Чара 2.4');
    // Two sources (not the one with nothing planned or spent) and the measure's subtotal; the program total in the footer.
    expect(html.match(/<tr/g)?.length).toBe(1 + 3 + 1);
    // The source, the measure and the program total are withheld: three cells.
    expect(html.match(/data-budget="suppressed"/g)?.length).toBe(3);
    expect(html.match(/data-budget="released"/g)?.length).toBe(1);
    expect(html).toContain('&lt;5');
    expect(html).toContain(KY['budget.withheld']);
    expect(html).not.toContain(DICTS.ru['budget.withheld']);
  });

  it('says the person-level exports are k = 11 anonymized and offers both layouts', () => {
    const html = render(<HtcdsExport />);
    expect(html).toContain(KY['htcds.explain']);
    expect(KY['htcds.explain']).toContain('11');
    expect(html).toContain(KY['htcds.download']);
    expect(html).toContain(KY['htcds.downloadCtdc']);
    expect(html.match(/data-layout=/g)?.length).toBe(2);
  });

  it('lists activities with participants by sex, reach and cost', () => {
    const a: Activity = {
      id: 'a1',
      organization_id: 'o',
      held_on: '2025-04-10',
      region: 'osh',
      kind: 'training',
      title: 'Training of officials',
      participants: { female: 4, male: 7 },
      participants_total: 11,
      people_reached: 30,
      cost_kgs: 2500,
      funding_source: 'state_budget',
      measure_code: '3.4',
      created_by: 'u',
      created_at: '2025-04-10T10:00:00Z',
    };
    const html = render(<ActivityTable items={[a]} />);
    expect(html).toContain(KY['actkind.training']);
    expect(html).toContain(KY['region.osh']);
    expect(html).toContain('3.4');
    expect(html).toContain('>11<');
    expect(html).toContain('translate="no"');
    expect(render(<ActivityTable items={[]} />)).toContain(KY['act.empty']);
  });

  it('puts autocomplete="off" on every identity input, prefilled from the case', () => {
    const c = {
      id: 'c1',
      code: 'SEZIM-2025-0042',
      version: 3,
      owner_organization_id: 'o',
      stage: 'shelter',
      status: 'open',
      identity: { family_name: 'Secretova', phone: '+996' },
    } as Case;
    const html = render(<EditIdentity c={c} onSaved={async () => {}} />);
    const inputs = html.match(/<input[^>]*>/g) ?? [];
    expect(inputs.length).toBe(7);
    for (const i of inputs) expect(i.toLowerCase()).toContain('autocomplete="off"');
    expect(html).toContain('value="Secretova"');
    expect(html).toContain(KY['identity.edit']);
  });

  it('offers "assign me" until the list of caseworkers has loaded', () => {
    const me = { id: 'u1', name: 'Supervisor', permissions: [], organization: { id: 'o' } } as unknown as Me;
    const c = { id: 'c1', version: 1, assigned_user_ids: ['u2'] } as Case;
    const html = render(<AssignPanel c={c} me={me} onChanged={async () => {}} />);
    expect(html).toContain(KY['assign.take']);
    expect(html).not.toContain('data-testid="assign-form"');
  });
});

describe('navigation', () => {
  const shown = (perms: string[]) =>
    navEntries((p) => perms.includes(p))
      .filter((n) => n.show)
      .map((n) => n.path);
  it('shows Users administration to those who may create or approve accounts, not to those who may only list them', () => {
    expect(shown(['case.list', 'case.create', 'user.list', 'activity.list', 'report.read'])).not.toContain('/users');
    expect(shown(['user.list', 'user.create'])).toContain('/users');
    expect(shown(['case.list', 'user.list', 'user.approve'])).toContain('/users');
  });
  it('shows Activities to those who may list them, after the cases', () => {
    const s = shown(['case.list', 'referral.list', 'activity.list']);
    expect(s).toEqual(['/cases', '/referrals', '/activities']);
  });
});
