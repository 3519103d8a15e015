// The organization's activities that are not cases (events, trainings,
// campaigns, publications) against Program measures: a filtered list and a
// form to record one. Activities carry no personal data: participants are
// counted by sex.
import { useMemo, useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';
import { api, query } from '../lib/api';
import { LoadMore, usePagedList } from '../lib/paged';
import { useMeasures } from '../lib/refdata';
import { ACTIVITY_KINDS, FUNDING_SOURCES, REGIONS } from '../lib/enums';
import { type Activity, type Measure } from '../lib/types';
import { activityBody, bishkekToday, emptyActivity, type ActivityDraft } from '../lib/work';
import { ErrorText, useIdempotencyKey } from './common';

interface Filters {
  measure_code: string;
  from: string;
  to: string;
}

export default function Activities({ canCreate }: { canCreate: boolean }) {
  const { t } = useI18n();
  const measures = useMeasures();
  const [filters, setFilters] = useState<Filters>({ measure_code: '', from: '', to: '' });
  const list = usePagedList<Activity>(`/activities${query({ ...filters })}`);

  return (
    <section className="activities">
      <h1>{t('act.title')}</h1>
      <p className="muted">{t('act.explain')}</p>
      {canCreate && <ActivityForm measures={measures} onSaved={list.reload} />}
      <fieldset className="filters" data-testid="activity-filters">
        <legend>{t('act.filters')}</legend>
        <MeasureSelect
          measures={measures}
          name="filter_measure"
          label={t('act.measure')}
          value={filters.measure_code}
          empty={t('common.all')}
          onChange={(v) => setFilters({ ...filters, measure_code: v })}
        />
        <label>
          {t('act.from')}
          <input
            type="date"
            name="from"
            value={filters.from}
            onChange={(e) => setFilters({ ...filters, from: e.target.value })}
          />
        </label>
        <label>
          {t('act.to')}
          <input
            type="date"
            name="to"
            value={filters.to}
            onChange={(e) => setFilters({ ...filters, to: e.target.value })}
          />
        </label>
      </fieldset>
      <h2>{t('act.list')}</h2>
      <ErrorText error={list.error} />
      <ActivityTable items={list.items} />
      <LoadMore list={list} />
    </section>
  );
}

function MeasureSelect({
  measures,
  name,
  label,
  value,
  onChange,
  empty,
  required,
}: {
  measures: Measure[];
  name: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  empty: string;
  required?: boolean;
}) {
  const { lang } = useI18n();
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(e) => onChange(e.target.value)} required={required}>
        <option value="">{empty}</option>
        {measures.map((m) => (
          <option key={m.code} value={m.code}>
            {m.code} · {m.title[lang] || m.title.en}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The list of activities: date, kind, region, measure, participants by sex, reach and cost. */
export function ActivityTable({ items }: { items: Activity[] }) {
  const { t, tx, f } = useI18n();
  if (items.length === 0) return <p className="muted">{t('act.empty')}</p>;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={t('act.list')}>
      <table data-testid="activities">
        <thead>
          <tr>
            <th scope="col">{t('act.heldOn')}</th>
            <th scope="col">{t('act.kind')}</th>
            <th scope="col">{t('act.what')}</th>
            <th scope="col">{t('act.region')}</th>
            <th scope="col">{t('act.measure')}</th>
            <th scope="col">{t('act.female')}</th>
            <th scope="col">{t('act.male')}</th>
            <th scope="col">{t('act.otherSex')}</th>
            <th scope="col">{t('act.total')}</th>
            <th scope="col">{t('act.reached')}</th>
            <th scope="col">{t('act.cost')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id}>
              <td>{f.date(a.held_on)}</td>
              <td>{tx('actkind', a.kind)}</td>
              <td translate="no">{a.title}</td>
              <td>{tx('region', a.region)}</td>
              <td className="code">{a.measure_code}</td>
              <td className="num">{f.number(a.participants.female ?? 0)}</td>
              <td className="num">{f.number(a.participants.male ?? 0)}</td>
              <td className="num">{f.number(a.participants.other ?? 0)}</td>
              <td className="num">{f.number(a.participants_total)}</td>
              <td className="num">{f.number(a.people_reached)}</td>
              <td className="num">
                {a.cost_kgs == null
                  ? '—'
                  : `${f.money(a.cost_kgs)}${a.funding_source ? ` (${tx('funding', a.funding_source)})` : ''}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ActivityForm({ measures, onSaved }: { measures: Measure[]; onSaved: () => Promise<void> }) {
  const { t, tx } = useI18n();
  const today = useMemo(() => bishkekToday(new Date()), []);
  const [d, setD] = useState<ActivityDraft>(() => emptyActivity(today));
  const [key, renewKey] = useIdempotencyKey();
  const [error, setError] = useState<unknown>(null);
  const [invalid, setInvalid] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof ActivityDraft) => (e: { target: { value: string } }) => {
    setSaved(false);
    setD({ ...d, [k]: e.target.value });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const r = activityBody(d);
    if ('invalid' in r) {
      setInvalid(r.invalid);
      return;
    }
    setInvalid([]);
    setBusy(true);
    try {
      // One key per submitted form: a retried request records the activity once.
      await api<Activity>('/activities', { method: 'POST', body: r.body, headers: { 'Idempotency-Key': key } });
      renewKey();
      setD(emptyActivity(today));
      setSaved(true);
      await onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const bad = (k: string) => (invalid.includes(k) ? true : undefined);
  const num = (k: 'female' | 'male' | 'other' | 'people_reached', label: string) => (
    <label>
      {label}
      <input
        type="number"
        name={k}
        min={0}
        step={1}
        inputMode="numeric"
        value={d[k]}
        onChange={set(k)}
        aria-invalid={bad(k)}
        autoComplete="off"
      />
    </label>
  );
  return (
    <div className="panel">
      <h2>{t('act.record')}</h2>
      <form onSubmit={submit} className="stack" data-testid="activity-form">
        <div className="grid2">
          <label>
            {t('act.heldOn')}
            <input
              type="date"
              name="held_on"
              max={today}
              value={d.held_on}
              onChange={set('held_on')}
              required
              aria-invalid={bad('held_on')}
            />
          </label>
          <label>
            {t('act.kind')}
            <select name="kind" value={d.kind} onChange={set('kind')} required aria-invalid={bad('kind')}>
              <option value="">—</option>
              {ACTIVITY_KINDS.map((k) => (
                <option key={k} value={k}>
                  {tx('actkind', k)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('act.region')}
            <select name="region" value={d.region} onChange={set('region')} required aria-invalid={bad('region')}>
              <option value="">—</option>
              {REGIONS.map((r) => (
                <option key={r} value={r}>
                  {tx('region', r)}
                </option>
              ))}
            </select>
          </label>
          <MeasureSelect
            measures={measures}
            name="measure_code"
            label={t('act.measure')}
            value={d.measure_code}
            empty="—"
            required
            onChange={(v) => {
              setSaved(false);
              setD({ ...d, measure_code: v });
            }}
          />
        </div>
        <label>
          {t('act.what')}
          <input
            name="title"
            value={d.title}
            onChange={set('title')}
            maxLength={300}
            required
            autoComplete="off"
            aria-describedby="act-what-hint"
            aria-invalid={bad('title')}
          />
        </label>
        <p className="muted small" id="act-what-hint">
          {t('act.whatHint')}
        </p>
        <fieldset className="checks">
          <legend>{t('act.participants')}</legend>
          <div className="grid2">
            {num('female', t('act.female'))}
            {num('male', t('act.male'))}
            {num('other', t('act.otherSex'))}
          </div>
        </fieldset>
        <div className="grid2">
          {num('people_reached', t('act.reached'))}
          <label>
            {t('act.cost')}
            <input
              type="number"
              name="cost_kgs"
              min={0}
              step="0.01"
              inputMode="decimal"
              value={d.cost_kgs}
              onChange={set('cost_kgs')}
              aria-invalid={bad('cost_kgs')}
              autoComplete="off"
            />
          </label>
          <label>
            {t('act.funding')}
            <select name="funding_source" value={d.funding_source} onChange={set('funding_source')}>
              <option value="">—</option>
              {FUNDING_SOURCES.map((s) => (
                <option key={s} value={s}>
                  {tx('funding', s)}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div>
          <button type="submit" disabled={busy}>
            {t('act.submit')}
          </button>
        </div>
        {invalid.length > 0 && (
          <p className="error" role="alert">
            {t('common.invalid')}
          </p>
        )}
        {saved && (
          <p role="status" className="ok">
            {t('act.saved')}
          </p>
        )}
        <ErrorText error={error} />
      </form>
    </div>
  );
}
