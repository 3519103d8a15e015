// The consent form's choice of the guardian who gave a consent, rendered
// in Kyrgyz (effects do not run: the guardians are given).
import { describe, expect, it } from 'vitest';
import { browserLanguage, kyrgyzBrowser, render } from '../../testing';
import type { Person } from '../../lib/casework';
import { GuardianSelect } from './Consents';

const guardian = (id: string, identity?: Person['identity']): Person => ({
  id,
  case_id: 'c1',
  relation: 'guardian',
  perpetrator_role: null,
  recruitment_channel: null,
  identity,
  version: 1,
});

describe('the guardian of a consent', () => {
  kyrgyzBrowser();

  it('offers the linked guardians by name, kept from translation, and one whose name is not recorded', () => {
    browserLanguage('ky-KG');
    const html = render(
      <GuardianSelect
        guardians={[guardian('g1', { family_name: 'Асанова', given_name: 'Бермет' }), guardian('g2')]}
        value="g1"
        onValue={() => undefined}
      />,
    );
    expect(html).toContain('Кайсы камкорчу');
    expect(html).toContain('name="given_by_person_id"');
    expect(html).toMatch(/<option value="g1"[^>]*translate="no"[^>]*>Асанова Бермет<\/option>/);
    expect(html).toContain('Камкорчу (аты жазылган эмес)');
  });

  it('says how to link one when none is', () => {
    browserLanguage('ky-KG');
    const html = render(<GuardianSelect guardians={[]} value="" onValue={() => undefined} />);
    expect(html).toContain('«Адамдын айланасындагылар»');
    expect(html).not.toContain('<select');
  });
});
