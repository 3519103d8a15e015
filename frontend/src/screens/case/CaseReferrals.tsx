import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api, type Page } from '../../lib/api';
import { useOrganizations } from '../../lib/refdata';
import { ASSISTANCE_TYPES } from '../../lib/enums';
import { problemNames } from '../../lib/work';
import { type Case, type Consent, type Me, type Referral } from '../../lib/types';
import { ErrorText, useIdempotencyKey, useOrgName, Table } from '../common';
import { bind, Checks, Done, Select, TextArea, useEnumOptions, OrgSelect, EnumSelect } from '../form';

export function CaseReferralsPanel({
  c,
  me,
  canCreate,
  consentsVersion,
}: {
  c: Case;
  me: Me;
  canCreate: boolean;
  consentsVersion: number;
}) {
  const { t, tx, f } = useI18n();
  const orgName = useOrgName();
  const [items, setItems] = useState<Referral[]>([]);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    try {
      const boxes = await Promise.all(
        ['outgoing', 'incoming'].map((b) => api<Page<Referral>>(`/referrals?box=${b}&case_id=${c.id}&limit=100`)),
      );
      const seen = new Set<string>();
      setItems(boxes.flatMap((p) => p.items).filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true))));
    } catch (e) {
      setError(e);
    }
  }, [c.id]);
  useEffect(() => {
    void load();
  }, [load]);

  const cancel = async (r: Referral) => {
    setError(null);
    try {
      await api(`/referrals/${r.id}/cancel`, { method: 'POST', body: {} });
      await load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="panel" id="sec-referrals">
      <h2>{t('case.referrals')}</h2>
      {items.length === 0 ? (
        <p className="muted">{t('common.empty')}</p>
      ) : (
        <Table testId="case-referrals" cols={['ref.code', 'ref.to', 'ref.types', 'ref.status', 'ref.due']} actions>
          {items.map((r) => (
            <tr key={r.id} className={r.overdue ? 'overdue' : undefined}>
              <td className="code">{r.code}</td>
              <td>{orgName(r.to_organization_id)}</td>
              <td>
                {r.kind === 'transfer' ? t('ref.transfer') : r.assistance_types.map((a) => tx('atype', a)).join(', ')}
              </td>
              <td>
                <span className={`badge ref-${r.status}`}>{tx('refstatus', r.status)}</span>
                {r.overdue && <span className="badge overdue-mark">{t('ref.overdue')}</span>}
              </td>
              <td>{f.dateTime(r.due_at)}</td>
              <td>
                {r.from_organization_id === me.organization.id &&
                  (r.status === 'pending' || r.status === 'accepted') && (
                    <button type="button" className="secondary small" onClick={() => void cancel(r)}>
                      {t('ref.cancel')}
                    </button>
                  )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      {canCreate && <ReferralForm c={c} me={me} consentsVersion={consentsVersion} onCreated={load} />}
      <ErrorText error={error} />
    </div>
  );
}

function ReferralForm({
  c,
  me,
  consentsVersion,
  onCreated,
}: {
  c: Case;
  me: Me;
  consentsVersion: number;
  onCreated: () => Promise<void>;
}) {
  const { t } = useI18n();
  const enumOptions = useEnumOptions();
  const orgs = useOrganizations();
  const [consents, setConsents] = useState<Consent[]>([]);
  const [kind, setKind] = useState('assistance');
  const [to, setTo] = useState('');
  const [types, setTypes] = useState<string[]>([]);
  const [cats, setCats] = useState<string[]>([]);
  const [urgency, setUrgency] = useState('normal');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  // A caseworker's transfer answered 409 naming approval: the organization
  // wants a supervisor to approve it first; the form offers to ask.
  const [needsApproval, setNeedsApproval] = useState(false);
  const [asked, setAsked] = useState(false);
  const [key, nextKey] = useIdempotencyKey();

  useEffect(() => {
    api<Page<Consent>>(`/cases/${c.id}/consents`).then((p) => setConsents(p.items), setError);
  }, [c.id, consentsVersion]);

  // Only organizations with a valid data-sharing consent can be chosen; the
  // categories are those the chosen consent covers.
  const usable = useMemo(
    () => consents.filter((x) => x.valid && x.purpose === 'data_sharing' && x.recipient_organization_id),
    [consents],
  );
  const targets = orgs.filter(
    (o) => o.active && o.id !== me.organization.id && usable.some((x) => x.recipient_organization_id === o.id),
  );
  const consent = usable.find((x) => x.recipient_organization_id === to) ?? null;
  const target = orgs.find((o) => o.id === to);
  // An organization that lists its services is asked only for those; one that
  // lists none may be asked for any.
  const offers = (type: string) => !target || target.services.length === 0 || target.services.includes(type);

  // The referral's fields, as a referral and as a transfer's request for approval.
  const referralBody = (k: string, consentId: string): Record<string, unknown> => ({
    kind: k,
    to_organization_id: to,
    consent_id: consentId,
    categories: cats,
    urgency,
    ...(note.trim() ? { note: note.trim() } : {}),
  });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!consent) return;
    setError(null);
    setDone(false);
    const body = referralBody(kind, consent.id);
    if (kind === 'assistance') body.assistance_types = types;
    try {
      await api(`/cases/${c.id}/referrals`, { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      nextKey();
      reset();
      setDone(true);
      await onCreated();
    } catch (err) {
      if (kind === 'transfer' && problemNames(err, 409, 'approval')) {
        // The approval request is another request: a key of its own.
        nextKey();
        setNeedsApproval(true);
      } else setError(err);
    }
  };

  const reset = () => {
    setTypes([]);
    setCats([]);
    setNote('');
    setTo('');
    setNeedsApproval(false);
  };

  // Asks the supervisors to approve this transfer: approving sends it.
  const requestApproval = async () => {
    if (!consent) return;
    setError(null);
    const body = referralBody('transfer', consent.id);
    try {
      await api(`/cases/${c.id}/approvals`, { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      nextKey();
      reset();
      setAsked(true);
      await onCreated();
    } catch (err) {
      setError(err);
    }
  };

  const changed = () => {
    setNeedsApproval(false);
    setAsked(false);
    setDone(false);
  };

  return (
    <details className="form-block">
      <summary>{t('ref.new')}</summary>
      {usable.length === 0 && <p className="muted">{t('ref.needConsent')}</p>}
      <form onSubmit={submit} className="stack" data-testid="referral-form">
        <div className="row wrap">
          <Select
            label={t('ref.kind')}
            name="kind"
            options={[
              { value: 'assistance', label: t('ref.kindAssistance') },
              { value: 'transfer', label: t('ref.transfer') },
            ]}
            value={kind}
            onValue={(v) => {
              setKind(v);
              changed();
            }}
          />
          <OrgSelect
            label={t('ref.to')}
            name="to"
            required
            empty="—"
            orgs={targets}
            value={to}
            onValue={(v) => {
              const next = orgs.find((o) => o.id === v);
              setTo(v);
              setCats([]);
              changed();
              // What the newly chosen organization does not offer is unchosen.
              if (next && next.services.length > 0) setTypes(types.filter((x) => next.services.includes(x)));
            }}
          />
          <EnumSelect
            label={t('ref.urgency')}
            name="urgency"
            of="urgency"
            values={['normal', 'urgent']}
            {...bind(urgency, setUrgency)}
          />
        </div>
        {kind === 'assistance' && (
          <Checks
            legend={t('ref.types')}
            namePrefix="type-"
            options={enumOptions('atype', ASSISTANCE_TYPES).map((o) =>
              offers(String(o.value))
                ? o
                : {
                    ...o,
                    disabled: true,
                    label: (
                      <>
                        {o.label} <span className="small">({t('ref.notOffered')})</span>
                      </>
                    ),
                  },
            )}
            chosen={types}
            onChange={setTypes}
          >
            {target && target.services.length > 0 && (
              <p className="muted small" data-testid="services-note">
                {t('ref.offersOnly')}
              </p>
            )}
          </Checks>
        )}
        {consent && (
          <Checks
            legend={t('ref.categories')}
            namePrefix="refcat-"
            options={enumOptions('cat', consent.categories)}
            chosen={cats}
            onChange={setCats}
          />
        )}
        <TextArea
          label={t('ref.note')}
          hint={t('ref.noteHint')}
          name="note"
          rows={2}
          maxLength={4000}
          {...bind(note, setNote)}
        />
        <div>
          <button
            type="submit"
            disabled={!consent || cats.length === 0 || (kind === 'assistance' && types.length === 0)}
          >
            {t('ref.send')}
          </button>
        </div>
        {needsApproval && (
          <div className="notice stack" role="alert" data-testid="transfer-needs-approval">
            <p>{t('cw.transferNeedsApproval')}</p>
            <div>
              <button type="button" onClick={() => void requestApproval()}>
                {t('cw.requestTransferApproval')}
              </button>
            </div>
          </div>
        )}
        <Done show={done} text={t('ref.sent')} />
        <Done show={asked} text={t('cw.transferApprovalRequested')} />
        <ErrorText error={error} />
      </form>
    </details>
  );
}
