import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useI18n, type Key } from '../i18n';
import { api, newIdempotencyKey, type Page } from '../lib/api';
import { linkTo } from '../lib/router';
import { ASSISTANCE_STATUSES, ASSISTANCE_TYPES, CLOSURE_REASONS, STAGES, type Assistance, type Case, type Me, type Note, type StageMove } from '../lib/types';
import { ErrorText, RiskBadge, StageBadge } from './common';

export function CasePage({ id, me }: { id: string; me: Me }) {
  const { t } = useI18n();
  const [c, setCase] = useState<Case | null>(null);
  const [error, setError] = useState<unknown>(null);

  const reload = useCallback(async () => {
    try {
      setCase(await api<Case>(`/cases/${id}`));
    } catch (e) {
      setError(e);
    }
  }, [id]);
  useEffect(() => { void reload(); }, [reload]);

  if (error) return <section><ErrorText error={error} /><BackLink /></section>;
  if (!c) return <p role="status">{t('common.loading')}</p>;
  const can = (p: string) => me.permissions.includes(p);
  return (
    <section className="case">
      <BackLink />
      <div className="page-head">
        <h1>{t('case.title')} <span className="code">{c.code}</span></h1>
        <StageBadge stage={c.stage} />
      </div>
      <div className="grid2">
        <IdentityPanel c={c} />
        <AttributesPanel c={c} />
      </div>
      <Timeline c={c} canMove={can('case.move_stage')} onMoved={reload} />
      {can('assistance.list') && <AssistancePanel caseId={c.id} canCreate={can('assistance.create')} />}
      {can('note.list') && <NotesPanel caseId={c.id} canCreate={can('note.create')} />}
    </section>
  );
}

function BackLink() {
  const { t } = useI18n();
  return <a href="/cases" onClick={linkTo('/cases')} className="back">← {t('common.back')}</a>;
}

function Field({ label, value }: { label: string; value: string | null | undefined }) {
  return (<><dt>{label}</dt><dd>{value || '—'}</dd></>);
}

function IdentityPanel({ c }: { c: Case }) {
  const { t, f } = useI18n();
  const id = c.identity;
  return (
    <div className="panel">
      <h2>{t('case.identity')}</h2>
      {!id ? <p className="muted">{t('case.identityHidden')}</p> : (
        <dl className="fields">
          <Field label={t('cases.familyName')} value={id.family_name} />
          <Field label={t('cases.givenName')} value={id.given_name} />
          <Field label={t('cases.patronymic')} value={id.patronymic} />
          <Field label={t('cases.birthDate')} value={id.birth_date ? f.date(id.birth_date) : null} />
          <Field label={t('cases.documentNumber')} value={id.document_number} />
          <Field label={t('cases.phone')} value={id.phone} />
          <Field label={t('cases.address')} value={id.address} />
        </dl>
      )}
    </div>
  );
}

function AttributesPanel({ c }: { c: Case }) {
  const { t, tx, f } = useI18n();
  return (
    <div className="panel">
      <h2>{t('case.attributes')}</h2>
      <dl className="fields">
        <dt>{t('cases.status')}</dt><dd>{tx('status', c.status)}</dd>
        <dt>{t('cases.risk')}</dt><dd><RiskBadge risk={c.risk_level} /></dd>
        <Field label={t('cases.identifiedAt')} value={f.date(c.identified_at)} />
        <Field label={t('case.traffickingStatus')} value={tx('tstatus', c.trafficking_status)} />
        <Field label={t('cases.sex')} value={tx('sex', c.sex)} />
        <Field label={t('cases.age')} value={c.age_bracket === 'unknown' ? t('age.unknown') : c.age_bracket} />
        <Field label={t('case.minor')} value={c.is_minor == null ? null : c.is_minor ? t('common.yes') : t('common.no')} />
        <Field label={t('case.citizenship')} value={c.citizenship} />
        <Field label={t('case.region')} value={c.region_of_origin} />
        <Field label={t('case.channel')} value={c.identification_channel} />
        <Field label={t('case.exploitation')} value={c.exploitation_types?.join(', ')} />
        {c.closure_reason && <Field label={t('case.closureReason')} value={tx('closure', c.closure_reason)} />}
      </dl>
    </div>
  );
}

function Timeline({ c, canMove, onMoved }: { c: Case; canMove: boolean; onMoved: () => Promise<void> }) {
  const { t, tx, f } = useI18n();
  const [moves, setMoves] = useState<StageMove[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [stage, setStage] = useState('');
  const [reason, setReason] = useState('');
  const [done, setDone] = useState(false);

  const load = useCallback(async () => {
    try { setMoves((await api<Page<StageMove>>(`/cases/${c.id}/stages?limit=100`)).items); } catch (e) { setError(e); }
  }, [c.id]);
  useEffect(() => { void load(); }, [load, c.version]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!stage) return;
    setError(null);
    setDone(false);
    try {
      await api(`/cases/${c.id}/stage`, { method: 'POST', body: reason ? { stage, reason } : { stage } });
      setStage(''); setReason(''); setDone(true);
      await onMoved();
    } catch (err) { setError(err); }
  };

  const targets = STAGES.filter((s) => s !== c.stage);
  return (
    <div className="panel">
      <h2>{t('case.timeline')}</h2>
      <ol className="timeline">
        {[...moves].reverse().map((m) => (
          <li key={m.id}>
            <StageBadge stage={m.to_stage} />
            <span className="muted"> {f.dateTime(m.moved_at)}</span>
            {m.closure_reason ? <span> · {tx('closure', m.closure_reason)}</span> : m.reason ? <span> · {m.reason}</span> : null}
          </li>
        ))}
      </ol>
      {canMove && (
        <form onSubmit={submit} className="row wrap">
          <label>{t('case.move')}
            <select value={stage} onChange={(e) => { setStage(e.target.value); setReason(''); }} required>
              <option value="">—</option>
              {targets.map((s) => <option key={s} value={s}>{tx('stage', s)}</option>)}
            </select>
          </label>
          {stage === 'closed' ? (
            <label>{t('case.reason')}
              <select value={reason} onChange={(e) => setReason(e.target.value)} required>
                <option value="">—</option>
                {CLOSURE_REASONS.map((r) => <option key={r} value={r}>{tx('closure', r)}</option>)}
              </select>
            </label>
          ) : (
            <label>{t('case.reason')}
              <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
            </label>
          )}
          <div className="row end"><button type="submit">{t('case.moveSubmit')}</button></div>
        </form>
      )}
      {done && <p role="status" className="ok">{t('case.moved')}</p>}
      <ErrorText error={error} />
    </div>
  );
}

