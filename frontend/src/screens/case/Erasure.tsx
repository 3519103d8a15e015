import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useI18n, type Key } from '../../i18n';
import { api } from '../../lib/api';
import { linkTo } from '../../lib/router';
import type { Case, ErasureRequest, LegalHold, Me } from '../../lib/types';
import { ErrorText } from '../common';
import { bind, FormButtons, Input, ReasonForm, Select, TextArea, DateField } from '../form';

const REASONS = ['person_request', 'court_order', 'retention', 'other'] as const;

const reasonKey = (r: string) => `erasure.reason.${r}` as Key;
const statusKey = (s: string) => `erasure.status.${s}` as Key;

/** Loads a list answer's items, with a reload. */
function useItems<T>(path: string): [T[] | null, unknown, () => Promise<void>] {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = useCallback(async () => {
    try {
      setItems((await api<{ items: T[] }>(path)).items);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [path]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return [items, error, reload];
}

/**
 * The decisions a person may take on an open erasure request: a second
 * person approves (after a confirmation: it cannot be undone) or rejects
 * with a reason; a supervisor cancels with a reason.
 */
function Decide({ req, me, onDone }: { req: ErasureRequest; me: Me; onDone: () => Promise<void> }) {
  const { t } = useI18n();
  const [step, setStep] = useState<'' | 'approve' | 'reject' | 'cancel'>('');
  const [error, setError] = useState<unknown>(null);
  const second = req.requested_by !== me.id && me.permissions.includes('erasure.decide');
  const canCancel = me.role === 'supervisor';
  const act = async (what: 'approve' | 'reject' | 'cancel', reason?: string) => {
    setError(null);
    try {
      await api(`/erasure-requests/${req.id}/${what}`, { method: 'POST', body: reason ? { reason } : {} });
      setStep('');
      await onDone();
    } catch (e) {
      setError(e);
    }
  };
  if (req.status !== 'pending' && req.status !== 'scheduled') return null;
  return (
    <div className="stack">
      {step === '' && (
        <div className="row wrap">
          {second && req.status === 'pending' && (
            <>
              <button type="button" className="danger" onClick={() => setStep('approve')}>
                {t('erasure.approve')}
              </button>
              <button type="button" className="secondary" onClick={() => setStep('reject')}>
                {t('erasure.reject')}
              </button>
            </>
          )}
          {canCancel && (
            <button type="button" className="secondary" onClick={() => setStep('cancel')}>
              {t('erasure.cancel')}
            </button>
          )}
        </div>
      )}
      {step === 'approve' && (
        <div role="alertdialog" aria-labelledby={`confirm-${req.id}`} className="confirm stack">
          <p id={`confirm-${req.id}`}>
            <strong>{t('erasure.confirmTitle')}</strong> {t('erasure.confirmText')}
          </p>
          <div className="row wrap">
            <button type="button" className="danger" autoFocus onClick={() => void act('approve')}>
              {t('erasure.confirm')}
            </button>
            <button type="button" className="secondary" onClick={() => setStep('')}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
      {(step === 'reject' || step === 'cancel') && (
        <ReasonForm
          label={t('erasure.decisionReason')}
          submit={t(step === 'reject' ? 'erasure.reject' : 'erasure.cancel')}
          required
          maxLength={4000}
          onSubmit={(text) => void act(step, text)}
          onCancel={() => setStep('')}
        />
      )}
      <ErrorText error={error} />
    </div>
  );
}

/** One erasure request, as a list item. */
function RequestItem({
  req,
  me,
  onDone,
  withCase,
}: {
  req: ErasureRequest;
  me: Me;
  onDone: () => Promise<void>;
  withCase?: 'link' | 'code';
}) {
  const { t, f } = useI18n();
  return (
    <li className="stack" data-testid="erasure-request">
      <div className="row wrap">
        {withCase === 'link' && (
          <a href={`/cases/${req.case_id}`} onClick={linkTo(`/cases/${req.case_id}`)} className="code">
            {req.case_code}
          </a>
        )}
        {withCase === 'code' && <span className="code">{req.case_code}</span>}
        <span className={`badge erasure-${req.status}`}>{t(statusKey(req.status))}</span>
        <span>{t(reasonKey(req.reason))}</span>
        <span className="muted small">{f.dateTime(req.requested_at)}</span>
      </div>
      {req.details && <p translate="no">{req.details}</p>}
      {req.status === 'scheduled' && req.erase_after && (
        <p>
          {t('erasure.eraseAfter')} {f.dateTime(req.erase_after)}
        </p>
      )}
      {req.blocked_by && <p className="notice">{t(`erasure.blocked.${req.blocked_by}` as Key)}</p>}
      {req.requested_by === me.id && req.status === 'pending' && (
        <p className="muted small">{t('erasure.waitsForSecond')}</p>
      )}
      {req.decision_note && (
        <p className="muted small" translate="no">
          {t('erasure.decisionReason')}: {req.decision_note}
        </p>
      )}
      <Decide req={req} me={me} onDone={onDone} />
    </li>
  );
}

/**
 * Erasure and legal hold on the case page, for the owning organization's
 * supervisors: the requests of the case, a new request, the decisions of a
 * second supervisor, and the legal hold.
 */
export function ErasurePanel({ c, me, onChanged }: { c: Case; me: Me; onChanged: () => Promise<void> }) {
  const { t } = useI18n();
  const [items, error, reload] = useItems<ErasureRequest>(`/cases/${c.id}/erasure-requests`);
  const [reason, setReason] = useState('');
  const [details, setDetails] = useState('');
  const [formError, setFormError] = useState<unknown>(null);
  const canRequest = c.allowed_actions?.includes('erasure_request') ?? false;
  const open = items?.some((r) => r.status === 'pending' || r.status === 'scheduled') ?? false;
  const refresh = async () => {
    await reload();
    await onChanged();
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    try {
      await api(`/cases/${c.id}/erasure-requests`, { method: 'POST', body: { reason, details } });
      setReason('');
      setDetails('');
      await reload();
    } catch (err) {
      setFormError(err);
    }
  };
  return (
    <div className="panel" id="sec-erasure">
      <h2>{t('erasure.title')}</h2>
      <p className="muted small">{t('erasure.hint')}</p>
      {items && items.length > 0 && (
        <ul className="plain stack">
          {items.map((r) => (
            <RequestItem key={`${r.id}-${r.version}`} req={r} me={me} onDone={refresh} />
          ))}
        </ul>
      )}
      <ErrorText error={error} />
      {canRequest && !open && (
        <form onSubmit={submit} className="stack" data-testid="erasure-form">
          <Select
            label={t('erasure.reason')}
            name="erasure-reason"
            required
            empty="—"
            options={REASONS.map((r) => ({ value: r, label: t(reasonKey(r)) }))}
            {...bind(reason, setReason)}
          />
          <TextArea
            label={t('erasure.details')}
            name="erasure-details"
            rows={2}
            maxLength={4000}
            {...bind(details, setDetails)}
          />
          <FormButtons submit={t('erasure.request')} />
          <ErrorText error={formError} />
        </form>
      )}
      {c.allowed_actions?.includes('legal_hold') && <LegalHoldForm caseId={c.id} onChanged={reload} />}
    </div>
  );
}

/** The legal hold of a case: shown, placed (reason, last day) and lifted. */
function LegalHoldForm({ caseId, onChanged }: { caseId: string; onChanged: () => Promise<void> }) {
  const { t, f } = useI18n();
  const [hold, setHold] = useState<LegalHold | null>(null);
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      setHold(await api<LegalHold>(`/cases/${caseId}/legal-hold`));
    } catch (e) {
      setError(e);
    }
  }, [caseId]);
  useEffect(() => {
    void load();
  }, [load]);
  const change = async (init: { method: string; body?: unknown }) => {
    setError(null);
    try {
      setHold(await api<LegalHold>(`/cases/${caseId}/legal-hold`, init));
      setReason('');
      setUntil('');
      await onChanged();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="legal-hold-title" className="stack">
      <h3 id="legal-hold-title">{t('hold.title')}</h3>
      {hold?.active ? (
        <>
          <p className="notice" data-testid="legal-hold">
            {t('hold.active')}
            {hold.until ? ` ${t('hold.until')} ${f.date(hold.until)}` : ''}
          </p>
          {hold.reason && <p translate="no">{hold.reason}</p>}
          <div>
            <button type="button" className="secondary" onClick={() => void change({ method: 'DELETE' })}>
              {t('hold.lift')}
            </button>
          </div>
        </>
      ) : (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void change({ method: 'PUT', body: { reason, until: until || null } });
          }}
        >
          <p className="muted small">{t('hold.none')}</p>
          <Input label={t('hold.reason')} name="hold-reason" required maxLength={4000} {...bind(reason, setReason)} />
          <DateField label={t('hold.untilLabel')} name="hold-until" {...bind(until, setUntil)} />
          <FormButtons submit={t('hold.place')} />
        </form>
      )}
      <ErrorText error={error} />
    </section>
  );
}

/**
 * The organization's open erasure requests, for a second person to decide
 * on (supervisors and the org admin, who does not read cases): by case
 * code and reason, never details.
 */
export function OpenErasures({ me }: { me: Me }) {
  const { t } = useI18n();
  const [items, error, reload] = useItems<ErasureRequest>('/erasure-requests');
  if (!items?.length && !error) return null;
  return (
    <section className="panel" aria-labelledby="open-erasures-title">
      <h2 id="open-erasures-title">{t('erasure.openTitle')}</h2>
      <ul className="plain stack">
        {(items ?? []).map((r) => (
          <RequestItem
            key={`${r.id}-${r.version}`}
            req={r}
            me={me}
            onDone={reload}
            withCase={me.role === 'supervisor' ? 'link' : 'code'}
          />
        ))}
      </ul>
      <ErrorText error={error} />
    </section>
  );
}
