// The auditor's view: the audit trail with filters, and its verification.
// Filters carry ids, actions and times only, never personal data.
import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';
import { api, query } from '../lib/api';
import { LoadMore, usePagedList } from '../lib/paged';
import type { AuditEntry, AuditVerification } from '../lib/types';
import { ErrorText, useOrgName, Table } from './common';
import { bindDraft, FormButtons, Input, OrgSelect, DateField } from './form';
import { useOrganizations } from '../lib/refdata';

interface Filters {
  case_id: string;
  actor_id: string;
  organization_id: string;
  action: string;
  from: string;
  to: string;
}
const NONE: Filters = { case_id: '', actor_id: '', organization_id: '', action: '', from: '', to: '' };
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/** A day in Bishkek as the RFC 3339 instant it starts at. */
function dayStart(d: string): string {
  return d ? new Date(`${d}T00:00:00+06:00`).toISOString() : '';
}

export default function Audit({ canVerify }: { canVerify: boolean }) {
  const { t, tx, f } = useI18n();
  const orgName = useOrgName();
  const orgs = useOrganizations();
  const [draft, setDraft] = useState<Filters>(NONE);
  const [filters, setFilters] = useState<Filters>(NONE);
  const [check, setCheck] = useState<AuditVerification | null>(null);
  const [checking, setChecking] = useState(false);

  // The end of the last day asked for is the start of the next one.
  const to = filters.to ? new Date(new Date(`${filters.to}T00:00:00+06:00`).getTime() + 86_400_000).toISOString() : '';
  const list = usePagedList<AuditEntry>(`/audit${query({ ...filters, from: dayStart(filters.from), to })}`, {
    limit: 100,
  });
  const { items, loading, error, setError } = list;

  const verify = async () => {
    setChecking(true);
    setError(null);
    try {
      setCheck(await api<AuditVerification>('/audit/verify'));
    } catch (e) {
      setError(e);
    } finally {
      setChecking(false);
    }
  };
  const filter = bindDraft(draft, setDraft);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters({
      ...draft,
      action: draft.action.trim(),
      case_id: draft.case_id.trim(),
      actor_id: draft.actor_id.trim(),
    });
  };

  return (
    <section>
      <h1>{t('audit.title')}</h1>
      {canVerify && (
        <div className="panel" data-testid="verify">
          <h2>{t('audit.verify')}</h2>
          <button type="button" onClick={() => void verify()} disabled={checking}>
            {t('audit.verifyRun')}
          </button>
          {check && (
            <div role="status" className={check.ok ? 'notice ok-box' : 'notice'}>
              <p>
                <strong>{t(check.ok ? 'audit.verifyOk' : 'audit.verifyBroken')}</strong>
              </p>
              <dl className="fields">
                <dt>{t('audit.entries')}</dt>
                <dd>{f.number(check.entries)}</dd>
                <dt>{t('audit.unlinked')}</dt>
                <dd>{f.number(check.unlinked)}</dd>
                <dt>{t('audit.staleUnlinked')}</dt>
                <dd>{f.number(check.stale_unlinked)}</dd>
                <dt>{t('audit.truncated')}</dt>
                <dd>{check.truncated ? t('common.yes') : t('common.no')}</dd>
                {check.checkpoint && (
                  <>
                    <dt>{t('audit.checkpoint')}</dt>
                    <dd>
                      #{check.checkpoint.seq} · {f.dateTime(check.checkpoint.at)}
                    </dd>
                  </>
                )}
                {check.first_broken && (
                  <>
                    <dt>{t('audit.firstBroken')}</dt>
                    <dd className="code">
                      #{check.first_broken.seq} {check.first_broken.reason}
                    </dd>
                  </>
                )}
              </dl>
            </div>
          )}
        </div>
      )}
      <form className="filters" onSubmit={apply} data-testid="audit-filters">
        <fieldset className="plain grid3">
          <legend>{t('cases.filters')}</legend>
          <Input label={t('audit.caseId')} {...filter('case_id')} pattern={UUID} />
          <Input label={t('audit.actorId')} {...filter('actor_id')} pattern={UUID} />
          <OrgSelect
            label={t('users.organization')}
            {...filter('organization_id')}
            empty={t('common.all')}
            orgs={orgs}
          />
          <Input label={t('audit.action')} {...filter('action')} placeholder="case.read" />
          <DateField label={t('audit.from')} {...filter('from')} />
          <DateField label={t('audit.to')} {...filter('to')} />
        </fieldset>
        <FormButtons
          submit={t('audit.apply')}
          other={{
            label: t('audit.reset'),
            onClick: () => {
              setDraft(NONE);
              setFilters(NONE);
            },
          }}
        />
      </form>
      <ErrorText error={error} />
      <Table
        testId="audit"
        cols={[
          'audit.at',
          'audit.action',
          'audit.outcome',
          'audit.role',
          'audit.actor',
          'users.organization',
          'audit.object',
          'audit.client',
        ]}
      >
        {items.map((a) => (
          <tr key={a.id} className={a.outcome === 'success' ? undefined : 'flag'}>
            <td>{f.dateTime(a.at)}</td>
            <td className="code">{a.action}</td>
            <td>{tx('outcome', a.outcome)}</td>
            <td>{a.role ? tx('role', a.role) : '—'}</td>
            <td className="code">{a.actor_id ? <abbr title={a.actor_id}>{a.actor_id.slice(0, 8)}</abbr> : '—'}</td>
            <td>{a.organization_id ? orgName(a.organization_id) : '—'}</td>
            <td className="code">
              {a.object_type}
              {a.object_id ? (
                <>
                  {' '}
                  <abbr title={a.object_id}>{a.object_id.slice(0, 8)}</abbr>
                </>
              ) : null}
            </td>
            <td className="code small">{a.client_ip}</td>
          </tr>
        ))}
      </Table>
      {!loading && items.length === 0 && <p className="muted">{t('common.empty')}</p>}
      <LoadMore list={list} />
    </section>
  );
}
