// The work list's rows and the navigation of caseworkers and supervisors,
// rendered to HTML in Kyrgyz.
import { describe, expect, it } from 'vitest';
import { navEntries } from '../App';
import { WorkRow } from './MyWork';
import { KY, kyrgyzBrowser, render } from '../testing';
import { DICTS } from '../i18n/dict';
import { makeFormat } from '../lib/format';
import type { WorkItem } from '../lib/types';

const CASE = '6f1c2a8e-7a4b-4d5e-9f00-0123456789ab';
const REF = '0b5e2a8e-7a4b-4d5e-9f00-0123456789cd';

/** A task rendered: a plan goal of the case due on 10 January unless said otherwise. */
const row = (over: Partial<WorkItem>) =>
  render(
    <WorkRow
      item={{
        kind: 'plan_goal',
        due_at: '2026-01-10T18:00:00Z',
        overdue: false,
        link: `/cases/${CASE}`,
        case_id: CASE,
        ...over,
      }}
    />,
  );

describe('my work', () => {
  kyrgyzBrowser();

  it('marks an overdue task in words and links a referral to answer to the referral', () => {
    const html = row({
      kind: 'referral_response',
      due_at: '2026-01-10T09:00:00Z',
      overdue: true,
      link: `/referrals/${REF}`,
      referral_id: REF,
      referral_code: 'REF-2026-0007',
      urgency: 'urgent',
    });
    expect(html).toContain(KY['work.overdue']);
    expect(html).toContain(KY['wkind.referral_response']);
    expect(html).toContain(KY['urgency.urgent']);
    expect(html).toContain(`href="/referrals/${REF}"`);
    expect(html).toContain('REF-2026-0007');
    expect(html).not.toContain(DICTS.ru['work.overdue']);
  });

  it('links case work to its case and shows a day-bound task on its day, not overdue', () => {
    const html = row({ case_code: 'SEZIM-2026-0001' });
    expect(html).toContain(`href="/cases/${CASE}"`);
    expect(html).toContain('SEZIM-2026-0001');
    expect(html).toContain(`>${makeFormat('ky').date('2026-01-10')}</time>`);
    expect(html).not.toContain(KY['work.overdue']);
  });

  it('starts caseworkers and supervisors at their work list', () => {
    const perms = ['work.list', 'case.list', 'referral.list', 'notification.list'];
    const first = (role: string) => navEntries((p) => perms.includes(p), role).find((n) => n.show)?.path;
    expect(first('caseworker')).toBe('/work');
    expect(first('supervisor')).toBe('/work');
    expect(first('coordinator')).toBe('/cases');
  });
});

describe("a hotline operator's work", () => {
  kyrgyzBrowser();

  it('names an intake by the contact and referral codes and links it to the call screen', () => {
    const html = row({
      kind: 'intake_declined',
      link: '/contacts',
      case_id: undefined,
      contact_id: CASE,
      contact_code: 'HL-2026-00042',
      referral_id: REF,
      referral_code: 'REF-2026-0009',
    });
    expect(html).toContain(KY['wkind.intake_declined']);
    expect(html).toContain('href="/contacts"');
    expect(html).toContain('HL-2026-00042 · REF-2026-0009');
  });

  it('lists a callback by its contact code and keeps the call screen first', () => {
    const html = row({ kind: 'callback', link: '/contacts', case_id: undefined, contact_code: 'HL-2026-00043' });
    expect(html).toContain(KY['wkind.callback']);
    expect(html).toContain('HL-2026-00043');
    const perms = ['work.list', 'contact.list', 'notification.list'];
    const shown = navEntries((p) => perms.includes(p), 'hotline_operator').filter((n) => n.show);
    expect(shown.map((n) => n.path).slice(0, 2)).toEqual(['/contacts', '/work']);
  });

  it('shows a hotline supervisor the call screen first, its work, its report and accounts, and no case', () => {
    const perms = ['work.list', 'contact.list', 'report.read', 'user.approve', 'notification.list'];
    const shown = navEntries((p) => perms.includes(p), 'hotline_supervisor').filter((n) => n.show);
    expect(shown.map((n) => n.path)).toEqual(['/contacts', '/work', '/report', '/users', '/notifications']);
  });
});
