import { useState, type FormEvent } from 'react';
import { useI18n, type Key } from '../i18n';
import { ApiError, api, newIdempotencyKey } from '../lib/api';
import { linkTo, navigate } from '../lib/router';
import { RISKS, SEXES } from '../lib/enums';
import { type Case, type Identity } from '../lib/types';
import { ErrorText } from './common';

interface Duplicates {
  matches: { id: string; code: string }[];
  exists_elsewhere: boolean;
}

const IDENTITY_FIELDS: { name: keyof Identity; label: Key; type?: string }[] = [
  { name: 'family_name', label: 'cases.familyName' },
  { name: 'given_name', label: 'cases.givenName' },
  { name: 'patronymic', label: 'cases.patronymic' },
  { name: 'birth_date', label: 'cases.birthDate', type: 'date' },
  { name: 'document_number', label: 'cases.documentNumber' },
  { name: 'phone', label: 'cases.phone', type: 'tel' },
  { name: 'address', label: 'cases.address' },
];

export function NewCase() {
  const { t, tx } = useI18n();
  const [identity, setIdentity] = useState<Identity>({});
  const [sex, setSex] = useState('');
  const [risk, setRisk] = useState('');
  const [checked, setChecked] = useState<Duplicates | null>(null);
  const [needs, setNeeds] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // One key per form: a repeated click or a retry never opens two cases.
  const [key] = useState(newIdempotencyKey);

  const clean = (): Identity => {
    const out: Identity = {};
    for (const f of IDENTITY_FIELDS) {
      const v = identity[f.name]?.trim();
      if (v) out[f.name] = v;
    }
    return out;
  };

  const change = (name: keyof Identity, value: string) => {
    setIdentity({ ...identity, [name]: value });
    setChecked(null); // the identity changed: check again
  };

  const check = async () => {
    setError(null);
    const id = clean();
    const hasName = !!(id.given_name || id.family_name);
    if (!((hasName && id.birth_date) || id.document_number)) {
      setNeeds(true);
      return;
    }
    setNeeds(false);
    setBusy(true);
    try {
      setChecked(await api<Duplicates>('/cases/duplicates', { method: 'POST', body: { identity: id } }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (!checked) {
      await check();
      return;
    }
    setError(null);
    setBusy(true);
    const body: Record<string, unknown> = { identity: clean() };
    if (sex) body.sex = sex;
    if (risk) body.risk_level = risk;
    try {
      const c = await api<Case>('/cases', { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      navigate(`/cases/${c.id}`);
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.status === 400) setChecked(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>{t('new.title')}</h1>
      <p className="muted">{t('new.explain')}</p>
      <form onSubmit={create} className="panel" autoComplete="off" data-testid="new-case">
        <fieldset className="grid2 plain">
          <legend>{t('case.identity')}</legend>
          {IDENTITY_FIELDS.map((f) => (
            <label key={f.name}>
              {t(f.label)}
              <input
                name={f.name}
                type={f.type ?? 'text'}
                autoComplete="off"
                value={identity[f.name] ?? ''}
                onChange={(e) => change(f.name, e.target.value)}
              />
            </label>
          ))}
        </fieldset>
        <fieldset className="grid2 plain">
          <legend>{t('case.attributes')}</legend>
          <label>
            {t('cases.sex')}
            <select value={sex} onChange={(e) => setSex(e.target.value)}>
              <option value="">—</option>
              {SEXES.map((v) => (
                <option key={v} value={v}>
                  {tx('sex', v)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('cases.risk')}
            <select value={risk} onChange={(e) => setRisk(e.target.value)}>
              <option value="">—</option>
              {RISKS.map((v) => (
                <option key={v} value={v}>
                  {tx('risk', v)}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
        {needs && (
          <p className="error" role="alert">
            {t('new.checkNeeds')}
          </p>
        )}
        {checked && (
          <div className="notice" role="status" data-testid="dup-result">
            {checked.matches.length === 0 ? (
              <p>{t('new.noMatches')}</p>
            ) : (
              <>
                <p>{t('new.matches')}</p>
                <ul>
                  {checked.matches.map((m) => (
                    <li key={m.id}>
                      <a href={`/cases/${m.id}`} onClick={linkTo(`/cases/${m.id}`)}>
                        {m.code}
                      </a>
                    </li>
                  ))}
                </ul>
              </>
            )}
            {checked.exists_elsewhere && <p>{t('new.elsewhere')}</p>}
          </div>
        )}
        <ErrorText error={error} />
        <div className="row">
          <button type="button" className={checked ? 'secondary' : ''} onClick={() => void check()} disabled={busy}>
            {t('new.check')}
          </button>
          <button type="submit" disabled={busy || !checked}>
            {checked && (checked.matches.length > 0 || checked.exists_elsewhere)
              ? t('new.createAnyway')
              : t('new.create')}
          </button>
        </div>
        {!checked && <p className="muted small">{t('new.mustCheck')}</p>}
      </form>
    </section>
  );
}
