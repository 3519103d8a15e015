import { useEffect, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api } from '../../lib/api';
import { LoadMore, usePagedList } from '../../lib/paged';
import { useMeasures } from '../../lib/refdata';
import { ASSISTANCE_STATUSES, ASSISTANCE_TYPES, FUNDING_SOURCES } from '../../lib/enums';
import { type Assistance, type Case, type Me, type Measure } from '../../lib/types';
import { ErrorText, useIdempotencyKey, useOrgName, Table } from '../common';
import { bindDraft, Checks, Done, Input, TextArea, EnumSelect, DateField } from '../form';

/** The measures offered by default for an assistance type. */
export function defaultMeasures(measures: Measure[], type: string): string[] {
  return measures.filter((m) => m.default_for_assistance_types?.includes(type)).map((m) => m.code);
}

/** The measures with those usual for the assistance type first (the list scrolls: they are seen at once). */
export function usualFirst(measures: Measure[], type: string): Measure[] {
  const usual = (m: Measure) => (m.default_for_assistance_types?.includes(type) ? 0 : 1);
  return [...measures].sort((a, b) => usual(a) - usual(b));
}

/**
 * The measures chosen, by code and title, above the list they are chosen in
 * (which scrolls), and said again to a screen reader when they change.
 */
function ChosenMeasures({ codes, title }: { codes: string[]; title: (code: string) => string }) {
  const { t } = useI18n();
  return (
    <div className="chosen-measures" data-testid="measures-chosen" aria-live="polite">
      <strong>{t('case.measuresChosen')}:</strong>{' '}
      {codes.length === 0 ? (
        <span className="muted">{t('case.measuresNone')}</span>
      ) : (
        <ul className="inline-list">
          {codes.map((code) => (
            <li key={code} className="tag">
              <span className="code">{code}</span> {title(code)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const EMPTY = {
  type: 'shelter',
  status: 'in_progress',
  started_on: '',
  ended_on: '',
  cost_kgs: '',
  funding_source: '',
  notes: '',
};

export function AssistancePanel({
  c,
  me,
  canCreate,
  canUpdate,
}: {
  c: Case;
  me: Me;
  canCreate: boolean;
  canUpdate: boolean;
}) {
  const { t, tx, f, lang } = useI18n();
  const orgName = useOrgName();
  const measures = useMeasures();
  const list = usePagedList<Assistance>(`/cases/${c.id}/assistance`);
  const { items, error, setError } = list;
  const [form, setForm] = useState(EMPTY);
  const [codes, setCodes] = useState<string[]>([]);
  const [touched, setTouched] = useState(false);
  const [key, nextKey] = useIdempotencyKey();
  const [done, setDone] = useState(false);
  const field = bindDraft(form, setForm);

  // Until the worker picks measures, the type's default measures are chosen.
  useEffect(() => {
    if (!touched) setCodes(defaultMeasures(measures, form.type));
  }, [measures, form.type, touched]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone(false);
    const body: Record<string, unknown> = { type: form.type, status: form.status, measure_codes: codes };
    if (form.started_on) body.started_on = form.started_on;
    if (form.ended_on) body.ended_on = form.ended_on;
    if (form.cost_kgs) body.cost_kgs = Number(form.cost_kgs);
    if (form.funding_source) body.funding_source = form.funding_source;
    if (form.notes.trim()) body.notes = form.notes.trim();
    try {
      await api(`/cases/${c.id}/assistance`, { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      nextKey();
      setForm({ ...EMPTY, type: form.type });
      setTouched(false);
      setDone(true);
      await list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const setStatus = async (a: Assistance, status: string) => {
    setError(null);
    const body: Record<string, unknown> = { status, version: a.version };
    if (status === 'completed' && !a.ended_on) {
      const d = new Date(Date.now() + 6 * 3600_000).toISOString().slice(0, 10);
      if (!a.started_on || a.started_on <= d) body.ended_on = d;
    }
    try {
      await api(`/assistance/${a.id}`, {
        method: 'PATCH',
        body,
        headers: { 'Content-Type': 'application/merge-patch+json' },
      });
      await list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const title = (code: string) => measures.find((m) => m.code === code)?.title[lang] ?? code;
  const ownProvider = (a: Assistance) =>
    !a.provider_organization_id || a.provider_organization_id === me.organization.id;
  return (
    <div className="panel" id="sec-assistance">
      <h2>{t('case.assistance')}</h2>
      {items.length === 0 ? (
        <p className="muted">{t('common.empty')}</p>
      ) : (
        <Table
          testId="assistance"
          cols={[
            'case.assistanceType',
            'case.provider',
            'case.assistanceStatus',
            'case.startedOn',
            'case.endedOn',
            'case.cost',
            'case.measures',
          ]}
        >
          {items.map((a) => (
            <tr key={a.id}>
              <td>
                {tx('atype', a.type)}
                {a.notes && (
                  <p className="small muted pre" translate="no">
                    {a.notes}
                  </p>
                )}
              </td>
              <td>{orgName(a.provider_organization_id)}</td>
              <td>
                {tx('astatus', a.status)}
                {canUpdate && ownProvider(a) && (a.status === 'planned' || a.status === 'in_progress') && (
                  <button
                    type="button"
                    className="secondary small block"
                    onClick={() => void setStatus(a, 'completed')}
                  >
                    {t('case.markCompleted')}
                  </button>
                )}
              </td>
              <td>{f.date(a.started_on)}</td>
              <td>{f.date(a.ended_on)}</td>
              <td className="num">
                {f.money(a.cost_kgs)}
                {a.funding_source && <span className="small muted block">{tx('funding', a.funding_source)}</span>}
              </td>
              <td>
                {(a.measure_codes ?? []).map((m) => (
                  <abbr key={m} title={title(m)} className="code tag">
                    {m}
                  </abbr>
                ))}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <LoadMore list={list} />
      {canCreate && (
        <details className="form-block">
          <summary>{t('case.addAssistance')}</summary>
          <form onSubmit={submit} className="stack" data-testid="assistance-form">
            <div className="row wrap">
              <EnumSelect label={t('case.assistanceType')} {...field('type')} of="atype" values={ASSISTANCE_TYPES} />
              <EnumSelect
                label={t('case.assistanceStatus')}
                {...field('status')}
                of="astatus"
                values={ASSISTANCE_STATUSES}
              />
              <DateField label={t('case.startedOn')} {...field('started_on')} />
              <DateField label={t('case.endedOn')} {...field('ended_on')} />
              <Input
                label={t('case.cost')}
                type="number"
                min="0"
                step="0.01"
                inputMode="decimal"
                {...field('cost_kgs')}
              />
              <EnumSelect
                label={t('case.funding')}
                {...field('funding_source')}
                empty="—"
                of="funding"
                values={FUNDING_SOURCES}
              />
            </div>
            <ChosenMeasures codes={codes} title={title} />
            <Checks
              className="checks measures"
              legend={t('case.measures')}
              namePrefix="measure-"
              options={usualFirst(measures, form.type).map((m) => ({
                value: m.code,
                label: (
                  <>
                    <span className="code">{m.code}</span> {m.title[lang]}
                  </>
                ),
              }))}
              chosen={codes}
              onChange={(chosen) => {
                setTouched(true);
                setCodes(chosen);
              }}
            >
              <p className="muted small">{t('case.measuresHint')}</p>
            </Checks>
            <TextArea label={t('case.assistanceNotes')} rows={2} maxLength={10000} {...field('notes')} />
            <div>
              <button type="submit">{t('case.addAssistance')}</button>
            </div>
            <Done show={done} text={t('case.saved')} />
          </form>
        </details>
      )}
      <ErrorText error={error} />
    </div>
  );
}
