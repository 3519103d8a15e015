// The coordinator's dashboard: the predefined anonymized tables and monthly
// series (withheld cells printed "<k" and marked), and the Program indicators
// against their targets. Charts are static SVG (no animation) beside tables
// that carry the same numbers for screen readers.
import { useEffect, useMemo, useState } from 'react';
import { useI18n } from '../i18n';
import { ApiError, api, type Page } from '../lib/api';
import { cellText, endedPeriods } from '../lib/domain';
import type { EnumName } from '../lib/enums';
import { linkTo } from '../lib/router';
import type { IndicatorMatrix, Me, StatsInfo, StatsRow, StatsTable } from '../lib/types';
import { useResource } from '../lib/resource';
import { useMeasures } from '../lib/refdata';
import { bind, Select } from './form';
import { ErrorText, Table } from './common';
import { BudgetSection, HtcdsExport } from './Budget';

const DIM_PREFIX: Record<string, EnumName> = {
  sex: 'sex',
  exploitation_type: 'exploit',
  region: 'region',
  identification_channel: 'channel',
  stage: 'stage',
  assistance_type: 'atype',
  provider_kind: 'orgkind',
  outcome: 'refstatus',
  response_time: 'resp',
  topic: 'ctopic',
  contact_channel: 'ccha',
};

/** The label of a dimension value in the current language. */
export function useDimLabel(): (dim: string, value: string) => string {
  const { t, tx, f, lang } = useI18n();
  const countries = useMemo(() => countryNames(lang), [lang]);
  const measures = useMeasures();
  return (dim, value) => {
    if (dim === 'measure') {
      const m = measures.find((x) => x.code === value);
      if (m) return `${m.code} ${m.title[lang] || m.title.en}`;
    }
    if (value === 'unknown') return t('dim.unknown');
    if (dim === 'country' && /^[A-Z]{2}$/.test(value)) return countries(value);
    if (value === 'none') return t('dim.none');
    if (value === 'other' && !DIM_PREFIX[dim]) return t('dim.other');
    if (dim === 'month') return f.month(value);
    const p = DIM_PREFIX[dim];
    return p ? tx(p, value) : value;
  };
}

/** Countries by ISO 3166-1 code, named in the language (the code where the browser has no name). */
function countryNames(lang: string): (code: string) => string {
  try {
    const names = new Intl.DisplayNames([lang, 'ru'], { type: 'region' });
    return (code) => names.of(code) ?? code;
  } catch {
    return (code) => code;
  }
}

export default function Dashboard({ me }: { me: Me }) {
  const { t } = useI18n();
  const periods = useMemo(() => endedPeriods(new Date(), 2022), []);
  const [period, setPeriod] = useState(periods[0]);
  const [infos, setInfos] = useState<StatsInfo[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<Page<StatsInfo>>('/stats/tables').then((p) => setInfos(p.items), setError);
  }, []);

  const tables = (infos ?? []).filter((i) => i.kind === 'table');
  const series = (infos ?? []).filter((i) => i.kind === 'series');
  return (
    <section>
      <div className="page-head">
        <h1>{t('dash.title')}</h1>
        {me.permissions.includes('report.read') && (
          <a className="button" href="/report" onClick={linkTo('/report')}>
            {t('nav.report')}
          </a>
        )}
      </div>
      <p className="muted">{t('dash.explain')}</p>
      <nav className="toc" aria-label={t('dash.contents')}>
        <ul>
          <li>
            <a href="#ind-h">{t('ind.title')}</a>
          </li>
          {me.permissions.includes('stats.export') && (
            <li>
              <a href="#htcds-h">{t('htcds.title')}</a>
            </li>
          )}
          {me.permissions.includes('budget.read') && (
            <li>
              <a href="#budget-h">{t('budget.title')}</a>
            </li>
          )}
          <li>
            <a href="#series-h">{t('dash.series')}</a>
          </li>
          <li>
            <a href="#tables-h">{t('dash.tables')}</a>
          </li>
        </ul>
      </nav>
      <div className="panel row wrap">
        <Select
          label={t('dash.period')}
          name="period"
          data-testid="period"
          options={periods.map((p) => ({ value: p, label: periodLabel(t, p) }))}
          {...bind(period, setPeriod)}
        />
        <p className="legend">
          <span className="cell-suppressed swatch">{'<k'}</span> {t('dash.suppressedLegend')}
        </p>
      </div>
      <ErrorText error={error} />
      <Indicators period={period} />
      {me.permissions.includes('stats.export') && <HtcdsExport />}
      {me.permissions.includes('budget.read') && <BudgetSection />}
      <h2 className="section-title" id="series-h">
        {t('dash.series')}
      </h2>
      <div className="grid-wide">
        {series.map((s) => (
          <SeriesChart key={s.name} name={s.name} />
        ))}
      </div>
      <h2 className="section-title" id="tables-h">
        {t('dash.tables')}
      </h2>
      <div className="grid-wide">
        {tables.map((s) => (
          <StatsTableView key={s.name} info={s} period={period} />
        ))}
      </div>
    </section>
  );
}

