import './case/casework.css';
import { memo, useEffect, useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';
import { api, query, type Page } from '../lib/api';
import { LoadMore, usePagedList } from '../lib/paged';
import { linkTo } from '../lib/router';
import { RISKS, STAGES, STATUSES, type EnumName } from '../lib/enums';
import { type Case, type Referral } from '../lib/types';
import { ErrorText, ReflectionBadge, RiskBadge, StageBadge, Table, useOrgName } from './common';
import { bind, bindDraft, FormButtons, Input, EnumSelect, Select } from './form';
import { isWholeCode, normalizeCode, rejectsParam } from '../lib/work';

interface Filters {
  stage: string;
  status: string;
  risk_level: string;
  sort: string;
}

/** The orders of the list (the API's `sort`), the first the default. */
export const SORTS = ['last_activity_at', 'identified_at', 'created_at'] as const;

export function CaseList({ canCreate }: { canCreate: boolean }) {
  const { t } = useI18n();
  // Filters are kept in component state (they carry no personal data, but
  // the address stays /cases so that nothing about a search leaks into it).
  const [filters, setFilters] = useState<Filters>({
    stage: '',
    status: '',
    risk_level: '',
    sort: SORTS[0],
  });
  const [results, setResults] = useState<Case[] | null>(null);
  const [code, setCode] = useState('');
  const [overdue, setOverdue] = useState<Set<string>>(new Set());

  // Cases with an overdue referral (sent or received) carry a mark.
  useEffect(() => {
    void Promise.all(
      ['outgoing', 'incoming'].map((b) =>
        api<Page<Referral>>(`/referrals?box=${b}&overdue=true&limit=200`).catch(() => ({
          items: [] as Referral[],
          next_cursor: null,
        })),
      ),
    ).then((pages) =>
      setOverdue(new Set(pages.flatMap((p) => p.items).flatMap((r) => (r.overdue && r.case_id ? [r.case_id] : [])))),
    );
  }, []);

  // Find by code: a whole code (SEZIM-2025-0042) is looked up by the server
  // (`code`, exact and case-insensitive); part of a code filters the rows
  // loaded. A server that does not know `code` yet (400 naming it) gets the
  // former behaviour: the list is paged through and filtered here.
  const [serverCode, setServerCode] = useState(true);
  const typed = normalizeCode(code);
  const [exact, setExact] = useState('');
  useEffect(() => {
    const next = serverCode && isWholeCode(typed) ? typed : '';
    const h = setTimeout(() => setExact(next), next ? 250 : 0);
    return () => clearTimeout(h);
  }, [typed, serverCode]);

  // A first page of 25: what a screen shows, rendered and laid out quickly on a phone.
  const list = usePagedList<Case>(`/cases${query({ ...filters, code: exact || undefined })}`, {
    limit: 25,
    onError: (e) => {
      if (!exact || !rejectsParam(e, 'code')) return false;
      setServerCode(false);
      setExact('');
      return true;
    },
  });
  const { items, loading, error, more, loadMore } = list;
  // Without the server's code filter, a code search looks through every page of the list.
  useEffect(() => {
    if (!serverCode && typed.length >= 3 && more && !loading && !items.some((c) => c.code.includes(typed))) loadMore();
  }, [serverCode, typed, more, loading, items, loadMore]);
  const shown = exact ? items : typed ? items.filter((c) => c.code.includes(typed)) : items;

  const filter = bindDraft(filters, setFilters);
  const select = (name: keyof Filters, values: readonly string[], prefix: EnumName, label: string) => (
    <EnumSelect label={label} {...filter(name)} name={undefined} empty={t('common.all')} of={prefix} values={values} />
  );

  return (
    <section>
      <div className="page-head">
        <h1>{t('cases.title')}</h1>
        {canCreate && (
          <a className="button" href="/cases/new" onClick={linkTo('/cases/new')}>
            {t('nav.newCase')}
          </a>
        )}
      </div>
      <div className="grid2">
        <NameSearch onResults={setResults} />
        <form
          className="panel search"
          role="search"
          aria-labelledby="code-search-h"
          onSubmit={(e) => e.preventDefault()}
        >
          <h2 id="code-search-h">{t('cases.codeSearch')}</h2>
          <Input
            label={t('cases.code')}
            hint={t('cases.codeHint')}
            name="code"
            placeholder="SEZIM-2025-0001"
            value={code}
            onValue={(v) => setCode(v.toUpperCase())}
          />
        </form>
      </div>
      {results && (
        <div className="panel">
          <h2>{t('cases.searchResults')}</h2>
          <CaseTable items={results} overdue={overdue} />
        </div>
      )}
      <fieldset className="filters">
        <legend>{t('cases.filters')}</legend>
        {select('stage', STAGES, 'stage', t('cases.stage'))}
        {select('status', STATUSES, 'status', t('cases.status'))}
        {select('risk_level', RISKS, 'risk', t('cases.risk'))}
        <Select
          label={t('cases.sort')}
          {...filter('sort')}
          name={undefined}
          options={SORTS.map((s) => ({ value: s, label: t(`cases.sort.${s}`) }))}
        />
      </fieldset>
      <ErrorText error={error} />
      <CaseTable items={shown} overdue={overdue} />
      <LoadMore list={list} />
    </section>
  );
}

export function CaseTable({ items, overdue }: { items: Case[]; overdue?: Set<string> }) {
  const { t } = useI18n();
  const orgName = useOrgName();
  if (items.length === 0) return <p className="muted">{t('cases.empty')}</p>;
  return (
    <Table
      testId="case-table"
      className="cases"
      cols={[
        'cases.code',
        'cases.stage',
        'cases.status',
        'cases.risk',
        'cases.assigned',
        'cases.identifiedAt',
        'cases.lastActivity',
        'cases.deadlines',
      ]}
    >
      {items.map((c) => (
        <CaseRow
          key={c.id}
          c={c}
          overdue={!!overdue?.has(c.id)}
          referrer={c.relation === 'referral' ? orgName(c.owner_organization_id) : ''}
        />
      ))}
    </Table>
  );
}

/**
 * A case's row; it renders again only when its case, its overdue mark or its
 * referrer's name changes (the marks and names arrive after the list).
 */
const CaseRow = memo(function CaseRow({ c, overdue, referrer }: { c: Case; overdue: boolean; referrer: string }) {
  const { t, tx, f } = useI18n();
  return (
    <tr key={c.id}>
      <td>
        <a href={`/cases/${c.id}`} onClick={linkTo(`/cases/${c.id}`)}>
          {c.code}
        </a>
        {c.flagged && (
          <span className="badge flag" data-testid="case-flagged">
            ⚑ {t('cw.flagged')}
          </span>
        )}
        {c.relation === 'referral' && (
          <div className="muted relation" data-testid="case-relation">
            {tx('relation', c.relation)}: <span data-testid="case-referrer">{referrer}</span>
          </div>
        )}
      </td>
      <td>
        <StageBadge stage={c.stage} />
      </td>
      <td>{tx('status', c.status)}</td>
      <td>
        <RiskBadge risk={c.risk_level} />
      </td>
      <td translate="no" data-testid="case-workers">
        {c.assigned_workers?.length ? c.assigned_workers.map((w) => w.name).join(', ') : '—'}
      </td>
      <td>{f.date(c.identified_at)}</td>
      <td>{f.date(c.last_activity_at)}</td>
      <td>
        <ReflectionBadge c={c} />
        {overdue && (
          <span className="badge overdue-mark" data-testid="overdue-badge">
            {t('cases.overdueReferral')}
          </span>
        )}
      </td>
    </tr>
  );
});

function NameSearch({ onResults }: { onResults: (r: Case[] | null) => void }) {
  const { t } = useI18n();
  const [given, setGiven] = useState('');
  const [family, setFamily] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const identity: Record<string, string> = {};
    if (given.trim()) identity.given_name = given.trim();
    if (family.trim()) identity.family_name = family.trim();
    if (Object.keys(identity).length === 0) return;
    setBusy(true);
    try {
      // The name travels in the POST body only, never in the URL.
      const r = await api<{ items: Case[] }>('/cases/search', { method: 'POST', body: { identity } });
      onResults(r.items);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const clear = () => {
    setGiven('');
    setFamily('');
    onResults(null);
  };

  return (
    <form className="panel search" onSubmit={submit} role="search" aria-labelledby="name-search-h">
      <h2 id="name-search-h">{t('cases.search')}</h2>
      <div className="row wrap">
        <Input label={t('cases.givenName')} {...bind(given, setGiven)} />
        <Input label={t('cases.familyName')} {...bind(family, setFamily)} />
        <FormButtons
          className="row end"
          submit={t('cases.searchSubmit')}
          busy={busy}
          other={{ label: t('cases.searchClear'), onClick: clear }}
        />
      </div>
      <p className="muted small">{t('cases.searchHint')}</p>
      <ErrorText error={error} />
    </form>
  );
}
