import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api } from '../../lib/api';
import { LoadMore, usePagedList } from '../../lib/paged';
import { useOrganizations } from '../../lib/refdata';
import { CATEGORIES, CONSENT_GIVERS, CONSENT_PURPOSES } from '../../lib/enums';
import { type Consent } from '../../lib/types';
import { ErrorText, useIdempotencyKey, useOrgName } from '../common';

export function ConsentsPanel({
  caseId,
  canCreate,
  canWithdraw,
  onChanged,
}: {
  caseId: string;
  canCreate: boolean;
  canWithdraw: boolean;
  onChanged: () => void;
}) {
  const { t, tx, f, lang } = useI18n();
  const orgName = useOrgName();
  const orgs = useOrganizations();
  const list = usePagedList<Consent>(`/cases/${caseId}/consents`);
  const { items, error, setError } = list;
  const [purpose, setPurpose] = useState('data_sharing');
  const [recipient, setRecipient] = useState('');
  const [cats, setCats] = useState<string[]>([]);
  const [givenBy, setGivenBy] = useState('person');
  const [expires, setExpires] = useState('');
  const [key, nextKey] = useIdempotencyKey();
  const [withdrawing, setWithdrawing] = useState<string | null>(null);
  const [reason, setReason] = useState('');

  const toggle = (c: string) => setCats((prev) => (prev.includes(c) ? prev.filter((x) => x !== c) : [...prev, c]));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const body: Record<string, unknown> = { purpose, given_by: givenBy };
    if (purpose === 'data_sharing') {
      body.recipient_organization_id = recipient;
      body.categories = cats;
    }
    // A day without a time ends at midnight in Bishkek.
    if (expires) body.expires_at = new Date(`${expires}T23:59:59+06:00`).toISOString();
    try {
      await api(`/cases/${caseId}/consents`, { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      nextKey();
      setCats([]);
      setExpires('');
      await list.reload();
      onChanged();
    } catch (err) {
      setError(err);
    }
  };

  const withdraw = async (id: string) => {
    setError(null);
    try {
      await api(`/consents/${id}/withdraw`, { method: 'POST', body: reason.trim() ? { reason: reason.trim() } : {} });
      setWithdrawing(null);
      setReason('');
      await list.reload();
      onChanged();
    } catch (err) {
      setError(err);
    }
  };

  const recipients = orgs.filter((o) => o.active).sort((a, b) => a.code.localeCompare(b.code));
  return (
    <div className="panel" id="sec-consents">
      <h2>{t('case.consents')}</h2>
      {items.length === 0 ? (
        <p className="muted">{t('common.empty')}</p>
      ) : (
        <ul className="consents" data-testid="consents">
          {items.map((c) => (
            <li key={c.id} className={c.valid ? 'consent' : 'consent invalid'}>
              <div className="row wrap">
                <strong>{tx('purpose', c.purpose)}</strong>
                <span className={`badge ${c.valid ? 'valid' : 'ended'}`}>
                  {t(c.valid ? 'consent.valid' : c.withdrawn_at ? 'consent.withdrawn' : 'consent.expired')}
                </span>
              </div>
              <dl className="fields inline">
                {c.recipient_organization_id && (
                  <>
                    <dt>{t('consent.recipient')}</dt>
                    <dd>{orgName(c.recipient_organization_id)}</dd>
                  </>
                )}
                {c.categories.length > 0 && (
                  <>
                    <dt>{t('consent.categories')}</dt>
                    <dd>{c.categories.map((x) => tx('cat', x)).join(', ')}</dd>
                  </>
                )}
                <dt>{t('consent.givenBy')}</dt>
                <dd>{tx('giver', c.given_by)}</dd>
                <dt>{t('consent.givenAt')}</dt>
                <dd>{f.date(c.given_at)}</dd>
                {c.expires_at && (
                  <>
                    <dt>{t('consent.expiresAt')}</dt>
                    <dd>{f.date(c.expires_at)}</dd>
                  </>
                )}
                {c.withdrawn_at && (
                  <>
                    <dt>{t('consent.withdrawnAt')}</dt>
                    <dd>{f.date(c.withdrawn_at)}</dd>
                  </>
                )}
              </dl>
              {canWithdraw && c.valid && withdrawing !== c.id && (
                <button
                  type="button"
                  className="secondary small"
                  onClick={() => {
                    setWithdrawing(c.id);
                    setReason('');
                  }}
                >
                  {t('consent.withdraw')}
                </button>
              )}
              {withdrawing === c.id && (
                <form
                  className="row wrap"
                  onSubmit={(e) => {
                    e.preventDefault();
                    void withdraw(c.id);
                  }}
                >
                  <label>
                    {t('consent.withdrawReason')}
                    <input
                      value={reason}
                      onChange={(e) => setReason(e.target.value)}
                      maxLength={2000}
                      autoComplete="off"
                    />
                  </label>
                  <div className="row end">
                    <button type="submit">{t('consent.withdrawConfirm')}</button>
                    <button type="button" className="secondary" onClick={() => setWithdrawing(null)}>
                      {t('common.cancel')}
                    </button>
                  </div>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
      <LoadMore list={list} />
      {canCreate && (
        <details className="form-block">
          <summary>{t('consent.add')}</summary>
          <form onSubmit={submit} className="stack" data-testid="consent-form">
            <div className="row wrap">
              <label>
                {t('consent.purpose')}
                <select name="purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)}>
                  {CONSENT_PURPOSES.map((p) => (
                    <option key={p} value={p}>
                      {tx('purpose', p)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t('consent.givenBy')}
                <select name="given_by" value={givenBy} onChange={(e) => setGivenBy(e.target.value)}>
                  {CONSENT_GIVERS.map((p) => (
                    <option key={p} value={p}>
                      {tx('giver', p)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t('consent.expiresAt')}
                <input type="date" name="expires_at" value={expires} onChange={(e) => setExpires(e.target.value)} />
              </label>
            </div>
            {purpose === 'data_sharing' && (
              <>
                <label>
                  {t('consent.recipient')}
                  <select name="recipient" value={recipient} onChange={(e) => setRecipient(e.target.value)} required>
                    <option value="">—</option>
                    {recipients.map((o) => (
                      <option key={o.id} value={o.id}>
                        {o.name[lang] || o.code}
                      </option>
                    ))}
                  </select>
                </label>
                <fieldset className="checks">
                  <legend>{t('consent.categories')}</legend>
                  {CATEGORIES.map((c) => (
                    <label key={c} className="check">
                      <input type="checkbox" name={`cat-${c}`} checked={cats.includes(c)} onChange={() => toggle(c)} />{' '}
                      {tx('cat', c)}
                    </label>
                  ))}
                </fieldset>
              </>
            )}
            <div>
              <button type="submit" disabled={purpose === 'data_sharing' && (!recipient || cats.length === 0)}>
                {t('consent.record')}
              </button>
            </div>
          </form>
        </details>
      )}
      <ErrorText error={error} />
    </div>
  );
}
