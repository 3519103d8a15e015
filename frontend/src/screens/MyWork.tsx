// "My work": what needs the signed-in person now (GET /me/work), the most
// urgent first, overdue items marked in words, each linking to where it is
// worked on; filtered by kind with the count of each. Items carry codes and
// ids only.
import { useEffect, useState } from 'react';
import { translate, useI18n } from '../i18n';
import { dueDay, halfYear, kindsWithWork, ofKind, workPath } from '../lib/mywork';
import { useResource } from '../lib/resource';
import { linkTo } from '../lib/router';
import type { WorkItem, WorkList } from '../lib/types';
import { ErrorText } from './common';

export function MyWork({ onLoaded }: { onLoaded?: (total: number) => void }) {
  const { t, tx } = useI18n();
  const { data, error, loading } = useResource<WorkList>('/me/work');
  const [kind, setKind] = useState('');
  useEffect(() => {
    if (data) onLoaded?.(data.total);
  }, [data, onLoaded]);

  const kinds = data ? kindsWithWork(data.counts) : [];
  // A kind whose work is all done shows everything again.
  const current = kinds.some((k) => k.kind === kind) ? kind : '';
  const shown = data ? ofKind(data.items, current) : [];
  return (
    <section className="mywork">
      <h1>{t('work.title')}</h1>
      <p className="muted">{t('work.explain')}</p>
      <ErrorText error={error} />
      {loading && <p role="status">{t('common.loading')}</p>}
      {data && kinds.length > 0 && (
        <div className="tabs wrap" role="group" aria-label={t('work.filter')} data-testid="work-kinds">
          {[{ kind: '', count: data.total }, ...kinds].map((k) => (
            <button
              key={k.kind}
              type="button"
              className={current === k.kind ? 'tab active' : 'tab'}
              aria-pressed={current === k.kind}
              data-kind={k.kind || 'all'}
              onClick={() => setKind(k.kind)}
            >
              {k.kind ? tx('wkind', k.kind) : t('work.all')} <span className="tab-count">{k.count}</span>
            </button>
          ))}
        </div>
      )}
      {data &&
        (shown.length === 0 ? (
          <p className="empty-state" data-testid="work-empty">
            {t(current ? 'work.emptyKind' : 'work.empty')}
          </p>
        ) : (
          <ul className="work-list" data-testid="work-list">
            {shown.map((i) => (
              <WorkRow key={`${i.kind} ${i.link} ${i.due_at} ${i.user_id ?? ''}`} item={i} />
            ))}
          </ul>
        ))}
    </section>
  );
}

/** One task: overdue mark, kind, where it is worked on, and when it is due. */
export function WorkRow({ item }: { item: WorkItem }) {
  const { t, tx, f, lang } = useI18n();
  const path = workPath(item);
  const day = dueDay(item);
  const half = halfYear(item.period);
  const subject =
    item.kind === 'referral_response'
      ? (item.referral_code ?? item.case_code)
      : item.kind === 'report_due'
        ? `${t('nav.report')}${half ? ` · ${half.year} ${t(half.half === 1 ? 'period.h1' : 'period.h2')}` : ''}`
        : item.kind === 'follow_up' && item.case_code
          ? `${item.case_code}${item.follow_up_kind ? ` · ${translate(lang, `fukind.${item.follow_up_kind}`)}` : ''}`
          : item.kind === 'approval' && item.case_code
            ? `${item.case_code} · ${tx('wapproval', item.approval)}${item.approval_status === 'returned' ? ` · ${t('work.returned')}` : ''}`
            : item.kind === 'approval'
              ? `${t('work.approvals')}${item.approval ? ` · ${tx('wapproval', item.approval)}` : ''}`
              : item.contact_code
                ? `${item.contact_code}${item.referral_code ? ` · ${item.referral_code}` : ''}`
                : item.case_code;
  const code = item.kind !== 'report_due' && !(item.kind === 'approval' && !item.case_code);
  return (
    <li className={item.overdue ? 'work-item overdue' : 'work-item'} data-kind={item.kind}>
      <div className="work-head">
        {item.overdue && <span className="badge overdue-mark">{t('work.overdue')}</span>}
        <strong>{tx('wkind', item.kind)}</strong>
        {item.urgency === 'urgent' && <span className="badge urgency-urgent">{tx('urgency', 'urgent')}</span>}
      </div>
      <div className="work-body">
        {path ? (
          <a href={path} onClick={linkTo(path)} className={code ? 'code' : undefined}>
            {subject ?? '—'}
          </a>
        ) : (
          <span className={code ? 'code' : undefined}>{subject ?? '—'}</span>
        )}
        <span className={item.overdue ? 'due overdue-text' : 'due muted'}>
          {t('work.due')}: <time dateTime={item.due_at}>{day ? f.date(day) : f.dateTime(item.due_at)}</time>
        </span>
      </div>
    </li>
  );
}
