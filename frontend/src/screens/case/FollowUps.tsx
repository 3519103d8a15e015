// A case's follow-ups after reintegration: planned visits, calls and
// messages (those planned on reaching reintegration say after how many
// months), recorded as done with their outcome; the owning organization's
// side only.
import { useState, type FormEvent } from 'react';
import { translate, useI18n } from '../../i18n';
import { api, type Page } from '../../lib/api';
import { FOLLOW_UP_KINDS, type FollowUp } from '../../lib/casework';
import { useResource } from '../../lib/resource';
import { ErrorText, useIdempotencyKey } from '../common';
import { bind, Input, Select, DateField } from '../form';

export function FollowUpsPanel({ caseId, canCreate }: { caseId: string; canCreate: boolean }) {
  const { t, f, lang } = useI18n();
  const list = useResource<Page<FollowUp>>(`/cases/${caseId}/follow-ups`);
  const [planned, setPlanned] = useState('');
  const [kind, setKind] = useState('visit');
  const [error, setError] = useState<unknown>(null);
  const [key, nextKey] = useIdempotencyKey();
  const items = list.data?.items ?? [];
  const kinds = FOLLOW_UP_KINDS.map((k) => ({ value: k, label: translate(lang, `fukind.${k}`) }));

  const plan = async (e: FormEvent) => {
    e.preventDefault();
    if (!planned) return;
    setError(null);
    try {
      await api(`/cases/${caseId}/follow-ups`, {
        method: 'POST',
        body: { planned_on: planned, kind },
        headers: { 'Idempotency-Key': key },
      });
      nextKey();
      setPlanned('');
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="panel" id="sec-follow-ups">
      <h2>{t('cw.followUps')}</h2>
      <p className="muted small">{t('cw.followUpsHint')}</p>
      <ErrorText error={list.error} />
      {items.length === 0 ? (
        <p className="muted">{t('cw.noFollowUps')}</p>
      ) : (
        <ul className="follow-ups" data-testid="follow-ups">
          {items.map((fu) => (
            <li key={fu.id} className="stack" data-done={fu.done_on ? 'true' : 'false'}>
              <div className="row wrap">
                <strong>{f.date(fu.planned_on)}</strong>
                <span>{translate(lang, `fukind.${fu.kind}`)}</span>
                {fu.months && (
                  <span className="muted small">
                    {fu.months} {t('cw.months')}
                  </span>
                )}
                {fu.done_on && (
                  <span className="badge approval-approved">
                    {t('cw.doneOn')} {f.date(fu.done_on)}
                  </span>
                )}
              </div>
              {fu.outcome && (
                <p translate="no" className="small">
                  {fu.outcome}
                </p>
              )}
              {canCreate && !fu.done_on && <RecordDone fu={fu} onDone={list.reload} />}
            </li>
          ))}
        </ul>
      )}
      {canCreate && (
        <form onSubmit={plan} className="row wrap" data-testid="follow-up-form">
          <DateField label={t('cw.plannedOn')} name="planned_on" required {...bind(planned, setPlanned)} />
          <Select label={t('cw.followUpKind')} name="follow_up_kind" options={kinds} {...bind(kind, setKind)} />
          <div className="row end">
            <button type="submit">{t('cw.planFollowUp')}</button>
          </div>
        </form>
      )}
      <ErrorText error={error} />
    </div>
  );
}

function RecordDone({ fu, onDone }: { fu: FollowUp; onDone: () => void }) {
  const { t } = useI18n();
  const [outcome, setOutcome] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    // Done today, in Asia/Bishkek (UTC+6).
    const today = new Date(Date.now() + 6 * 3600_000).toISOString().slice(0, 10);
    try {
      await api(`/follow-ups/${fu.id}`, {
        method: 'PATCH',
        body: { done_on: today, ...(outcome.trim() ? { outcome } : {}), version: fu.version },
      });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={submit} className="row wrap">
      <Input labelClass="grow" label={t('cw.outcome')} name="outcome" maxLength={4000} {...bind(outcome, setOutcome)} />
      <div className="row end">
        <button type="submit" className="secondary">
          {t('cw.recordDone')}
        </button>
      </div>
      <ErrorText error={error} />
    </form>
  );
}
