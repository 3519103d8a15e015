import { useState, type FormEvent } from 'react';
import { useI18n, type Key } from '../../i18n';
import { ApiError, api } from '../../lib/api';
import type { Case } from '../../lib/types';
import { IDENTITY_FIELDS, identityDraft, identityPatch, type IdentityField } from '../../lib/work';
import { ErrorText } from '../common';
import { DateField, Input } from '../form';

const LABELS: Record<IdentityField, Key> = {
  family_name: 'cases.familyName',
  given_name: 'cases.givenName',
  patronymic: 'cases.patronymic',
  birth_date: 'cases.birthDate',
  document_number: 'cases.documentNumber',
  phone: 'cases.phone',
  address: 'cases.address',
};
const TYPES: Partial<Record<IdentityField, string>> = { phone: 'tel' };
const MAX: Partial<Record<IdentityField, number>> = {
  family_name: 100,
  given_name: 100,
  patronymic: 100,
  document_number: 50,
  phone: 50,
  address: 500,
};

/**
 * The identity's inputs in their order, as typed (kept from translation, not
 * remembered by the browser): the new case form and the identity edit.
 */
export function IdentityInputs({
  value,
  onChange,
}: {
  value: Partial<Record<IdentityField, string>>;
  onChange: (k: IdentityField, v: string) => void;
}) {
  const { t } = useI18n();
  return IDENTITY_FIELDS.map((k) =>
    k === 'birth_date' ? (
      <DateField
        key={k}
        label={t(LABELS[k])}
        name={k}
        value={value[k] ?? ''}
        translate="no"
        onValue={(v) => onChange(k, v)}
      />
    ) : (
      <Input
        key={k}
        label={t(LABELS[k])}
        name={k}
        type={TYPES[k] ?? 'text'}
        value={value[k] ?? ''}
        translate="no"
        maxLength={MAX[k]}
        onValue={(v) => onChange(k, v)}
      />
    ),
  );
}

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
          <IdentityInputs
            value={d}
            onChange={(k, v) => {
              setStale(false);
              setD({ ...d, [k]: v });
            }}
          />
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
