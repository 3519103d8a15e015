import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n';
import { api, query } from '../../lib/api';
import { fetchAll, LoadMore, usePagedList } from '../../lib/paged';
import type { AccessEntry, Case, Me, User } from '../../lib/types';
import { foldAccessLog } from '../../lib/accesslog';
import { isKnown } from '../../lib/enums';
import { bind, FormButtons, Select } from '../form';
import { ErrorText, Table } from '../common';

/**
 * Assignment by a supervisor: the organization's caseworkers (listed by
 * name) are assigned and unassigned from a select. Where the server offers
 * supervisors no list of accounts (403), the panel shows how many are
 * assigned and lets the supervisor take the case or hand it back.
 */
export function AssignPanel({ c, me, onChanged }: { c: Case; me: Me; onChanged: () => Promise<void> }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [workers, setWorkers] = useState<User[] | null>(null);
  const [pick, setPick] = useState('');
  const assigned = c.assigned_user_ids ?? [];
  const mine = assigned.includes(me.id);

  useEffect(() => {
    let live = true;
    caseworkers().then(
      (w) => {
        if (live) setWorkers(w);
      },
      () => {
        if (live) setWorkers(null);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const change = async (ids: string[]) => {
    setError(null);
    try {
      await api(`/cases/${c.id}`, {
        method: 'PATCH',
        body: { assigned_user_ids: ids, version: c.version },
        headers: { 'Content-Type': 'application/merge-patch+json' },
      });
      setPick('');
      await onChanged();
    } catch (e) {
      setError(e);
    }
  };
  const nameOf = (id: string) =>
    id === me.id ? `${me.name} (${t('assign.you')})` : (workers?.find((w) => w.id === id)?.name ?? t('assign.other'));
  const free = (workers ?? []).filter((w) => !assigned.includes(w.id));
  return (
    <div className="panel" id="sec-assign">
      <h2>{t('assign.title')}</h2>
      <p>
        {t('assign.count')}: <strong>{assigned.length}</strong>
        {mine && <span className="badge valid">{t('assign.you')}</span>}
      </p>
      {workers &&
        (assigned.length === 0 ? (
          <p className="muted">{t('assign.noneAssigned')}</p>
        ) : (
          <ul className="plain" data-testid="assigned" aria-label={t('assign.assigned')}>
            {assigned.map((id) => (
              <li key={id} className="row wrap">
                <span translate="no">{nameOf(id)}</span>
                <button
                  type="button"
                  className="secondary small"
                  disabled={assigned.length < 2}
                  onClick={() => void change(assigned.filter((x) => x !== id))}
                >
                  {t('assign.remove')}
                </button>
              </li>
            ))}
          </ul>
        ))}
      {workers && free.length > 0 && (
        <form
          className="row wrap"
          data-testid="assign-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (pick) void change([...assigned, pick]);
          }}
        >
          <Select
            label={t('assign.worker')}
            name="worker"
            required
            translate="no"
            empty="—"
            options={free.map((w) => ({ value: w.id, label: `${w.name} · ${w.email}` }))}
            {...bind(pick, setPick)}
          />
          <FormButtons className="row end" submit={t('assign.add')} />
        </form>
      )}
      <div className="row wrap">
        {!mine && (
          <button type="button" onClick={() => void change([...assigned, me.id])}>
            {t('assign.take')}
          </button>
        )}
        {mine && assigned.length > 1 && (
          <button type="button" className="secondary" onClick={() => void change(assigned.filter((x) => x !== me.id))}>
            {t('assign.release')}
          </button>
        )}
      </div>
      <ErrorText error={error} />
    </div>
  );
}

/** The active caseworkers of the caller's organization (a 403 rejects: no list for this role). */
async function caseworkers(): Promise<User[]> {
  const all = await fetchAll<User>(`/users${query({ role: 'caseworker' })}`);
  return all.filter((u) => !u.disabled && u.role === 'caseworker');
}

export function AccessLogPanel({ caseId }: { caseId: string }) {
  const { t, tx, f } = useI18n();
  // The log is read (and the reading audited) only when asked for.
  const [shown, setShown] = useState(false);
  const list = usePagedList<AccessEntry>(shown ? `/cases/${caseId}/access-log` : null);
  return (
    <div className="panel" id="sec-access">
      <h2>{t('access.title')}</h2>
      {!shown ? (
        <button type="button" className="secondary" onClick={() => setShown(true)}>
          {t('access.show')}
        </button>
      ) : (
        <Table testId="access-log" cols={['audit.at', 'audit.action', 'audit.role', 'audit.actor', 'audit.outcome']}>
          {foldAccessLog(list.items).map(({ entry: a, count }) => (
            <tr key={a.id}>
              <td>{f.dateTime(a.at)}</td>
              <td>
                {isKnown('auditact', a.action) ? (
                  tx('auditact', a.action)
                ) : (
                  // An action this version of the app has no words for: said as such, its code for support only.
                  <span title={a.action}>{t('access.otherAction')}</span>
                )}
                {count > 1 && (
                  <span className="muted" data-testid="access-folded">
                    {' '}
                    ({t('access.times')}: {count})
                  </span>
                )}
              </td>
              <td>{tx('role', a.role)}</td>
              <td translate="no">{a.actor_name ?? '—'}</td>
              <td>{tx('outcome', a.outcome)}</td>
            </tr>
          ))}
        </Table>
      )}
      {shown && <LoadMore list={list} />}
      <ErrorText error={list.error} />
    </div>
  );
}