type T = ReturnType<typeof useI18n>['t'];
export function periodLabel(t: T, p: string): string {
  const m = /^(\d{4})-H([12])$/.exec(p);
  if (m) return `${m[1]} ${t(m[2] === '1' ? 'period.h1' : 'period.h2')}`;
  if (/^\d{4}$/.test(p)) return `${p} ${t('period.year')}`;
  return p;
}

function Cell({ row, k }: { row: { count: number | null; suppressed: boolean }; k: number }) {
  const { t, f } = useI18n();
  const text = cellText(row.count, row.suppressed, k, f.number);
  if (row.suppressed)
    return (
      <td className="num cell-suppressed" data-cell="suppressed">
        <span aria-hidden="true">{text}</span>
        <span className="visually-hidden">{t('dash.suppressed')}</span>
      </td>
    );
  return (
    <td className="num cell-released" data-cell="released">
      {text}
    </td>
  );
}

function StatsTableView({ info, period }: { info: StatsInfo; period: string }) {
  const { t, tr, f } = useI18n();
  // Months are asked for by one-dimensional tables only; others take half-years and years.
  const p = /^\d{4}-\d{2}$/.test(period) && info.dimensions.length > 1 ? period.slice(0, 4) : period;
  const { data: table, error } = useResource<StatsTable>(`/stats/tables/${info.name}?period=${p}`);
  const title = tr('stable', info.name, '');
  return (
    <div
      className={info.dimensions.length > 1 ? 'panel stats span-all' : 'panel stats'}
      data-testid={`table-${info.name}`}
    >
      {/* A table added on the server before its translation shows the server's English title. */}
      {title ? <h3>{title}</h3> : <h3 lang="en">{info.title}</h3>}
      {error ? (
        <ErrorText error={error} />
      ) : !table ? (
        <p role="status">{t('common.loading')}</p>
      ) : table.dimensions.length === 2 ? (
        <CrossTab table={table} />
      ) : (
        <OneDim table={table} />
      )}
      {table && (
        <p className="small muted">
          {t('dash.total')}: {cellText(table.totals.count, table.totals.suppressed, table.k, f.number)} ·{' '}
          {t('dash.kIs')} {table.k}
        </p>
      )}
    </div>
  );
}

export function OneDim({ table }: { table: StatsTable }) {
  const { t, tr } = useI18n();
  const label = useDimLabel();
  const dim = table.dimensions[0];
  const max = Math.max(table.k, ...table.rows.map((r) => r.count ?? 0));
  if (table.rows.length === 0) return <p className="muted">{t('dash.noData')}</p>;
  return (
    <Table
      className="bars"
      caption={tr('dim', dim, dim)}
      cols={[
        { text: tr('dim', dim, dim), id: dim },
        { key: 'dash.count', num: true },
        { key: 'dash.chart', hidden: true },
      ]}
    >
      {table.rows.map((r, i) => (
        <tr key={i}>
          <th scope="row">{label(dim, String(r[dim]))}</th>
          <Cell row={r} k={table.k} />
          <td className="bar-cell">
            <Bar row={r} max={max} k={table.k} />
          </td>
        </tr>
      ))}
    </Table>
  );
}

function Bar({ row, max, k }: { row: StatsRow; max: number; k: number }) {
  const W = 160;
  // A withheld cell is drawn as an outlined band up to k-1, never as a value.
  const w = row.suppressed ? ((k - 1) / max) * W : ((row.count ?? 0) / max) * W;
  return (
    <svg width={W} height="14" viewBox={`0 0 ${W} 14`} aria-hidden="true" focusable="false">
      <rect
        x="0"
        y="2"
        width={Math.max(w, row.suppressed ? 2 : 0)}
        height="10"
        className={row.suppressed ? 'bar bar-suppressed' : 'bar'}
      />
    </svg>
  );
}

export function CrossTab({ table }: { table: StatsTable }) {
  const { tr } = useI18n();
  const label = useDimLabel();
  const [rd, cd] = table.dimensions;
  const rowsV = [...new Set(table.rows.map((r) => String(r[rd])))];
  const colsV = [...new Set(table.rows.map((r) => String(r[cd])))];
  const at = (a: string, b: string) => table.rows.find((r) => String(r[rd]) === a && String(r[cd]) === b);
  return (
    <Table
      className="crosstab"
      caption={`${tr('dim', rd, rd)} × ${tr('dim', cd, cd)}`}
      cols={[
        { text: `${tr('dim', rd, rd)} \\ ${tr('dim', cd, cd)}`, id: '#' },
        ...colsV.map((c) => ({ text: label(cd, c), id: c, num: true })),
      ]}
    >
      {rowsV.map((a) => (
        <tr key={a}>
          <th scope="row">{label(rd, a)}</th>
          {colsV.map((b) => {
            const r = at(a, b);
            return r ? <Cell key={b} row={r} k={table.k} /> : <td key={b}>—</td>;
          })}
        </tr>
      ))}
    </Table>
  );
}

