// The half-year report on Program measures: supervisors of a responsible
// body see their body's report (the current half-year as a draft) and write
// its narratives; coordinators see ended half-years: MLSSM's summary, or one
// body's report. Figures that reach coordinators are withheld below k.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useI18n } from '../i18n';
import { ApiError, api, download } from '../lib/api';
import { BudgetSection } from './Budget';
import { cellText, currentHalf, halfYears, lastEndedHalf } from '../lib/domain';
import type { HalfYearReport, Me, ReportMeasure } from '../lib/types';
import { bind, Done, Select, TextArea } from './form';
import { Confirm, ErrorText, useOrgName, Table } from './common';

export default function Report({ me }: { me: Me }) {
  const { t, f, lang } = useI18n();
  const orgName = useOrgName();
  const coordinator = me.role === 'coordinator';
  const canWrite = me.permissions.includes('report.write');
  const options = useMemo(
    () => halfYears(coordinator ? lastEndedHalf(new Date()) : currentHalf(new Date()), 2022),
    [coordinator],
  );
  const [sel, setSel] = useState(`${options[0].year}-${options[0].half}`);
  const [org, setOrg] = useState('');
  const [report, setReport] = useState<HalfYearReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [msg, setMsg] = useState('');
  const [year, half] = sel.split('-');
  const base = `/reports/half-year/${year}/${half}`;
  const q = org ? `?organization_id=${org}` : '';

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    setMsg('');
    try {
      setReport(await api<HalfYearReport>(`${base}${q}`));
    } catch (e) {
      setReport(null);
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [base, q]);
  useEffect(() => {
    void load();
  }, [load]);

  // A submitted report cannot be changed or withdrawn: asked first.
  const [asking, setAsking] = useState(false);
  const submit = async () => {
    setAsking(false);
    setError(null);
    setMsg('');
    try {
      setReport(await api<HalfYearReport>(`${base}/submit`, { method: 'POST', body: {} }));
      setMsg(t('report.submittedOk'));
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const get = async (format: 'xlsx' | 'pdf' | 'csv') => {
    setError(null);
    try {
      await download(
        `${base}?format=${format}${org ? `&organization_id=${org}` : ''}`,
        `jardam-report-${year}-H${half}${report?.organization_code ? `-${report.organization_code}` : ''}.${format}`,
      );
    } catch (e) {
      setError(e);
    }
  };

  const unavailable = error instanceof ApiError && (error.status === 404 || error.status === 501);
  const writable =
    !!report &&
    canWrite &&
    report.status === 'draft' &&
    !org &&
    (report.kind === 'summary' ? coordinator : !coordinator);
  return (
    <section>
      <h1>{t('report.title')}</h1>
      <div className="panel row wrap">
        <Select
          label={t('report.halfYear')}
          name="half"
          data-testid="report-half"
          options={options.map((o) => ({
            value: `${o.year}-${o.half}`,
            label: `${o.year} ${t(o.half === 1 ? 'period.h1' : 'period.h2')}`,
          }))}
          {...bind(sel, setSel)}
        />
        {coordinator && (
          <Select
            label={t('report.body')}
            name="organization"
            empty={t('report.summary')}
            options={(report?.bodies ?? []).map((b) => ({
              value: b.organization_id,
              label: orgName(b.organization_id),
            }))}
            {...bind(org, setOrg)}
          />
        )}
      </div>
      {loading && <p role="status">{t('common.loading')}</p>}
      {unavailable && (
        <p className="notice" data-testid="report-unavailable">
          {t('report.unavailable')}
        </p>
      )}
      {!unavailable && <ErrorText error={error} />}
      {report && (
        <div data-testid="report">
          <div className="panel">
            <h2>
              {report.kind === 'summary'
                ? t('report.summaryTitle')
                : (report.organization_name?.[lang] ?? orgName(report.organization_id))}
            </h2>
            <dl className="fields">
              <dt>{t('report.status')}</dt>
              <dd>
                <span className={`badge report-${report.status}`}>
                  {t(report.status === 'submitted' ? 'report.submitted' : 'report.draft')}
                </span>
                {report.late && <span className="badge overdue-mark">{t('report.late')}</span>}
              </dd>
              <dt>{t('report.deadline')}</dt>
              <dd>{f.date(report.deadline)}</dd>
              {report.submitted_at && (
                <>
                  <dt>{t('report.submittedAt')}</dt>
                  <dd>{f.dateTime(report.submitted_at)}</dd>
                </>
              )}
              <dt>k</dt>
              <dd>{report.k}</dd>
            </dl>
            <div className="row wrap">
              <button type="button" className="secondary" onClick={() => void get('xlsx')}>
                {t('report.xlsx')}
              </button>
              <button type="button" className="secondary" onClick={() => void get('pdf')}>
                {t('report.pdf')}
              </button>
              <button type="button" className="secondary" onClick={() => void get('csv')}>
                {t('report.csv')}
              </button>
              {writable && report.ended !== false && (
                <button type="button" onClick={() => setAsking(true)} data-testid="report-submit">
                  {t('report.submit')}
                </button>
              )}
            </div>
            {writable && report.ended === false && <p className="muted small">{t('report.submitAfterEnd')}</p>}
            <Done show={!!msg} text={msg} />
            <Confirm
              open={asking}
              title={t('report.submitConfirmTitle')}
              text={t('report.submitConfirmText')}
              confirm={t('report.submit')}
              onConfirm={() => void submit()}
              onCancel={() => setAsking(false)}
            />
          </div>
          {report.bodies && report.bodies.length > 0 && (
            <div className="panel">
              <h2>{t('report.bodies')}</h2>
              <Table cols={['report.body', 'report.status', 'report.submittedAt']}>
                {report.bodies.map((b) => (
                  <tr key={b.organization_id}>
                    <th scope="row">{orgName(b.organization_id)}</th>
                    <td>
                      {t(b.status === 'submitted' ? 'report.submitted' : 'report.draft')}
                      {b.late && <span className="badge overdue-mark">{t('report.late')}</span>}
                    </td>
                    <td>{f.dateTime(b.submitted_at)}</td>
                  </tr>
                ))}
              </Table>
            </div>
          )}
          {report.measures.map((m) => (
            <MeasureBlock key={m.code} m={m} k={report.k} base={base} writable={writable} />
          ))}
        </div>
      )}
      {!coordinator && me.permissions.includes('budget.read') && <BudgetSection />}
    </section>
  );
}

function MeasureBlock({ m, k, base, writable }: { m: ReportMeasure; k: number; base: string; writable: boolean }) {
  const { t, tr, tx, f, lang } = useI18n();
  const [text, setText] = useState(m.narrative ?? '');
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setText(m.narrative ?? '');
  }, [m.narrative]);
  const save = async () => {
    setError(null);
    setSaved(false);
    try {
      await api(`${base}/narratives/${encodeURIComponent(m.code)}`, { method: 'PUT', body: { text } });
      setSaved(true);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="panel measure">
      <h3>
        <span className="code">{m.code}</span> {m.title[lang]}
      </h3>
      <p className="small muted">{tx('direction', m.direction)}</p>
      <Table cols={['report.figure', { key: 'ind.value', num: true }]}>
        {m.figures.map((x) => (
          <tr key={x.name}>
            <th scope="row">{tr('fig', x.name, x.name)}</th>
            <td className={x.suppressed ? 'num cell-suppressed' : 'num cell-released'}>
              {x.unit === 'kgs'
                ? x.suppressed
                  ? `<${k}`
                  : f.money(x.value)
                : cellText(x.value, x.suppressed, k, f.number)}
            </td>
          </tr>
        ))}
        <tr>
          <th scope="row">{t('report.budgetPlanned')}</th>
          <td className="num">{f.money(m.budget.planned_kgs)}</td>
        </tr>
        <tr>
          <th scope="row">{t('report.budgetActual')}</th>
          <td className={m.budget.actual_suppressed ? 'num cell-suppressed' : 'num'}>
            {m.budget.actual_suppressed ? `<${k}` : f.money(m.budget.actual_kgs)}
          </td>
        </tr>
      </Table>
      {writable ? (
        <div className="stack">
          <TextArea
            label={t('report.narrative')}
            name={`narrative-${m.code}`}
            rows={3}
            maxLength={20000}
            value={text}
            onValue={(v) => {
              setSaved(false);
              setText(v);
            }}
          />
          <div className="row">
            <button type="button" onClick={() => void save()}>
              {t('report.saveNarrative')}
            </button>
            {saved && (
              <span role="status" className="ok">
                {t('case.saved')}
              </span>
            )}
          </div>
        </div>
      ) : m.narrative ? (
        <p className="pre" translate="no">
          {m.narrative}
        </p>
      ) : null}
      <ErrorText error={error} />
    </div>
  );
}
