// The people around the person: family, guardians and acquaintances, and
// those who recruited or exploited them (a relation and a perpetrator role
// apart: a mother can be the trafficker). A referred organization sees only
// those its consent covers; the guardian is marked.
import { useState, type FormEvent } from 'react';
import { translate, useI18n } from '../../i18n';
import { api, type Page } from '../../lib/api';
import { PERPETRATOR_ROLES, PERSON_RELATIONS, RECRUITMENT_CHANNELS, type Person } from '../../lib/casework';
import { useResource } from '../../lib/resource';
import { ErrorText, useIdempotencyKey } from '../common';
import { bind, Input, Select } from '../form';

export function PeoplePanel({ caseId, canCreate }: { caseId: string; canCreate: boolean }) {
  const { t, lang } = useI18n();
  const list = useResource<Page<Person>>(`/cases/${caseId}/persons`);
  const items = list.data?.items ?? [];
  const label = (prefix: string, v: string) => translate(lang, `${prefix}.${v}`);
  return (
    <div className="panel" id="sec-people">
      <h2>{t('cw.people')}</h2>
      <ErrorText error={list.error} />
      {items.length === 0 ? (
        <p className="muted">{t('cw.noPeople')}</p>
      ) : (
        <ul className="people" data-testid="people">
          {items.map((p) => (
            <li key={p.id} className="row wrap">
              <strong>{label('prel', p.relation)}</strong>
              {p.relation === 'guardian' && <span className="badge score">{t('cw.guardian')}</span>}
              {p.perpetrator_role && (
                <span className="badge flag">
                  {t('cw.perpetrator')}: {label('prole', p.perpetrator_role)}
                  {p.recruitment_channel ? ` · ${label('pchan', p.recruitment_channel)}` : ''}
                </span>
              )}
              {p.identity && (
                <span translate="no">
                  {[p.identity.family_name, p.identity.given_name, p.identity.patronymic].filter(Boolean).join(' ')}
                </span>
              )}
              {p.contact?.phone && (
                <span translate="no" className="muted">
                  {p.contact.phone}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {canCreate && <AddPerson caseId={caseId} onDone={list.reload} />}
    </div>
  );
}

function AddPerson({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t, lang } = useI18n();
  const [relation, setRelation] = useState('');
  const [role, setRole] = useState('');
  const [channel, setChannel] = useState('');
  const [family, setFamily] = useState('');
  const [given, setGiven] = useState('');
  const [phone, setPhone] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [key, nextKey] = useIdempotencyKey();
  const options = (prefix: string, values: readonly string[]) =>
    values.map((v) => ({ value: v, label: translate(lang, `${prefix}.${v}`) }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!relation) return;
    setError(null);
    const identity = {
      ...(family.trim() ? { family_name: family } : {}),
      ...(given.trim() ? { given_name: given } : {}),
    };
    const body: Record<string, unknown> = { relation };
    if (role) body.perpetrator_role = role;
    if (role && channel) body.recruitment_channel = channel;
    if (Object.keys(identity).length) body.identity = identity;
    if (phone.trim()) body.contact = { phone };
    try {
      await api(`/cases/${caseId}/persons`, { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      nextKey();
      setRelation('');
      setRole('');
      setChannel('');
      setFamily('');
      setGiven('');
      setPhone('');
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={submit} className="stack" data-testid="person-form">
      <h3>{t('cw.addPerson')}</h3>
      <div className="row wrap">
        <Select
          label={t('cw.relation')}
          name="relation"
          required
          empty="—"
          options={options('prel', PERSON_RELATIONS)}
          {...bind(relation, setRelation)}
        />
        <Select
          label={t('cw.perpetratorRole')}
          name="perpetrator_role"
          empty={t('cw.noRole')}
          options={options('prole', PERPETRATOR_ROLES)}
          {...bind(role, setRole)}
        />
        {role && (
          <Select
            label={t('cw.recruitmentChannel')}
            name="recruitment_channel"
            empty="—"
            options={options('pchan', RECRUITMENT_CHANNELS)}
            {...bind(channel, setChannel)}
          />
        )}
      </div>
      <div className="row wrap">
        <Input label={t('cases.familyName')} name="person_family_name" maxLength={100} {...bind(family, setFamily)} />
        <Input label={t('cases.givenName')} name="person_given_name" maxLength={100} {...bind(given, setGiven)} />
        <Input label={t('cases.phone')} name="person_phone" maxLength={50} {...bind(phone, setPhone)} />
      </div>
      <div>
        <button type="submit">{t('cw.addPerson')}</button>
      </div>
      <ErrorText error={error} />
    </form>
  );
}