function SeriesChart({ name }: { name: string }) {
  const { t, tr, f } = useI18n();
  const { data: table, error } = useResource<StatsTable>(`/stats/series/${name}`);
  const title = tr('sseries', name, name);
  if (error)
    return (
      <div className="panel">
        <h3>{title}</h3>
        <ErrorText error={error} />
      </div>
    );
  if (!table)
    return (
      <div className="panel">
        <h3>{title}</h3>
        <p role="status">{t('common.loading')}</p>
      </div>
    );
  const W = 480;
  const H = 140;
  const n = table.rows.length || 1;
  const bw = W / n;
  const max = Math.max(table.k, ...table.rows.map((r) => r.count ?? 0));
  const released = table.rows.filter((r) => !r.suppressed).length;
  if (!table.rows.some((r) => r.suppressed || (r.count ?? 0) > 0))
    return (
      <div className="panel stats" data-testid={`series-${name}`}>
        <h3>{title}</h3>
        <p className="muted" data-testid="no-data">
          {t('dash.noData')}
        </p>
      </div>
    );
  // The y axis: 0 at the foot, the largest value (or k) at the head.
  return (
    <div className="panel stats" data-testid={`series-${name}`}>
      <h3>{title}</h3>
      <svg
        className="series"
        viewBox={`0 0 ${W} ${H + 16}`}
        role="img"
        aria-label={`${title}: ${t('dash.seriesSummary')} ${released}/${table.rows.length}`}
      >
        {table.rows.map((r, i) => {
          const v = r.suppressed ? table.k - 1 : (r.count ?? 0);
          const h = (v / max) * H;
          return (
            <rect
              key={i}
              x={i * bw + 1}
              y={H - h}
              width={Math.max(bw - 2, 1)}
              height={Math.max(h, r.suppressed ? 2 : 0)}
              className={r.suppressed ? 'bar bar-suppressed' : 'bar'}
            />
          );
        })}
        <line x1="0" y1={H} x2={W} y2={H} className="axis" />
        <line x1="0" y1="0" x2={W} y2="0" className="gridline" />
        <text x={W} y="10" textAnchor="end" className="axis-label">
          {f.number(max)} {t('dash.persons')}
        </text>
        {table.rows.length > 0 && (
          <text x="0" y={H + 13} className="axis-label">
            {f.month(String(table.rows[0].month))}
          </text>
        )}
        {table.rows.length > 1 && (
          <text x={W} y={H + 13} textAnchor="end" className="axis-label">
            {f.month(String(table.rows[table.rows.length - 1].month))}
          </text>
        )}
      </svg>
      <details>
        <summary>{t('dash.showData')}</summary>
        <Table cols={['dim.month', { key: 'dash.count', num: true }]}>
          {table.rows.map((r, i) => (
            <tr key={i}>
              <th scope="row">{f.month(String(r.month))}</th>
              <Cell row={r} k={table.k} />
            </tr>
          ))}
        </Table>
      </details>
    </div>
  );
}

function Indicators({ period }: { period: string }) {
  const { t, tx, f, lang } = useI18n();
  const { data: m, error } = useResource<IndicatorMatrix>(`/indicators?period=${period}`);
  const year = Number(period.slice(0, 4));
  return (
    <div className="panel" data-testid="indicators">
      <h2 id="ind-h">{t('ind.title')}</h2>
      {error ? (
        error instanceof ApiError && error.status === 404 ? (
          <p className="muted">{t('common.unavailable')}</p>
        ) : (
          <ErrorText error={error} />
        )
      ) : !m ? (
        <p role="status">{t('common.loading')}</p>
      ) : (
        <Table
          cols={[
            'ind.indicator',
            { key: 'ind.baseline', num: true },
            { key: 'ind.target', num: true },
            { key: 'ind.value', num: true },
            'ind.progress',
          ]}
        >
          {m.items.map((i) => {
            const target = i.targets.find((x) => x.year === year)?.value ?? null;
            return (
              <tr key={i.code}>
                <th scope="row">
                  {i.title[lang]}
                  <span className="small muted block">{tx('unit', i.unit)}</span>
                </th>
                <td className="num">{f.number(i.baseline)}</td>
                <td className="num">{f.number(target)}</td>
                {i.suppressed ? (
                  <Cell row={{ count: null, suppressed: true }} k={m.k} />
                ) : (
                  <td className="num cell-released">{f.number(i.value)}</td>
                )}
                <td>
                  {i.progress == null ? (
                    <span className="muted">—</span>
                  ) : (
                    <span className="progress-wrap">
                      <progress
                        max={100}
                        value={Math.min(i.progress, 100)}
                        aria-label={`${i.title[lang]}: ${f.number(Math.round(i.progress))}%`}
                      />
                      <span className="small">{f.number(Math.round(i.progress))}%</span>
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </Table>
      )}
    </div>
  );
}
