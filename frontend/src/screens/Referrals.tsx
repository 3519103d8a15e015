import { useEffect, useRef, useState } from 'react';
import { useI18n, type Key } from '../i18n';
import { ApiError, api, query } from '../lib/api';
import { LoadMore, usePagedList } from '../lib/paged';
import { linkTo } from '../lib/router';
import type { Referral } from '../lib/types';
import { ErrorText, useOrgName } from './common';
import { Done, ReasonForm } from './form';

type Box = 'incoming' | 'outgoing';

/**
 * The referral inbox and outbox. With `focus` (a referral's id, from a link
 * of the work list), the inbox shows that referral marked and focused.
 */
export function Referrals({ canRespond, focus }: { canRespond: boolean; focus?: string }) {
  const { t } = useI18n();
  const [box, setBox] = useState<Box>('incoming');
  const list = usePagedList<Referral>(`/referrals${query({ box })}`);
  const { items, setItems, loading, error } = list;

  const replace = (r: Referral) => setItems((prev) => prev.map((x) => (x.id === r.id ? { ...x, ...r } : x)));

  return (
    <section>
      <h1>{t('ref.title')}</h1>
      <div className="tabs" role="group" aria-label={t('ref.title')}>
        {(['incoming', 'outgoing'] as Box[]).map((b) => (
          <button
            key={b}
            type="button"
            className={box === b ? 'tab active' : 'tab'}
            aria-pressed={box === b}
            onClick={() => setBox(b)}
          >
            {t(b === 'incoming' ? 'ref.incoming' : 'ref.outgoing')}
          </button>
        ))}
      </div>
      <ErrorText error={error} />
      {!loading && items.length === 0 ? (
        <p className="muted">{t('ref.empty')}</p>
      ) : (
        <ul className="referrals" data-testid={`referrals-${box}`}>
          {items.map((r) => (
            <ReferralRow
              key={r.id}
              r={r}
              box={box}
              actions={box === 'incoming' && canRespond}
              focused={r.id === focus}
              onChange={replace}
            />
          ))}
        </ul>
      )}
      <LoadMore list={list} />
    </section>
  );
}

/** What each answer to a referral says once done. */
const DONE: Record<'accept' | 'decline' | 'complete', Key> = {
  accept: 'ref.acceptedMsg',
  decline: 'ref.declinedMsg',
  complete: 'ref.completedMsg',
};

