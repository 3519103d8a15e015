import { useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import { useI18n } from '../i18n';
import { api, newIdempotencyKey, query } from '../lib/api';
import {
  CONTACT_CALLERS,
  CONTACT_CHANNELS,
  CONTACT_OUTCOMES,
  CONTACT_TOPICS,
  REGIONS,
  SCREENING_INDICATORS,
  SCREENING_RESULTS,
  URGENCIES,
} from '../lib/enums';
import { bishkekDate } from '../lib/domain';
import { usePagedList } from '../lib/paged';
import { useOrganizations } from '../lib/refdata';
import type { Contact } from '../lib/types';
import { ErrorText } from './common';
import { Check, Checks, EnumSelect, Input, OrgSelect, Select, TextArea, bind, toggled, DateField } from './form';
import { CALLER_LANGS, CALLER_LANG_NAMES, QUESTIONS, type CallerLang } from './hotline/questions';

/** The start of today in Asia/Bishkek, as an RFC 3339 time (today's calls). */
export function startOfToday(now: Date): string {
  const { year, month, day } = bishkekDate(now);
  return new Date(Date.UTC(year, month - 1, day) - 6 * 3600_000).toISOString().replace('.000Z', 'Z');
}

/** mm:ss (or h:mm:ss) of a number of seconds. */
export function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = String(m).padStart(h ? 2 : 1, '0');
  return `${h ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

function useTimer(start: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(id);
  }, []);
  return Math.max(0, Math.floor((now - start) / 1000));
}

interface Draft {
  channel: string;
  caller: string;
  topic: string;
  region: string;
  country: string;
  indicators: string[];
  result: string;
  summary: string;
  givenName: string;
  familyName: string;
  birthDate: string;
  callback: boolean;
  phone: string;
  outcome: string;
}

const EMPTY: Draft = {
  channel: 'phone',
  caller: '',
  topic: '',
  region: '',
  country: '',
  indicators: [],
  result: '',
  summary: '',
  givenName: '',
  familyName: '',
  birthDate: '',
  callback: false,
  phone: '',
  outcome: '',
};

/** The body of POST /contacts from a draft: only what was given. */
export function contactBody(d: Draft): Record<string, unknown> {
  const body: Record<string, unknown> = { channel: d.channel, caller: d.caller, topic: d.topic };
  if (d.region) body.region = d.region;
  if (d.country.trim()) body.country = d.country.trim().toUpperCase();
  if (d.indicators.length || d.result)
    body.screening = { indicators: d.indicators, ...(d.result && { result: d.result }) };
  if (d.summary.trim()) body.summary = d.summary.trim();
  const identity: Record<string, string> = {};
  if (d.givenName.trim()) identity.given_name = d.givenName.trim();
  if (d.familyName.trim()) identity.family_name = d.familyName.trim();
  if (d.birthDate) identity.birth_date = d.birthDate;
  if (Object.keys(identity).length) body.identity = identity;
  if (d.callback) {
    body.callback_consent = true;
    if (d.phone.trim()) body.contact = { phone: d.phone.trim() };
  }
  if (d.outcome) body.outcome = d.outcome;
  return body;
}

/**
 * The operator's screen for a live call: one page, keyboard first (Alt+S
 * saves, Alt+N starts a new call), the screening questions in the caller's
 * language, a timer; once saved, the intake to a crisis center; beside it,
 * today's calls with their intake's status.
 */
export default function Hotline() {
  const { t, lang } = useI18n();
  const [call, setCall] = useState(() => ({ n: 0, start: Date.now() }));
  const [saved, setSaved] = useState<Contact | null>(null);
  const today = usePagedList<Contact>(`/contacts${query({ since: startOfToday(new Date()) })}`, { limit: 100 });
  const form = useRef<HTMLFormElement>(null);

  const newCall = () => {
    setSaved(null);
    setCall((c) => ({ n: c.n + 1, start: Date.now() }));
  };
  const onSaved = (c: Contact) => {
    setSaved(c);
    today.setItems((prev) => [c, ...prev.filter((x) => x.id !== c.id)]);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey) return;
      if (e.code === 'KeyS') {
        e.preventDefault();
        form.current?.requestSubmit();
      } else if (e.code === 'KeyN') {
        e.preventDefault();
        newCall();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <section className="hotline">
      <div className="row wrap hotline-head">
        <h1>{t('call.title')}</h1>
        <Timer key={call.n} start={call.start} />
        <button type="button" className="secondary" onClick={newCall} aria-keyshortcuts="Alt+N">
          {t('call.new')}
        </button>
      </div>
      <p className="muted">{t('call.keys')}</p>
      <div className="hotline-grid">
        <div>
          {saved ? (
            <Saved contact={saved} onChange={onSaved} />
          ) : (
            <CallForm key={call.n} formRef={form} onSaved={onSaved} defaultLang={lang === 'ru' ? 'ru' : 'ky'} />
          )}
        </div>
        <aside aria-labelledby="today-title">
          <h2 id="today-title">{t('call.today')}</h2>
          <ErrorText error={today.error} />
          {!today.loading && today.items.length === 0 ? (
            <p className="muted">{t('call.none')}</p>
          ) : (
            <ul className="contacts" data-testid="today-contacts">
              {today.items.map((c) => (
                <TodayRow key={c.id} c={c} />
              ))}
            </ul>
          )}
        </aside>
      </div>
    </section>
  );
}

function Timer({ start }: { start: number }) {
  const { t } = useI18n();
  const s = useTimer(start);
  return (
    <p className="call-timer" data-testid="call-timer">
      <span className="visually-hidden">{t('call.timer')}: </span>
      <span role="timer" aria-live="off">
        {clock(s)}
      </span>
    </p>
  );
}

function TodayRow({ c }: { c: Contact }) {
  const { t, tx, f } = useI18n();
  return (
    <li className="contact-row">
      <strong translate="no">{c.code}</strong> <span className="muted">{f.dateTime(c.created_at)}</span>
      <div>
        {tx('ctopic', c.topic)} · {tx('ccaller', c.caller)}
      </div>
      <div>
        {t('call.intake')}:{' '}
        {c.intake ? (
          <span className={`badge ref-${c.intake.status}`}>{tx('refstatus', c.intake.status)}</span>
        ) : (
          <span className="muted">{t('call.noIntake')}</span>
        )}
      </div>
    </li>
  );
}

function CallForm({
  formRef,
  onSaved,
  defaultLang,
}: {
  formRef: RefObject<HTMLFormElement>;
  onSaved: (c: Contact) => void;
  defaultLang: CallerLang;
}) {
  const { t, tx } = useI18n();
  const [d, setD] = useState<Draft>(EMPTY);
  const [callerLang, setCallerLang] = useState<CallerLang>(defaultLang);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(newIdempotencyKey);
  const set =
    <K extends keyof Draft>(k: K) =>
    (v: Draft[K]) =>
      setD((x) => ({ ...x, [k]: v }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setError(null);
    setBusy(true);
    try {
      onSaved(
        await api<Contact>('/contacts', { method: 'POST', body: contactBody(d), headers: { 'Idempotency-Key': key } }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={formRef} onSubmit={(e) => void submit(e)} className="call-form" aria-label={t('call.title')}>
      <div className="grid3">
        <EnumSelect
          label={t('call.channel')}
          of="ccha"
          values={CONTACT_CHANNELS}
          {...bind(d.channel, set('channel'))}
          name="channel"
          required
          autoFocus
        />
        <EnumSelect
          label={t('call.caller')}
          of="ccaller"
          values={CONTACT_CALLERS}
          empty="—"
          {...bind(d.caller, set('caller'))}
          name="caller"
          required
        />
        <EnumSelect
          label={t('call.topic')}
          of="ctopic"
          values={CONTACT_TOPICS}
          empty="—"
          {...bind(d.topic, set('topic'))}
          name="topic"
          required
        />
      </div>
      <fieldset className="questions">
        <legend>{t('call.questions')}</legend>
        <Select
          label={t('call.callerLang')}
          options={CALLER_LANGS.map((l) => ({ value: l, label: CALLER_LANG_NAMES[l] }))}
          value={callerLang}
          onValue={(v) => setCallerLang(v as CallerLang)}
          name="caller_lang"
        />
        <p className="muted">{t('call.questionsHint')}</p>
        <ol className="question-list" data-testid="questions">
          {SCREENING_INDICATORS.map((ind) => (
            <li key={ind}>
              <Check
                name={`ind_${ind}`}
                label={
                  <span className="question">
                    <span lang={callerLang}>{QUESTIONS[callerLang][ind]}</span>{' '}
                    <span className="muted">({tx('ind', ind)})</span>
                  </span>
                }
                checked={d.indicators.includes(ind)}
                onChange={() => set('indicators')(toggled(d.indicators, ind))}
              />
            </li>
          ))}
        </ol>
        <EnumSelect
          label={t('call.result')}
          of="sres"
          values={SCREENING_RESULTS}
          empty="—"
          {...bind(d.result, set('result'))}
          name="result"
        />
      </fieldset>
      <div className="grid3">
        <EnumSelect
          label={t('call.region')}
          of="region"
          values={REGIONS}
          empty="—"
          {...bind(d.region, set('region'))}
          name="region"
        />
        <Input label={t('call.country')} {...bind(d.country, set('country'))} name="country" maxLength={2} />
        <EnumSelect
          label={t('call.outcome')}
          of="coutcome"
          values={CONTACT_OUTCOMES}
          empty="—"
          {...bind(d.outcome, set('outcome'))}
          name="outcome"
        />
      </div>
      <TextArea
        label={t('call.summary')}
        {...bind(d.summary, set('summary'))}
        name="summary"
        maxLength={4000}
        rows={3}
      />
      <fieldset>
        <legend>{t('call.identity')}</legend>
        <div className="grid3">
          <Input label={t('call.givenName')} {...bind(d.givenName, set('givenName'))} name="given_name" />
          <Input label={t('call.familyName')} {...bind(d.familyName, set('familyName'))} name="family_name" />
          <DateField label={t('call.birthDate')} {...bind(d.birthDate, set('birthDate'))} name="birth_date" />
        </div>
        <Check name="callback" label={t('call.callback')} checked={d.callback} onChange={set('callback')} />
        {d.callback && <Input label={t('call.phone')} type="tel" {...bind(d.phone, set('phone'))} name="phone" />}
      </fieldset>
      <ErrorText error={error} />
      <button type="submit" disabled={busy} aria-keyshortcuts="Alt+S">
        {t('call.save')}
      </button>
    </form>
  );
}

/** A saved contact: its code, and the intake to a crisis center. */
function Saved({ contact, onChange }: { contact: Contact; onChange: (c: Contact) => void }) {
  const { t, tx } = useI18n();
  const centers = useOrganizations().filter((o) => o.kind === 'crisis_center' && o.active);
  const [to, setTo] = useState('');
  const [categories, setCategories] = useState<string[]>([]);
  const [urgency, setUrgency] = useState('normal');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(newIdempotencyKey);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const offered = [...(contact.identity ? ['identity'] : []), ...(contact.contact ? ['contact'] : [])];
  const send = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      onChange(
        await api<Contact>(`/contacts/${contact.id}/refer`, {
          method: 'POST',
          body: { to_organization_id: to, categories, urgency, ...(note.trim() && { note: note.trim() }) },
          headers: { 'Idempotency-Key': key },
        }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="saved-call">
      <h2 tabIndex={-1} ref={heading} data-testid="saved-code">
        {t('call.saved')} <span translate="no">{contact.code}</span>
      </h2>
      {contact.intake ? (
        <p data-testid="intake-status">
          {t('call.intake')} <span translate="no">{contact.intake.code}</span>:{' '}
          <span className={`badge ref-${contact.intake.status}`}>{tx('refstatus', contact.intake.status)}</span>
        </p>
      ) : (
        <form onSubmit={(e) => void send(e)} aria-labelledby="refer-title">
          <h3 id="refer-title">{t('call.refer')}</h3>
          <OrgSelect label={t('call.referTo')} orgs={centers} empty="—" value={to} onValue={setTo} name="to" required />
          {offered.length > 0 && (
            <Checks
              legend={t('call.consent')}
              options={offered.map((c) => ({ value: c, label: tx('cat', c) }))}
              chosen={categories}
              onChange={setCategories}
              namePrefix="cat_"
            />
          )}
          <EnumSelect
            label={t('ref.urgency')}
            of="urgency"
            values={URGENCIES}
            value={urgency}
            onValue={setUrgency}
            name="urgency"
          />
          <TextArea label={t('call.note')} value={note} onValue={setNote} name="note" maxLength={4000} rows={2} />
          <ErrorText error={error} />
          <button type="submit" disabled={busy || !to}>
            {t('call.send')}
          </button>
        </form>
      )}
    </div>
  );
}
