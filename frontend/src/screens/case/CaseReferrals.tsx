import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api, type Page } from '../../lib/api';
import { useOrganizations } from '../../lib/refdata';
import { ASSISTANCE_TYPES } from '../../lib/enums';
import { type Case, type Consent, type Me, type Referral } from '../../lib/types';
import { ErrorText, useIdempotencyKey, useOrgName, Table } from '../common';

export function CaseReferralsPanel({
  c,
  me,
  canCreate,
  consentsVersion,
}: {
  c: Case;
  me: Me;
  canCreate: boolean;
  consentsVersion: number;
}) {
  const { t, tx, f } = useI18n();
  const orgName = useOrgName();
  const [items, setItems] = useState<Referral[]>([]);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    try {
      const boxes = await Promise.all(
        ['outgoing', 'incoming'].map((b) => api<Page<Referral>>(`/referrals?box=${b}&case_id=${c.id}&limit=100`)),
      );
      const seen = new Set<string>();
      setItems(boxes.flatMap((p) => p.items).filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true))));
    } catch (e) {
      setError(e);
    }
  }, [c.id]);
  useEffect(() => {
    void load();
  }, [load]);

  const cancel = async (r: Referral) => {
    setError(null);
    try {
      await api(`/referrals/${r.id}/cancel`, { method: 'POST', body: {} });
      await load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="panel" id="sec-referrals">
      <h2>{t('case.referrals')}</h2>
      {items.length === 0 ? (
        <p className="muted">{t('common.empty')}</p>
      ) : (
        <Table testId="case-referrals" cols={['ref.code', 'ref.to', 'ref.types', 'ref.status', 'ref.due']} actions>
          {items.map((r) => (
            <tr key={r.id} className={r.overdue ? 'overdue' : undefined}>
              <td className="code">{r.code}</td>
              <td>{orgName(r.to_organization_id)}</td>
              <td>
                {r.kind === 'transfer' ? t('ref.transfer') : r.assistance_types.map((a) => tx('atype', a)).join(', ')}
              </td>
              <td>
                <span className={`badge ref-${r.status}`}>{tx('refstatus', r.status)}</span>
                {r.overdue && <span className="badge overdue-mark">{t('ref.overdue')}</span>}
              </td>
              <td>{f.dateTime(r.due_at)}</td>
              <td>
                {r.from_organization_id === me.organization.id &&
                  (r.status === 'pending' || r.status === 'accepted') && (
                    <button type="button" className="secondary small" onClick={() => void cancel(r)}>
                      {t('ref.cancel')}
                    </button>
                  )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      {canCreate && <ReferralForm c={c} me={me} consentsVersion={consentsVersion} onCreated={load} />}
      <ErrorText error={error} />
    </div>
  );
}

function ReferralForm({
  c,
  me,
  consentsVersion,
  onCreated,
}: {
  c: Case;
  me: Me;
  consentsVersion: number;
  onCreated: () => Promise<void>;
}) {
  const { t, tx, lang } = useI18n();
  const orgs = useOrganizations();
  const [consents, setConsents] = useState<Consent[]>([]);
  const [kind, setKind] = useState('assistance');
  const [to, setTo] = useState('');
  const [types, setTypes] = useState<string[]>([]);
  const [cats, setCats] = useState<string[]>([]);
  const [urgency, setUrgency] = useState('normal');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [key, nextKey] = useIdempotencyKey();

  useEffect(() => {
    api<Page<Consent>>(`/cases/${c.id}/consents`).then((p) => setConsents(p.items), setError);
  }, [c.id, consentsVersion]);

  // Only organizations with a valid data-sharing consent can be chosen; the
  // categories are those the chosen consent covers.
  const usable = useMemo(
    () => consents.filter((x) => x.valid && x.purpose === 'data_sharing' && x.recipient_organization_id),
    [consents],
  );
  const targets = orgs.filter(
    (o) => o.active && o.id !== me.organization.id && usable.some((x) => x.recipient_organization_id === o.id),
  );
  const consent = usable.find((x) => x.recipient_organization_id === to) ?? null;
  const target = orgs.find((o) => o.id === to);
  const toggle = (list: string[], set: (v: string[]) => void, v: string) =>
    set(list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!consent) return;
    setError(null);
    setDone(false);
    const body: Record<string, unknown> = {
      kind,
      to_organization_id: to,
      consent_id: consent.id,
      categories: cats,
      urgency,
    };
    if (kind === 'assistance') body.assistance_types = types;
    if (note.trim()) body.note = note.trim();
    try {
      await api(`/cases/${c.id}/referrals`, { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      nextKey();
      setTypes([]);
      setCats([]);
      setNote('');
      setTo('');
      setDone(true);
      await onCreated();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <details className="form-block">
      <summary>{t('ref.new')}</summary>
      {usable.length === 0 && <p className="muted">{t('ref.needConsent')}</p>}
      <form onSubmit={submit} className="stack" data-testid="referral-form">
        <div className="row wrap">
          <label>
            {t('ref.kind')}
            <select name="kind" value={kind} onChange={(e) => setKind(e.target.value)}>
              <option value="assistance">{t('ref.kindAssistance')}</option>
              <option value="transfer">{t('ref.transfer')}</option>
            </select>
          </label>
          <label>
            {t('ref.to')}
            <select
              name="to"
              value={to}
              onChange={(e) => {
                setTo(e.target.value);
                setCats([]);
              }}
              required
            >
              <option value="">—</option>
              {targets.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name[lang] || o.code}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('ref.urgency')}
            <select name="urgency" value={urgency} onChange={(e) => setUrgency(e.target.value)}>
              <option value="normal">{tx('urgency', 'normal')}</option>
              <option value="urgent">{tx('urgency', 'urgent')}</option>
            </select>
          </label>
        </div>
        {kind === 'assistance' && (
          <fieldset className="checks">
            <legend>{t('ref.types')}</legend>
            {ASSISTANCE_TYPES.map((a) => {
              const offered = !target || target.services.length === 0 || target.services.includes(a);
              return (
                <label key={a} className={offered ? 'check' : 'check muted'}>
                  <input
                    type="checkbox"
                    name={`type-${a}`}
                    checked={types.includes(a)}
                    onChange={() => toggle(types, setTypes, a)}
                  />{' '}
                  {tx('atype', a)}
                </label>
              );
            })}
          </fieldset>
        )}
        {consent && (
          <fieldset className="checks">
            <legend>{t('ref.categories')}</legend>
            {consent.categories.map((x) => (
              <label key={x} className="check">
                <input
                  type="checkbox"
                  name={`refcat-${x}`}
                  checked={cats.includes(x)}
                  onChange={() => toggle(cats, setCats, x)}
                />{' '}
                {tx('cat', x)}
              </label>
            ))}
          </fieldset>
        )}
        <label>
          {t('ref.note')}
          <textarea
            name="note"
            autoComplete="off"
            rows={2}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            maxLength={4000}
          />
        </label>
        <p className="muted small">{t('ref.noteHint')}</p>
        <div>
          <button
            type="submit"
            disabled={!consent || cats.length === 0 || (kind === 'assistance' && types.length === 0)}
          >
            {t('ref.send')}
          </button>
        </div>
        {done && (
          <p role="status" className="ok">
            {t('ref.sent')}
          </p>
        )}
        <ErrorText error={error} />
      </form>
    </details>
  );
}
