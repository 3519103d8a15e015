// A case's requests for a supervisor's approval: a worker asks to approve
// the plan, a closure (with its reason) or a transfer (with the referral's
// recipient and consent); a supervisor of the owning organization approves
// or returns others' requests with a comment. Approving a closure closes the
// case; approving a transfer sends the referral.
import { useState, type FormEvent } from 'react';
import { useI18n, translate } from '../../i18n';
import { api, type Page } from '../../lib/api';
import { APPROVAL_KINDS, type Approval } from '../../lib/casework';
import { CLOSURE_REASONS } from '../../lib/enums';
import { useOrganizations } from '../../lib/refdata';
import { useResource } from '../../lib/resource';
import type { Case, Consent, Me } from '../../lib/types';
import { ErrorText, useIdempotencyKey, useOrgName } from '../common';
import { bind, Done, EnumSelect, Input, OrgSelect, Select, TextArea } from '../form';

export function ApprovalsPanel({
  c,
  me,
  canRequest,
  canDecide,
  onChanged,
}: {
  c: Case;
  me: Me;
  canRequest: boolean;
  canDecide: boolean;
  onChanged: () => Promise<void>;
}) {
  const { t, tx, f, lang } = useI18n();
  const orgName = useOrgName();
  const list = useResource<Page<Approval>>(`/cases/${c.id}/approvals`);
  const items = list.data?.items ?? [];
  const changed = async () => {
    list.reload();
    await onChanged();
  };
  return (
    <div className="panel" id="sec-approvals">
      <h2>{t('cw.approvals')}</h2>
      <ErrorText error={list.error} />
      {items.length === 0 ? (
        <p className="muted">{t('cw.noApprovals')}</p>
      ) : (
        <ul className="approvals" data-testid="approvals">
          {items.map((a) => (
            <li key={a.id} className="stack" data-status={a.status}>
              <div className="row wrap">
                <strong>{translate(lang, `apkind.${a.kind}`)}</strong>
                <span className={`badge approval-${a.status}`}>{translate(lang, `apstatus.${a.status}`)}</span>
                <span className="muted small">{f.dateTime(a.requested_at)}</span>
                {a.closure_reason && <span>{tx('closure', a.closure_reason)}</span>}
                {a.transfer && <span>→ {orgName(a.transfer.to_organization_id)}</span>}
              </div>
              {a.comment && (
                <p translate="no" className="small">
                  {a.comment}
                </p>
              )}
              {a.decision_comment && (
                <p translate="no" className="small">
                  <span className="muted">{t('cw.decision')}:</span> {a.decision_comment}
                </p>
              )}
              {canDecide && a.status === 'pending' && a.requested_by !== me.id && <Decide id={a.id} onDone={changed} />}
            </li>
          ))}
        </ul>
      )}
      {canRequest && <RequestForm c={c} onDone={changed} />}
    </div>
  );
}

function Decide({ id, onDone }: { id: string; onDone: () => Promise<void> }) {
  const { t } = useI18n();
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const decide = async (what: 'approve' | 'return') => {
    setError(null);
    try {
      await api(`/approvals/${id}/${what}`, { method: 'POST', body: comment ? { comment } : {} });
      await onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="stack" data-testid="approval-decide">
      <Input label={t('cw.comment')} name="decision_comment" maxLength={4000} {...bind(comment, setComment)} />
      <div className="row wrap">
        <button type="button" onClick={() => void decide('approve')}>
          {t('cw.approve')}
        </button>
        <button type="button" className="secondary" disabled={!comment.trim()} onClick={() => void decide('return')}>
          {t('cw.return')}
        </button>
      </div>
      <ErrorText error={error} />
    </div>
  );
}

function RequestForm({ c, onDone }: { c: Case; onDone: () => Promise<void> }) {
  const { t, tx, lang } = useI18n();
  const orgs = useOrganizations();
  const consents = useResource<Page<Consent>>(`/cases/${c.id}/consents`);
  const [kind, setKind] = useState('');
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  const [to, setTo] = useState('');
  const [consent, setConsent] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [key, nextKey] = useIdempotencyKey();
  const sharing = (consents.data?.items ?? []).filter(
    (k) => k.valid && k.purpose === 'data_sharing' && k.recipient_organization_id === to,
  );
  const chosen = sharing.find((k) => k.id === consent);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!kind) return;
    setError(null);
    setDone(false);
    const body: Record<string, unknown> = { kind, ...(comment.trim() ? { comment } : {}) };
    if (kind === 'closure') body.closure_reason = reason;
    if (kind === 'transfer')
      Object.assign(body, { to_organization_id: to, consent_id: consent, categories: chosen?.categories ?? [] });
    try {
      await api(`/cases/${c.id}/approvals`, { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      nextKey();
      setKind('');
      setComment('');
      setDone(true);
      await onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={submit} className="stack" data-testid="approval-form">
      <h3>{t('cw.requestApproval')}</h3>
      <p className="muted small">{t('cw.approvalHint')}</p>
      <div className="row wrap">
        <Select
          label={t('cw.approvalKind')}
          name="approval_kind"
          required
          empty="—"
          options={APPROVAL_KINDS.map((k) => ({ value: k, label: translate(lang, `apkind.${k}`) }))}
          {...bind(kind, setKind)}
        />
        {kind === 'closure' && (
          <EnumSelect
            label={t('case.closureReason')}
            name="approval_closure_reason"
            required
            empty="—"
            of="closure"
            values={CLOSURE_REASONS}
            {...bind(reason, setReason)}
          />
        )}
        {kind === 'transfer' && (
          <>
            <OrgSelect
              label={t('cw.recipient')}
              name="approval_to"
              required
              empty="—"
              orgs={orgs.filter((o) => o.id !== c.owner_organization_id)}
              {...bind(to, setTo)}
            />
            <Select
              label={t('cw.consentId')}
              name="approval_consent"
              required
              empty="—"
              options={sharing.map((k) => ({ value: k.id, label: k.categories.map((x) => tx('cat', x)).join(', ') }))}
              {...bind(consent, setConsent)}
            />
          </>
        )}
      </div>
      {kind && (
        <>
          <TextArea
            label={t('cw.comment')}
            name="approval_comment"
            rows={2}
            maxLength={4000}
            {...bind(comment, setComment)}
          />
          <div>
            <button type="submit">{t('cw.sendRequest')}</button>
          </div>
        </>
      )}
      <Done show={done} text={t('cw.requested')} />
      <ErrorText error={error} />
    </form>
  );
}