function ReferralRow({
  r,
  box,
  actions,
  focused,
  onChange,
}: {
  r: Referral;
  box: Box;
  focused?: boolean;
  actions: boolean;
  onChange: (r: Referral) => void;
}) {
  const { t, tx, f } = useI18n();
  const orgName = useOrgName();
  // The recipient opens the case once it accepted; the sender always can
  // (an intake names no case before, and never to its hotline).
  const canOpen = r.case_id != null && (box === 'outgoing' || r.status === 'accepted');
  // An intake whose person may already have a case here: the cases to attach it to.
  const [matches, setMatches] = useState<{ id: string; code: string }[] | null>(null);
  const [mode, setMode] = useState<'' | 'decline' | 'complete'>('');
  const [error, setError] = useState<unknown>(null);
  // What the last action did, said after it (accepting moves the case into My cases).
  const [done, setDone] = useState<Key | null>(null);
  const self = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (focused) self.current?.focus();
  }, [focused]);

  const act = async (action: 'accept' | 'decline' | 'complete', body: Record<string, string | boolean>) => {
    setError(null);
    setDone(null);
    try {
      onChange(
        await api<Referral>(`/referrals/${r.id}/${action}`, {
          method: 'POST',
          body: action === 'complete' && !body.outcome ? {} : body,
        }),
      );
      setMode('');
      setMatches(null);
      setDone(DONE[action]);
    } catch (e) {
      // An intake's person may already have a case here: offer those cases.
      if (action === 'accept' && r.kind === 'intake' && e instanceof ApiError && e.status === 409) {
        try {
          setMatches((await api<{ items: { id: string; code: string }[] }>(`/referrals/${r.id}/matches`)).items);
          return;
        } catch (e2) {
          setError(e2);
          return;
        }
      }
      setError(e);
    }
  };

  return (
    <li
      ref={self}
      tabIndex={focused ? -1 : undefined}
      aria-current={focused ? 'true' : undefined}
      className={`referral${r.overdue ? ' overdue' : ''}${focused ? ' focused' : ''}`}
    >
      <div className="referral-head">
        <strong>{r.code ?? r.case_summary?.code ?? '—'}</strong>
        <span className={`badge ref-${r.status}`}>{tx('refstatus', r.status)}</span>
        <span className={`badge urgency-${r.urgency}`}>{tx('urgency', r.urgency)}</span>
        {r.overdue && <span className="badge overdue-mark">{t('ref.overdue')}</span>}
        {r.kind === 'transfer' && <span className="badge">{t('ref.transfer')}</span>}
        {r.kind === 'intake' && <span className="badge intake">{t('ref.intake')}</span>}
      </div>
      <dl className="fields inline">
        <dt>{t(box === 'incoming' ? 'ref.from' : 'ref.to')}</dt>
        <dd>{orgName(box === 'incoming' ? r.from_organization_id : r.to_organization_id)}</dd>
        {r.screening && (
          <>
            <dt>{t('ref.screening')}</dt>
            <dd data-testid="intake-screening">
              {[
                tx('ctopic', r.screening.topic),
                tx('ccaller', r.screening.caller),
                r.screening.result ? tx('sres', r.screening.result) : null,
                r.screening.region ? tx('region', r.screening.region) : null,
                r.screening.country,
              ]
                .filter(Boolean)
                .join(' · ')}
              {r.screening.indicators.length > 0 && (
                <div className="muted">{r.screening.indicators.map((i) => tx('ind', i)).join(', ')}</div>
              )}
            </dd>
          </>
        )}
        {r.case_summary && r.kind !== 'intake' && (
          <>
            <dt>{t('ref.person')}</dt>
            <dd>
              {[
                tx('sex', r.case_summary.sex),
                r.case_summary.age_bracket === 'unknown' ? t('age.unknown') : r.case_summary.age_bracket,
                r.case_summary.region_of_origin ? tx('region', r.case_summary.region_of_origin) : null,
              ]
                .filter(Boolean)
                .join(' · ')}
            </dd>
          </>
        )}
        {r.kind !== 'intake' && (
          <>
            <dt>{t('ref.types')}</dt>
            <dd>{r.assistance_types.map((a) => tx('atype', a)).join(', ') || '—'}</dd>
          </>
        )}
        {r.categories && r.categories.length > 0 && (
          <>
            <dt>{t('ref.categories')}</dt>
            <dd>{r.categories.map((a) => tx('cat', a)).join(', ')}</dd>
          </>
        )}
        <dt>{t('ref.due')}</dt>
        <dd className={r.overdue ? 'error' : undefined}>{f.dateTime(r.due_at)}</dd>
        {r.note && (
          <>
            <dt>{t('ref.note')}</dt>
            <dd className="pre" translate="no">
              {r.note}
            </dd>
          </>
        )}
        {r.decline_reason && (
          <>
            <dt>{t('ref.declineReason')}</dt>
            <dd translate="no">{r.decline_reason}</dd>
          </>
        )}
        {r.outcome && (
          <>
            <dt>{t('ref.outcome')}</dt>
            <dd translate="no">{r.outcome}</dd>
          </>
        )}
      </dl>
      {canOpen && (
        <a href={`/cases/${r.case_id}`} onClick={linkTo(`/cases/${r.case_id}`)} data-testid="open-case">
          {t('ref.openCase')}
        </a>
      )}
      {actions && !mode && (
        <div className="row wrap">
          {r.status === 'pending' && (
            <>
              <button type="button" onClick={() => void act('accept', {})}>
                {t('ref.accept')}
              </button>
              <button type="button" className="secondary" onClick={() => setMode('decline')}>
                {t('ref.decline')}
              </button>
            </>
          )}
          {r.status === 'accepted' && (
            <button type="button" onClick={() => setMode('complete')}>
              {t('ref.complete')}
            </button>
          )}
        </div>
      )}
      {matches && (
        <div className="matches" role="group" aria-label={t('ref.matches')}>
          <p>{t('ref.matches')}</p>
          <div className="row wrap">
            {matches.map((m) => (
              <button key={m.id} type="button" onClick={() => void act('accept', { case_id: m.id })}>
                {t('ref.attach')} <span translate="no">{m.code}</span>
              </button>
            ))}
            <button type="button" className="secondary" onClick={() => void act('accept', { new_case: true })}>
              {t('ref.newCase')}
            </button>
          </div>
        </div>
      )}
      {mode && (
        <ReasonForm
          key={mode}
          label={t(mode === 'decline' ? 'ref.declineReason' : 'ref.outcome')}
          submit={t(mode === 'decline' ? 'ref.decline' : 'ref.complete')}
          required={mode === 'decline'}
          maxLength={4000}
          onSubmit={(text) => {
            if (mode === 'complete' || text) void act(mode, mode === 'decline' ? { reason: text } : { outcome: text });
          }}
          onCancel={() => setMode('')}
        />
      )}
      <Done show={!!done} text={done ? t(done) : ''} />
      <ErrorText error={error} />
    </li>
  );
}
