// Appendix 4 for an ended year: per Program measure and funding source, the
// planned amount beside the actual spending; actuals attributable to fewer
// than k persons are withheld and printed "<k". Shown on the coordinator's
// dashboard and on the supervisor's report page.
import { useMemo, useState } from 'react';
import { useI18n } from '../i18n';
import { ApiError, download, query } from '../lib/api';
import type { Budget, BudgetMeasure } from '../lib/types';
import { bishkekToday, endedYears } from '../lib/work';
import { useResource } from '../lib/resource';
import { Done, plainOptions, Select } from './form';
import { ErrorText, Table } from './common';

export function BudgetSection() {
  const { t } = useI18n();
  const years = useMemo(() => endedYears(new Date(), 2022), []);
  const thisYear = Number(bishkekToday(new Date()).slice(0, 4));
  const [year, setYear] = useState(years[0] ?? new Date().getFullYear() - 1);
  const { data: budget, error, loading } = useResource<Budget>(`/budget${query({ year: String(year) })}`);

  const none = error instanceof ApiError && error.status === 404;
  return (
    <div className="panel" data-testid="budget">
      <h2 id="budget-h">{t('budget.title')}</h2>
      <p className="muted small">{t('budget.explain')}</p>
      <Select
        label={t('budget.year')}
        name="budget_year"
        data-testid="budget-year"
        options={[
          // The current year is listed; its spending is reported once it has ended.
          { value: thisYear, label: `${thisYear} (${t('budget.yearOpen')})`, disabled: true },
          ...plainOptions(years),
        ]}
        value={year}
        onValue={(v) => setYear(Number(v))}
      />
      {loading && <p role="status">{t('common.loading')}</p>}
      {none ? <p className="muted">{t('budget.none')}</p> : <ErrorText error={error} />}
      {budget && !loading && <BudgetTable budget={budget} />}
    </div>
  );
}

/** The funding sources of a measure worth a row: planned, spent or withheld (not all zero). */
export function budgetSources(m: BudgetMeasure): BudgetMeasure['sources'] {
  return m.sources.filter((s) => s.planned_kgs !== 0 || (s.actual_kgs ?? 0) !== 0 || s.actual_suppressed);
}

/** The budget as one table: a row per measure and funding source, with totals. */
export function BudgetTable({ budget }: { budget: Budget }) {
  const { t, tx, f, lang } = useI18n();
  const k = budget.k;
  const actual = (v: number | null, suppressed: boolean) =>
    suppressed || v == null ? (
      <td className="num cell-suppressed" data-budget="suppressed">
        <span aria-hidden="true">{`<${k}`}</span>
        <span className="visually-hidden">{t('budget.withheld')}</span>
      </td>
    ) : (
      <td className="num" data-budget="released">
        {f.money(v)}
      </td>
    );
  if (budget.items.length === 0) return <p className="muted">{t('budget.none')}</p>;
  const rows = (m: BudgetMeasure) => {
    const sources = budgetSources(m);
    return [
      ...sources.map((s, i) => (
        <tr key={`${m.code}-${s.funding_source}`}>
          {i === 0 && (
            <th scope="rowgroup" rowSpan={sources.length + 1}>
              <span className="code">{m.code}</span> {m.title[lang] || m.title.en}
            </th>
          )}
          <td>{tx('funding', s.funding_source)}</td>
          <td className="num">{f.money(s.planned_kgs)}</td>
          {actual(s.actual_kgs, s.actual_suppressed)}
        </tr>
      )),
      <tr key={`${m.code}-total`} className="subtotal">
        {sources.length === 0 && (
          <th scope="row">
            <span className="code">{m.code}</span> {m.title[lang] || m.title.en}
          </th>
        )}
        <td>{t('budget.measureTotal')}</td>
        <td className="num">{f.money(m.planned_kgs)}</td>
        {actual(m.actual_kgs, m.actual_suppressed)}
      </tr>,
    ];
  };
  return (
    <Table
      testId="budget-table"
      labelledBy="budget-h"
      cols={['budget.measure', 'budget.source', 'budget.planned', 'budget.actual']}
      foot={
        <tr>
          <th scope="row" colSpan={2}>
            {t('budget.total')} ({budget.program}, {budget.year})
          </th>
          <td className="num">{f.money(budget.planned_kgs)}</td>
          {actual(budget.actual_kgs, budget.actual_suppressed)}
        </tr>
      }
    >
      {budget.items.flatMap(rows)}
    </Table>
  );
}

/** The person-level export layouts and their buttons' labels. */
const EXPORTS = [
  { layout: 'htcds', label: 'htcds.download' },
  { layout: 'ctdc', label: 'htcds.downloadCtdc' },
] as const;

/**
 * The coordinator's k-anonymized person-level exports of a year, in HTCDS 2.0 or in the CTDC
 * codebook, downloaded with the bearer token.
 */
export function HtcdsExport() {
  const { t } = useI18n();
  const years = useMemo(() => endedYears(new Date(), 2000), []);
  const [year, setYear] = useState(years[0]);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const get = async (layout: 'htcds' | 'ctdc') => {
    setError(null);
    setDone(false);
    setBusy(true);
    try {
      await download(`/stats/export/${layout}${query({ year: String(year) })}`, `jardam-${layout}-${year}.csv`);
      setDone(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="panel" data-testid="htcds">
      <h2 id="htcds-h">{t('htcds.title')}</h2>
      <p className="muted small">{t('htcds.explain')}</p>
      <div className="row wrap">
        <Select
          label={t('htcds.year')}
          name="htcds_year"
          options={plainOptions(years)}
          value={year}
          onValue={(v) => setYear(Number(v))}
        />
        <div className="row end">
          {EXPORTS.map(({ layout, label }) => (
            <button
              key={layout}
              type="button"
              className="secondary"
              data-layout={layout}
              disabled={busy}
              onClick={() => void get(layout)}
            >
              {t(label)}
            </button>
          ))}
        </div>
      </div>
      <Done show={done} text={t('htcds.done')} />
      <ErrorText error={error} />
    </div>
  );
}
