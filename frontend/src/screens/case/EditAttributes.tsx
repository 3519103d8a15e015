import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api } from '../../lib/api';
import {
  AGE_BRACKETS,
  CHANNELS,
  EXPLOITATION_TYPES,
  REGIONS,
  RISKS,
  SEXES,
  TRAFFICKING_STATUSES,
  type EnumName,
} from '../../lib/enums';
import { type Case } from '../../lib/types';
import { ErrorText } from '../common';
import { bindDraft, Checks, Input, Select, useEnumOptions, EnumSelect } from '../form';

/** Edits the statistical attributes of a case (a JSON merge patch with its version). */
export function EditAttributes({ c, onSaved }: { c: Case; onSaved: () => Promise<void> }) {
  const { t } = useI18n();
  const enumOptions = useEnumOptions();
  const [d, setD] = useState({
    risk_level: c.risk_level ?? '',
    trafficking_status: c.trafficking_status ?? '',
    identification_channel: c.identification_channel ?? '',
    region_of_origin: c.region_of_origin ?? '',
    citizenship: c.citizenship ?? '',
    sex: c.sex ?? 'unknown',
    age_bracket: c.age_bracket ?? 'unknown',
  });
  const [types, setTypes] = useState<string[]>(c.exploitation_types ?? []);
  const [error, setError] = useState<unknown>(null);
  const derivedAge = !!c.identity?.birth_date;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const body: Record<string, unknown> = { version: c.version, exploitation_types: types, sex: d.sex };
    for (const k of [
      'risk_level',
      'trafficking_status',
      'identification_channel',
      'region_of_origin',
      'citizenship',
    ] as const) {
      const v = k === 'citizenship' ? d[k].trim().toUpperCase() : d[k];
      body[k] = v === '' ? null : v;
    }
    if (!derivedAge) body.age_bracket = d.age_bracket;
    try {
      await api(`/cases/${c.id}`, {
        method: 'PATCH',
        body,
        headers: { 'Content-Type': 'application/merge-patch+json' },
      });
      await onSaved();
    } catch (err) {
      setError(err);
    }
  };
  const field = bindDraft(d, setD);
  const sel = (name: keyof typeof d, values: readonly string[], prefix: EnumName, label: string) => (
    <EnumSelect label={label} {...field(name)} empty="—" of={prefix} values={values} />
  );
  return (
    <details className="form-block">
      <summary>{t('case.editAttributes')}</summary>
      <form onSubmit={submit} className="stack" data-testid="attributes-form">
        <div className="grid2">
          <EnumSelect label={t('cases.sex')} {...field('sex')} of="sex" values={SEXES} />
          {!derivedAge && (
            <Select
              label={t('cases.age')}
              {...field('age_bracket')}
              options={AGE_BRACKETS.map((v) => ({ value: v, label: v === 'unknown' ? t('age.unknown') : v }))}
            />
          )}
          {sel('risk_level', RISKS, 'risk', t('cases.risk'))}
          {sel('trafficking_status', TRAFFICKING_STATUSES, 'tstatus', t('case.traffickingStatus'))}
          {sel('identification_channel', CHANNELS, 'channel', t('case.channel'))}
          {sel('region_of_origin', REGIONS, 'region', t('case.region'))}
          <Input label={t('case.citizenship')} {...field('citizenship')} maxLength={2} pattern="[A-Za-z]{2}" />
        </div>
        <Checks
          legend={t('case.exploitation')}
          options={enumOptions('exploit', EXPLOITATION_TYPES)}
          chosen={types}
          onChange={setTypes}
        />
        <div>
          <button type="submit">{t('common.save')}</button>
        </div>
        <ErrorText error={error} />
      </form>
    </details>
  );
}
