// Appendix 4 for an ended year: per Program measure and funding source, the
// planned amount beside the actual spending; actuals attributable to fewer
// than k persons are withheld and printed "<k". Shown on the coordinator's
// dashboard and on the supervisor's report page.
import { useEffect, useMemo, useState } from 'react';
import { useI18n } from '../i18n';
import { ApiError, api, download, query } from '../lib/api';
import type { Budget, BudgetMeasure } from '../lib/types';
import { endedYears } from '../lib/work';
import { ErrorText } from './common';

export function BudgetSection() {
  const { t } = useI18n();
  const years = useMemo(() => endedYears(new Date(), 2022), []);
  const [year, setYear] = useState(years[0] ?? new Date().getFullYear() - 1);
  const [budget, setBudget] = useState<Budget | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    api<Budget>(`/budget${query({ year: String(year) })}`)
      .then(
        (b) => {
          if (live) setBudget(b);
        },
        (e) => {
          if (live) {
            setBudget(null);
            setError(e);
          }
        },
      )
      .finally(() => {
        if (live) setLoading(false);
      });
    return () => {
      live = false;
    };
  }, [year]);

  const none = error instanceof ApiError && error.status === 404;
  return (
    <div className="panel" data-testid="budget">
      <h2 id="budget-h">{t('budget.title')}</h2>
      <p className="muted small">{t('budget.explain')}</p>
      <label>
        {t('budget.year')}
        <select
          name="budget_year"
          value={year}
          onChange={(e) => setYear(Number(e.target.value))}
          data-testid="budget-year"
        >
          {years.map((y) => (
            <option key={y} value={y}>
              {y}
            </option>
          ))}
        </select>
      </label>
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
    <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="budget-h">
      <table data-testid="budget-table">
        <thead>
          <tr>
            <th scope="col">{t('budget.measure')}</th>
            <th scope="col">{t('budget.source')}</th>
            <th scope="col">{t('budget.planned')}</th>
            <th scope="col">{t('budget.actual')}</th>
          </tr>
        </thead>
        <tbody>{budget.items.flatMap(rows)}</tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={2}>
              {t('budget.total')} ({budget.program}, {budget.year})
            </th>
            <td className="num">{f.money(budget.planned_kgs)}</td>
            {actual(budget.actual_kgs, budget.actual_suppressed)}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

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
      <h2>{t('htcds.title')}</h2>
      <p className="muted small">{t('htcds.explain')}</p>
      <div className="row wrap">
        <label>
          {t('htcds.year')}
          <select name="htcds_year" value={year} onChange={(e) => setYear(Number(e.target.value))}>
            {years.map((y) => (
              <option key={y} value={y}>
                {y}
              </option>
            ))}
          </select>
        </label>
        <div className="row end">
          <button
            type="button"
            className="secondary"
            data-layout="htcds"
            disabled={busy}
            onClick={() => void get('htcds')}
          >
            {t('htcds.download')}
          </button>
          <button
            type="button"
            className="secondary"
            data-layout="ctdc"
            disabled={busy}
            onClick={() => void get('ctdc')}
          >
            {t('htcds.downloadCtdc')}
          </button>
        </div>
      </div>
      {done && (
        <p role="status" className="ok">
          {t('htcds.done')}
        </p>
      )}
      <ErrorText error={error} />
    </div>
  );
}
