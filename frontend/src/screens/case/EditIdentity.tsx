import { useState, type FormEvent } from 'react';
import { useI18n, type Key } from '../../i18n';
import { ApiError, api } from '../../lib/api';
import type { Case } from '../../lib/types';
import { IDENTITY_FIELDS, identityDraft, identityPatch, type IdentityField } from '../../lib/work';
import { ErrorText } from '../common';

const LABELS: Record<IdentityField, Key> = {
  family_name: 'cases.familyName',
  given_name: 'cases.givenName',
  patronymic: 'cases.patronymic',
  birth_date: 'cases.birthDate',
  document_number: 'cases.documentNumber',
  phone: 'cases.phone',
  address: 'cases.address',
};
const TYPES: Partial<Record<IdentityField, string>> = { birth_date: 'date', phone: 'tel' };
const MAX: Partial<Record<IdentityField, number>> = {
  family_name: 100,
  given_name: 100,
  patronymic: 100,
  document_number: 50,
  phone: 50,
  address: 500,
};

/**
 * Edits the identity of a case: a JSON merge patch of the changed fields with
 * `If-Match` on the version read. A stale version (412) asks for a reload.
 * Values are never logged and never leave the form but in the request body.
 */
export function EditIdentity({ c, onSaved }: { c: Case; onSaved: () => Promise<void> }) {
  const { t } = useI18n();
  const [d, setD] = useState(() => identityDraft(c.identity));
  const [error, setError] = useState<unknown>(null);
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const identity = identityPatch(c.identity, d);
    if (!identity) return;
    setBusy(true);
    try {
      await api(`/cases/${c.id}`, {
        method: 'PATCH',
        body: { identity },
        headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': `"${c.version}"` },
      });
      await onSaved();
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) setStale(true);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="form-block">
      <summary>{t('identity.edit')}</summary>
      <form onSubmit={submit} className="stack" data-testid="identity-form" autoComplete="off">
        <div className="grid2">
          {IDENTITY_FIELDS.map((k) => (
            <label key={k}>
              {t(LABELS[k])}
              <input
                name={k}
                type={TYPES[k] ?? 'text'}
                value={d[k]}
                autoComplete="off"
                translate="no"
                maxLength={MAX[k]}
                onChange={(e) => {
                  setStale(false);
                  setD({ ...d, [k]: e.target.value });
                }}
              />
            </label>
          ))}
        </div>
        <p className="muted small">{t('identity.hint')}</p>
        <div>
          <button type="submit" disabled={busy || stale}>
            {t('common.save')}
          </button>
        </div>
        {stale && (
          <p className="error" role="alert" data-testid="identity-stale">
            {t('identity.stale')}
          </p>
        )}
        <ErrorText error={error} />
      </form>
    </details>
  );
}
