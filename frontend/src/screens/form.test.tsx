// The form's building blocks rendered to HTML: labels, hints and errors tied
// to their controls, options, and row buttons naming their row.
import { describe, expect, it, vi } from 'vitest';
import { browserLanguage, kyrgyzBrowser, render } from '../testing';
import { Checks, DateField, Input, RowButton, Select, TextArea, toggled } from './form';

const none = () => {};

/** The app's language as chosen on the device (whatever the browser's). */
function appLanguage(lang: string) {
  vi.stubGlobal('localStorage', { getItem: (k: string) => (k === 'jardam.lang' ? lang : null), setItem: none });
}

describe('form fields', () => {
  kyrgyzBrowser();

  it('puts the label text before the control and ties the hint and the error to it', () => {
    const html = render(<Input label="Code" hint="As printed" error="Wrong" name="code" value="" onValue={none} />);
    expect(html).toMatch(/^<label>Code<input /);
    const described = /aria-describedby="([^"]+)"/.exec(html)?.[1].split(' ') ?? [];
    expect(described).toHaveLength(2);
    for (const id of described) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('role="alert"');
    expect(html).toContain('autoComplete="off"');
  });

  it('marks a field invalid without a message, and plain without an error', () => {
    expect(render(<TextArea label="Note" error value="" onValue={none} />)).toContain('aria-invalid="true"');
    const plain = render(<Input label="Name" value="" onValue={none} autoComplete="username" />);
    expect(plain).not.toContain('aria-');
    expect(plain).toContain('autoComplete="username"');
  });

  it('lists an empty first option and keeps persons’ names from translation', () => {
    const html = render(
      <Select
        label="Worker"
        empty="—"
        options={[{ value: 'u1', label: 'Aizhan', personal: true }]}
        value=""
        onValue={none}
      />,
    );
    expect(html).toContain('<option value="" selected="">—</option>');
    expect(html).toContain('<option value="u1" translate="no">Aizhan</option>');
  });

  it('names the row in a row button, for screen readers only', () => {
    const html = render(<RowButton label="Edit" subject="SEZIM" onClick={none} />);
    expect(html).toContain('class="secondary small"');
    expect(html).toContain('<span class="visually-hidden"> SEZIM</span>');
  });

  it('checks the chosen values of a group and toggles one', () => {
    const html = render(
      <Checks
        legend="Types"
        namePrefix="type-"
        options={[
          { value: 'a', label: 'A' },
          { value: 'b', label: 'B' },
        ]}
        chosen={['b']}
        dim={(v) => v === 'a'}
        onChange={none}
      />,
    );
    expect(html).toContain('<legend>Types</legend>');
    expect(html).toMatch(/<label class="check muted"><input type="checkbox" name="type-a"\/>/);
    expect(html).toMatch(/name="type-b" checked=""/);
    expect(toggled(['a', 'b'], 'a')).toEqual(['b']);
    expect(toggled(['b'], 'a')).toEqual(['b', 'a']);
  });

  it('shows an option that cannot be chosen disabled, with its reason in its label', () => {
    const html = render(
      <Checks
        legend="Types"
        namePrefix="type-"
        options={[{ value: 'legal', label: 'Legal (not offered)', disabled: true }]}
        chosen={[]}
        onChange={none}
      />,
    );
    expect(html).toContain('<input type="checkbox" name="type-legal" disabled=""/> Legal (not offered)');
  });

  it('shows a date in the language of the app, not of the browser, with its format in the label', () => {
    browserLanguage('en-US');
    appLanguage('ru');
    const html = render(<DateField label="Начало" name="started_on" required value="2025-03-08" onValue={none} />);
    expect(html).toContain('value="08.03.2025"');
    expect(html).toContain('type="text"');
    expect(html).toContain('placeholder="дд.мм.гггг"');
    expect(html).toMatch(/^<label>Начало <span class="muted small">\(дд\.мм\.гггг\)<\/span><input /);
    expect(html).not.toContain('type="date"');
  });

  it('writes the same day in Kyrgyz with the Kyrgyz letters of its format, and English as dd/mm/yyyy', () => {
    appLanguage('ky');
    expect(render(<DateField label="Күнү" value="2026-01-10" onValue={none} />)).toContain('value="10.01.2026"');
    expect(render(<DateField label="Күнү" value="" onValue={none} />)).toContain('placeholder="кк.аа.жжжж"');
    appLanguage('en');
    expect(render(<DateField label="Day" value="2026-01-10" onValue={none} />)).toContain('value="10/01/2026"');
  });

  it('ties an error to the date field', () => {
    const html = render(<DateField label="Day" error="Too late" value="" onValue={none} />);
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('role="alert"');
  });
});
