// A case's flags: badges in the case's head for whoever sees the case (the
// reason for the owning organization's side only), a form to flag it and,
// for its supervisors, removal.
import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api } from '../../lib/api';
import type { Flag } from '../../lib/casework';
import type { Case } from '../../lib/types';
import './casework.css';
import { ErrorText, useIdempotencyKey } from '../common';
import { bind, TextArea, DateField } from '../form';

/** The case's flags as badges (with the reason as their text where it is shown). */
export function FlagBadges({ flags }: { flags: Flag[] | undefined }) {
  const { t } = useI18n();
  if (!flags?.length) return null;
  return (
    <>
      {flags.map((fl) => (
        <span key={fl.id} className="badge flag" data-testid="flag-badge" title={fl.reason} translate="no">
          ⚑ {t('cw.flagged')}
        </span>
      ))}
    </>
  );
}

export function FlagsPanel({
  c,
  canCreate,
  canRemove,
  onChanged,
}: {
  c: Case;
  canCreate: boolean;
  canRemove: boolean;
  onChanged: () => Promise<void>;
}) {
  const { t, f } = useI18n();
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [key, nextKey] = useIdempotencyKey();
  const flags = c.flags ?? [];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return;
    setError(null);
    try {
      await api(`/cases/${c.id}/flags`, {
        method: 'POST',
        body: until ? { reason, until } : { reason },
        headers: { 'Idempotency-Key': key },
      });
      nextKey();
      setReason('');
      setUntil('');
      await onChanged();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async (id: string) => {
    setError(null);
    try {
      await api(`/flags/${id}`, { method: 'DELETE' });
      await onChanged();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="panel" id="sec-flags">
      <h2>{t('cw.flags')}</h2>
      {flags.length === 0 ? (
        <p className="muted">{t('cw.noFlags')}</p>
      ) : (
        <ul className="flags" data-testid="flags">
          {flags.map((fl) => (
            <li key={fl.id} className="row wrap">
              <span className="badge flag">⚑</span>
              <span translate="no">{fl.reason ?? t('cw.flagHidden')}</span>
              {fl.until && (
                <span className="muted small">
                  {t('cw.flagUntil')} {f.date(fl.until)}
                </span>
              )}
              {canRemove && (
                <button type="button" className="secondary small" onClick={() => void remove(fl.id)}>
                  {t('cw.removeFlag')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canCreate && (
        <form onSubmit={submit} className="stack" data-testid="flag-form">
          <TextArea
            label={t('cw.flagReason')}
            name="flag_reason"
            rows={2}
            maxLength={2000}
            {...bind(reason, setReason)}
          />
          <div className="row wrap">
            <DateField label={t('cw.flagUntil')} name="flag_until" {...bind(until, setUntil)} />
            <div className="row end">
              <button type="submit">{t('cw.addFlag')}</button>
            </div>
          </div>
        </form>
      )}
      <ErrorText error={error} />
    </div>
  );
}
