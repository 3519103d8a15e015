import { useState } from 'react';
import { useI18n } from '../i18n';
import { api } from '../lib/api';
import { LoadMore, usePagedList } from '../lib/paged';
import { isKnown } from '../lib/enums';
import { linkTo } from '../lib/router';
import type { Notification } from '../lib/types';
import { ErrorText } from './common';
import { Done } from './form';
import { useRefreshCounts } from '../App';

export function Notifications() {
  const { t, tx, f } = useI18n();
  const list = usePagedList<Notification>('/notifications');
  const { items, setItems, loading, error, setError } = list;
  const refreshCounts = useRefreshCounts();
  const [allRead, setAllRead] = useState(false);

  const markRead = async (n: Notification) => {
    try {
      await api(`/notifications/${n.id}/read`, { method: 'POST', body: {} });
      setItems((prev) => prev.map((x) => (x.id === n.id ? { ...x, read_at: new Date().toISOString() } : x)));
      refreshCounts();
    } catch (e) {
      setError(e);
    }
  };
  const markAll = async () => {
    setError(null);
    try {
      await api('/notifications/read-all', { method: 'POST' });
      const now = new Date().toISOString();
      setItems((prev) => prev.map((x) => (x.read_at ? x : { ...x, read_at: now })));
      setAllRead(true);
      refreshCounts();
    } catch (e) {
      setError(e);
    }
  };

  // Only app paths the router knows are followed.
  const internal = (link: string) =>
    /^\/(cases|referrals|users)(\/[0-9a-f-]{36})?$/.test(link) ? link.replace(/^\/referrals\/.*/, '/referrals') : null;

  return (
    <section>
      <div className="page-head">
        <h1>{t('notif.title')}</h1>
        {items.some((n) => !n.read_at) && (
          <button type="button" className="secondary" onClick={() => void markAll()} data-testid="mark-all-read">
            {t('notif.markAllRead')}
          </button>
        )}
      </div>
      <Done show={allRead} text={t('notif.allRead')} />
      <ErrorText error={error} />
      {!loading && items.length === 0 ? (
        <p className="muted">{t('notif.empty')}</p>
      ) : (
        <ul className="notifications">
          {items.map((n) => {
            const to = internal(n.link);
            return (
              <li key={n.id} className={n.read_at ? '' : 'unread'}>
                {!n.read_at && <span className="badge new">{t('notif.unread')}</span>}
                <span>{isKnown('notif', n.kind) ? tx('notif', n.kind) : t('notif.other')}</span>
                {/* An account event's ref_code is the role concerned. */}
                {to ? (
                  <a href={to} onClick={linkTo(to)}>
                    {n.kind.startsWith('account.') ? tx('role', n.ref_code) : n.ref_code}
                  </a>
                ) : (
                  <span className="code">{n.ref_code}</span>
                )}
                <span className="muted small">{f.dateTime(n.created_at)}</span>
                {!n.read_at && (
                  <button type="button" className="secondary small" onClick={() => void markRead(n)}>
                    {t('notif.markRead')}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <LoadMore list={list} />
    </section>
  );
}
