// The organization's activities that are not cases (events, trainings,
// campaigns, publications) against Program measures: a filtered list and a
// form to record one. Activities carry no personal data: participants are
// counted by sex.
import { useMemo, useState, type FormEvent } from 'react';
import { useI18n, type Key } from '../i18n';
import { api, query } from '../lib/api';
import { LoadMore, usePagedList } from '../lib/paged';
import { useMeasures } from '../lib/refdata';
import { ACTIVITY_KINDS, FUNDING_SOURCES, REGIONS } from '../lib/enums';
import { type Activity, type Measure } from '../lib/types';
import { activityBody, bishkekToday, emptyActivity, type ActivityDraft } from '../lib/work';
import { ErrorText, Table, useIdempotencyKey } from './common';
import { Alert, bind, bindDraft, Done, Input, Select, type Option, EnumSelect, DateField } from './form';

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
  const filter = bindDraft(filters, setFilters);
  const measureOptions = useMeasureOptions(measures);

  return (
    <section className="activities">
      <h1>{t('act.title')}</h1>
      <p className="muted">{t('act.explain')}</p>
      {canCreate && <ActivityForm measures={measures} onSaved={list.reload} />}
      <fieldset className="filters" data-testid="activity-filters">
        <legend>{t('act.filters')}</legend>
        <Select
          label={t('act.measure')}
          name="filter_measure"
          empty={t('common.all')}
          options={measureOptions}
          {...bind(filters.measure_code, (v) => setFilters({ ...filters, measure_code: v }))}
        />
        <DateField label={t('act.from')} {...filter('from')} />
        <DateField label={t('act.to')} {...filter('to')} />
      </fieldset>
      <h2>{t('act.list')}</h2>
      <ErrorText error={list.error} />
      <ActivityTable items={list.items} />
      <LoadMore list={list} />
    </section>
  );
}

/** The Program's measures as options: code and title. */
function useMeasureOptions(measures: Measure[]): Option[] {
  const { lang } = useI18n();
  return measures.map((m) => ({ value: m.code, label: `${m.code} · ${m.title[lang] || m.title.en}` }));
}

const ACTIVITY_COLUMNS: Key[] = [
  'act.heldOn',
  'act.kind',
  'act.what',
  'act.region',
  'act.measure',
  'act.female',
  'act.male',
  'act.otherSex',
  'act.total',
  'act.reached',
  'act.cost',
];

/** The list of activities: date, kind, region, measure, participants by sex, reach and cost. */
export function ActivityTable({ items }: { items: Activity[] }) {
  const { t, tx, f } = useI18n();
  if (items.length === 0) return <p className="muted">{t('act.empty')}</p>;
  return (
    <Table testId="activities" label={t('act.list')} cols={ACTIVITY_COLUMNS}>
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
    </Table>
  );
}

function ActivityForm({ measures, onSaved }: { measures: Measure[]; onSaved: () => Promise<void> }) {
  const { t } = useI18n();
  const measureOptions = useMeasureOptions(measures);
  const today = useMemo(() => bishkekToday(new Date()), []);
  const [d, setD] = useState<ActivityDraft>(() => emptyActivity(today));
  const [key, renewKey] = useIdempotencyKey();
  const [error, setError] = useState<unknown>(null);
  const [invalid, setInvalid] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const field = (k: keyof ActivityDraft) => ({
    name: k,
    value: d[k],
    error: invalid.includes(k),
    onValue: (v: string) => {
      setSaved(false);
      setD({ ...d, [k]: v });
    },
  });

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
  const num = (k: 'female' | 'male' | 'other' | 'people_reached', label: string) => (
    <Input label={label} type="number" min={0} step={1} inputMode="numeric" {...field(k)} />
  );
  return (
    <div className="panel">
      <h2>{t('act.record')}</h2>
      <form onSubmit={submit} className="stack" data-testid="activity-form">
        <div className="grid2">
          <DateField label={t('act.heldOn')} max={today} required {...field('held_on')} />
          <EnumSelect
            label={t('act.kind')}
            required
            empty="—"
            of="actkind"
            values={ACTIVITY_KINDS}
            {...field('kind')}
          />
          <EnumSelect label={t('act.region')} required empty="—" of="region" values={REGIONS} {...field('region')} />
          <Select label={t('act.measure')} required empty="—" options={measureOptions} {...field('measure_code')} />
        </div>
        <Input label={t('act.what')} hint={t('act.whatHint')} maxLength={300} required {...field('title')} />
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
          <Input label={t('act.cost')} type="number" min={0} step="0.01" inputMode="decimal" {...field('cost_kgs')} />
          <EnumSelect
            label={t('act.funding')}
            empty="—"
            of="funding"
            values={FUNDING_SOURCES}
            {...field('funding_source')}
            error={undefined}
          />
        </div>
        <div>
          <button type="submit" disabled={busy}>
            {t('act.submit')}
          </button>
        </div>
        <Alert text={invalid.length > 0 && t('common.invalid')} />
        <Done show={saved} text={t('act.saved')} />
        <ErrorText error={error} />
      </form>
    </div>
  );
}
