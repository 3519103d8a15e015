import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';
import { ApiError, api, newIdempotencyKey } from '../lib/api';
import { linkTo, navigate } from '../lib/router';
import { RISKS, SEXES } from '../lib/enums';
import { type Case, type Identity } from '../lib/types';
import { ErrorText } from './common';
import { IdentityInputs } from './case/EditIdentity';
import { Alert, bind, EnumSelect } from './form';
import { IDENTITY_FIELDS } from '../lib/work';

interface Duplicates {
  matches: { id: string; code: string }[];
  exists_elsewhere: boolean;
}

export function NewCase() {
  const { t } = useI18n();
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
    for (const k of IDENTITY_FIELDS) {
      const v = identity[k]?.trim();
      if (v) out[k] = v;
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
          <IdentityInputs value={identity} onChange={change} />
        </fieldset>
        <fieldset className="grid2 plain">
          <legend>{t('case.attributes')}</legend>
          <EnumSelect label={t('cases.sex')} empty="—" of="sex" values={SEXES} {...bind(sex, setSex)} />
          <EnumSelect label={t('cases.risk')} empty="—" of="risk" values={RISKS} {...bind(risk, setRisk)} />
        </fieldset>
        <Alert text={needs && t('new.checkNeeds')} />
        {checked && (
          <div
            className={checked.matches.length === 0 ? 'notice ok-box' : 'notice'}
            role="status"
            data-testid="dup-result"
          >
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
