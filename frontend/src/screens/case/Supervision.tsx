import { useCallback, useState } from 'react';
import { useI18n } from '../../i18n';
import { api, type Page } from '../../lib/api';
import type { AuditEntry, Case, Me } from '../../lib/types';
import { ErrorText } from '../common';

/**
 * Assignment by a supervisor. The API offers supervisors no list of their
 * organization's workers, so the panel shows how many are assigned and lets
 * the supervisor take the case or hand it back.
 */
export function AssignPanel({ c, me, onChanged }: { c: Case; me: Me; onChanged: () => Promise<void> }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const assigned = c.assigned_user_ids ?? [];
  const mine = assigned.includes(me.id);
  const change = async (ids: string[]) => {
    setError(null);
    try {
      await api(`/cases/${c.id}`, { method: 'PATCH', body: { assigned_user_ids: ids, version: c.version }, headers: { 'Content-Type': 'application/merge-patch+json' } });
      await onChanged();
    } catch (e) { setError(e); }
  };
  return (
    <div className="panel" id="sec-assign">
      <h2>{t('assign.title')}</h2>
      <p>{t('assign.count')}: <strong>{assigned.length}</strong>{mine && <span className="badge valid">{t('assign.you')}</span>}</p>
      <div className="row wrap">
        {!mine && <button type="button" onClick={() => void change([...assigned, me.id])}>{t('assign.take')}</button>}
        {mine && assigned.length > 1 && <button type="button" className="secondary" onClick={() => void change(assigned.filter((x) => x !== me.id))}>{t('assign.release')}</button>}
      </div>
      <ErrorText error={error} />
    </div>
  );
}

export function AccessLogPanel({ caseId }: { caseId: string }) {
  const { t, tx, f } = useI18n();
  const [items, setItems] = useState<AuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async (after: string | null) => {
    setError(null);
    try {
      const p = await api<Page<AuditEntry>>(`/cases/${caseId}/access-log?limit=50${after ? `&cursor=${encodeURIComponent(after)}` : ''}`);
      setItems((prev) => (after && prev ? [...prev, ...p.items] : p.items));
      setCursor(p.next_cursor);
    } catch (e) { setError(e); }
  }, [caseId]);
  return (
    <div className="panel" id="sec-access">
      <h2>{t('access.title')}</h2>
      {items === null ? <button type="button" className="secondary" onClick={() => void load(null)}>{t('access.show')}</button> : (
        <div className="table-wrap" tabIndex={0}>
          <table data-testid="access-log">
            <thead><tr>
              <th scope="col">{t('audit.at')}</th><th scope="col">{t('audit.action')}</th><th scope="col">{t('audit.role')}</th>
              <th scope="col">{t('audit.actor')}</th><th scope="col">{t('audit.outcome')}</th>
            </tr></thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id}>
                  <td>{f.dateTime(a.at)}</td><td className="code">{a.action}</td><td>{tx('role', a.role)}</td>
                  <td className="code">{a.actor_id ? a.actor_id.slice(0, 8) : '—'}</td><td>{tx('outcome', a.outcome)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && <button type="button" className="secondary" onClick={() => void load(cursor)}>{t('common.loadMore')}</button>}
      <ErrorText error={error} />
    </div>
  );
}