function AssistancePanel({ caseId, canCreate }: { caseId: string; canCreate: boolean }) {
  const { t, tx, f } = useI18n();
  const [items, setItems] = useState<Assistance[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [form, setForm] = useState({ type: 'shelter', status: 'in_progress', started_on: '', cost_kgs: '' });
  const [key, setKey] = useState(newIdempotencyKey);

  const load = useCallback(async () => {
    try { setItems((await api<Page<Assistance>>(`/cases/${caseId}/assistance?limit=100`)).items); } catch (e) { setError(e); }
  }, [caseId]);
  useEffect(() => { void load(); }, [load]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const body: Record<string, unknown> = { type: form.type, status: form.status };
    if (form.started_on) body.started_on = form.started_on;
    if (form.cost_kgs) body.cost_kgs = Number(form.cost_kgs);
    try {
      await api(`/cases/${caseId}/assistance`, { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      setKey(newIdempotencyKey());
      setForm({ ...form, started_on: '', cost_kgs: '' });
      await load();
    } catch (err) { setError(err); }
  };

  return (
    <div className="panel">
      <h2>{t('case.assistance')}</h2>
      {items.length === 0 ? <p className="muted">{t('common.empty')}</p> : (
        <div className="table-wrap">
          <table>
            <thead><tr>
              <th scope="col">{t('case.assistanceType')}</th><th scope="col">{t('case.assistanceStatus')}</th>
              <th scope="col">{t('case.startedOn')}</th><th scope="col">{t('case.endedOn')}</th><th scope="col">{t('case.cost')}</th>
            </tr></thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id}>
                  <td>{tx('atype', a.type)}</td><td>{tx('astatus', a.status)}</td>
                  <td>{f.date(a.started_on)}</td><td>{f.date(a.ended_on)}</td><td className="num">{f.money(a.cost_kgs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canCreate && (
        <form onSubmit={submit} className="row wrap">
          <label>{t('case.assistanceType')}
            <select value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value })}>
              {ASSISTANCE_TYPES.map((v) => <option key={v} value={v}>{tx('atype', v)}</option>)}
            </select>
          </label>
          <label>{t('case.assistanceStatus')}
            <select value={form.status} onChange={(e) => setForm({ ...form, status: e.target.value })}>
              {ASSISTANCE_STATUSES.map((v) => <option key={v} value={v}>{tx('astatus', v)}</option>)}
            </select>
          </label>
          <label>{t('case.startedOn')}
            <input type="date" value={form.started_on} onChange={(e) => setForm({ ...form, started_on: e.target.value })} />
          </label>
          <label>{t('case.cost')}
            <input type="number" min="0" step="0.01" inputMode="decimal" value={form.cost_kgs} onChange={(e) => setForm({ ...form, cost_kgs: e.target.value })} />
          </label>
          <div className="row end"><button type="submit">{t('case.addAssistance')}</button></div>
        </form>
      )}
      <ErrorText error={error} />
    </div>
  );
}

function NotesPanel({ caseId, canCreate }: { caseId: string; canCreate: boolean }) {
  const { t, f } = useI18n();
  const [items, setItems] = useState<Note[]>([]);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [key, setKey] = useState(newIdempotencyKey);

  const load = useCallback(async () => {
    try { setItems((await api<Page<Note>>(`/cases/${caseId}/notes?limit=100`)).items); } catch (e) { setError(e); }
  }, [caseId]);
  useEffect(() => { void load(); }, [load]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    setError(null);
    try {
      await api(`/cases/${caseId}/notes`, { method: 'POST', body: { text }, headers: { 'Idempotency-Key': key } });
      setKey(newIdempotencyKey());
      setText('');
      await load();
    } catch (err) { setError(err); }
  };
  const label: Key = 'case.noteText';
  return (
    <div className="panel">
      <h2>{t('case.notes')}</h2>
      {items.length === 0 ? <p className="muted">{t('common.empty')}</p> : (
        <ul className="notes">
          {items.map((n) => <li key={n.id}><span className="muted small">{f.dateTime(n.created_at)}</span><p>{n.text}</p></li>)}
        </ul>
      )}
      {canCreate && (
        <form onSubmit={submit} className="stack">
          <label>{t(label)}
            <textarea autoComplete="off" rows={3} value={text} onChange={(e) => setText(e.target.value)} maxLength={20000} />
          </label>
          <div><button type="submit">{t('case.addNote')}</button></div>
        </form>
      )}
      <ErrorText error={error} />
    </div>
  );
}
