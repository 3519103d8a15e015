import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api, download, type Page } from '../../lib/api';
import { LoadMore, usePagedList } from '../../lib/paged';
import { useOrganizations } from '../../lib/refdata';
import { CATEGORIES, CONSENT_GIVERS, CONSENT_PURPOSES } from '../../lib/enums';
import { type Consent } from '../../lib/types';
import { type Person } from '../../lib/casework';
import { useResource } from '../../lib/resource';
import { ErrorText, useIdempotencyKey, useOrgName } from '../common';
import { bind, Checks, ReasonForm, RowButton, Select, useEnumOptions, OrgSelect, EnumSelect, DateField } from '../form';
import { DOCUMENT_ACCEPT, uploadDocument } from './Documents';

/** A guardian's name as the consent form offers it, or a word when it is not recorded. */
function guardianName(p: Person, unnamed: string): string {
  const name = [p.identity?.family_name, p.identity?.given_name, p.identity?.patronymic].filter(Boolean).join(' ');
  return name || unnamed;
}

/** The name of the guardian who gave a consent, after its giver, when the panel knows them. */
function GivenByGuardian({ id, guardians }: { id?: string | null; guardians: Person[] }) {
  const { t } = useI18n();
  const g = id ? guardians.find((p) => p.id === id) : undefined;
  return g ? <span translate="no">{`: ${guardianName(g, t('cw.guardianUnnamed'))}`}</span> : null;
}

/**
 * The guardian who gave a consent: a person linked to the case with the
 * relation guardian (`given_by_person_id`), or a word that none is linked.
 */
export function GuardianSelect({
  guardians,
  value,
  onValue,
}: {
  guardians: Person[];
  value: string;
  onValue: (v: string) => void;
}) {
  const { t } = useI18n();
  if (guardians.length === 0) {
    return (
      <p className="muted" data-testid="consent-no-guardian">
        {t('cw.consentNoGuardian')}
      </p>
    );
  }
  return (
    <Select
      label={t('cw.consentGuardian')}
      name="given_by_person_id"
      empty="—"
      options={guardians.map((g) => ({
        value: g.id,
        label: guardianName(g, t('cw.guardianUnnamed')),
        personal: true,
      }))}
      {...bind(value, onValue)}
    />
  );
}

export function ConsentsPanel({
  caseId,
  canCreate,
  canWithdraw,
  canAttach,
  onChanged,
  onAttached,
}: {
  caseId: string;
  canCreate: boolean;
  canWithdraw: boolean;
  /** The caller may upload documents: the signed form can be attached. */
  canAttach: boolean;
  onChanged: () => void;
  /** A signed form was uploaded as a document of the case. */
  onAttached: () => void;
}) {
  const { t, tx, f } = useI18n();
  const enumOptions = useEnumOptions();
  const orgName = useOrgName();
  const orgs = useOrganizations();
  const list = usePagedList<Consent>(`/cases/${caseId}/consents`);
  const { items, error, setError } = list;
  const [purpose, setPurpose] = useState('data_sharing');
  const [recipient, setRecipient] = useState('');
  const [cats, setCats] = useState<string[]>([]);
  const [givenBy, setGivenBy] = useState('person');
  const [guardian, setGuardian] = useState('');
  // The guardians linked to the case, for a consent given by one (only the
  // owner's side records consents and reads the people around the person).
  const persons = useResource<Page<Person>>(canCreate ? `/cases/${caseId}/persons` : null);
  const guardians = (persons.data?.items ?? []).filter((p) => p.relation === 'guardian');
  const [expires, setExpires] = useState('');
  const [key, nextKey] = useIdempotencyKey();
  const [withdrawing, setWithdrawing] = useState<string | null>(null);
  const [form, setForm] = useState<File | null>(null);
  // The signed form once uploaded: a retried consent reuses it.
  const [formDoc, setFormDoc] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const body: Record<string, unknown> = { purpose, given_by: givenBy };
    if (givenBy === 'guardian' && guardian) body.given_by_person_id = guardian;
    if (purpose === 'data_sharing') {
      body.recipient_organization_id = recipient;
      body.categories = cats;
    }
    // A day without a time ends at midnight in Bishkek.
    if (expires) body.expires_at = new Date(`${expires}T23:59:59+06:00`).toISOString();
    try {
      let docId = formDoc;
      if (form && !docId) {
        setProgress(0);
        docId = (await uploadDocument(caseId, t('doc.consentForm'), 'consent_form', form, setProgress)).id;
        setFormDoc(docId);
        onAttached();
      }
      if (docId) body.document_id = docId;
      await api(`/cases/${caseId}/consents`, { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      nextKey();
      setCats([]);
      setExpires('');
      setGuardian('');
      setForm(null);
      setFormDoc(null);
      await list.reload();
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setProgress(null);
    }
  };

  const withdraw = async (id: string, reason: string) => {
    setError(null);
    try {
      await api(`/consents/${id}/withdraw`, { method: 'POST', body: reason ? { reason } : {} });
      setWithdrawing(null);
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
                <dd>
                  {tx('giver', c.given_by)}
                  <GivenByGuardian id={c.given_by_person_id} guardians={guardians} />
                </dd>
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
              {c.document_id && (
                <RowButton
                  label={t('consent.signedForm')}
                  subject={f.date(c.given_at)}
                  onClick={() => void download(`/documents/${c.document_id}/content`, null).catch(setError)}
                />
              )}
              {canWithdraw && c.valid && withdrawing !== c.id && (
                <button type="button" className="secondary small" onClick={() => setWithdrawing(c.id)}>
                  {t('consent.withdraw')}
                </button>
              )}
              {withdrawing === c.id && (
                <ReasonForm
                  label={t('consent.withdrawReason')}
                  submit={t('consent.withdrawConfirm')}
                  maxLength={2000}
                  onSubmit={(reason) => void withdraw(c.id, reason)}
                  onCancel={() => setWithdrawing(null)}
                />
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
              <EnumSelect
                label={t('consent.purpose')}
                name="purpose"
                of="purpose"
                values={CONSENT_PURPOSES}
                {...bind(purpose, setPurpose)}
              />
              <EnumSelect
                label={t('consent.givenBy')}
                name="given_by"
                of="giver"
                values={CONSENT_GIVERS}
                {...bind(givenBy, setGivenBy)}
              />
              <DateField label={t('consent.expiresAt')} name="expires_at" {...bind(expires, setExpires)} />
            </div>
            {givenBy === 'guardian' && <GuardianSelect guardians={guardians} value={guardian} onValue={setGuardian} />}
            {purpose === 'data_sharing' && (
              <>
                <OrgSelect
                  label={t('consent.recipient')}
                  name="recipient"
                  required
                  empty="—"
                  orgs={recipients}
                  {...bind(recipient, setRecipient)}
                />
                <Checks
                  legend={t('consent.categories')}
                  namePrefix="cat-"
                  options={enumOptions('cat', CATEGORIES)}
                  chosen={cats}
                  onChange={setCats}
                />
              </>
            )}
            {canAttach && (
              <label>
                {t('consent.attachForm')}
                <input
                  type="file"
                  name="consent_form"
                  accept={`${DOCUMENT_ACCEPT},image/*`}
                  onChange={(e) => {
                    setForm(e.target.files?.[0] ?? null);
                    setFormDoc(null);
                  }}
                />
              </label>
            )}
            {progress !== null && <progress max={1} value={progress} aria-label={t('doc.uploading')} />}
            <div>
              <button
                type="submit"
                disabled={progress !== null || (purpose === 'data_sharing' && (!recipient || cats.length === 0))}
              >
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
