// Organizations (system admins): list, create, edit, deactivate.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api, type Page } from '../../lib/api';
import { invalidateOrganizations } from '../../lib/refdata';
import { ASSISTANCE_TYPES, ORG_KINDS, REGIONS } from '../../lib/enums';
import { type Organization } from '../../lib/types';
import { ErrorText, Table } from '../common';

interface Draft {
  code: string;
  ru: string;
  ky: string;
  en: string;
  kind: string;
  region: string;
  services: string[];
  active: boolean;
}
const EMPTY: Draft = {
  code: '',
  ru: '',
  ky: '',
  en: '',
  kind: 'ngo',
  region: 'bishkek_city',
  services: [],
  active: true,
};

export default function Organizations() {
  const { t, tx, lang } = useI18n();
  const [items, setItems] = useState<Organization[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<Organization | 'new' | null>(null);

  const load = useCallback(async () => {
    try {
      setItems((await api<Page<Organization>>('/organizations?limit=200')).items);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section>
      <div className="page-head">
        <h1>{t('orgs.title')}</h1>
        <button type="button" onClick={() => setEditing('new')}>
          {t('orgs.new')}
        </button>
      </div>
      <ErrorText error={error} />
      {editing && (
        <OrgForm
          org={editing === 'new' ? null : editing}
          onDone={async () => {
            setEditing(null);
            invalidateOrganizations();
            await load();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <Table testId="orgs" cols={['orgs.code', 'orgs.name', 'orgs.kind', 'orgs.region', 'orgs.active']} actions>
        {items.map((o) => (
          <tr key={o.id} className={o.active ? undefined : 'inactive'}>
            <td className="code">{o.code}</td>
            <td>{o.name[lang]}</td>
            <td>{tx('orgkind', o.kind)}</td>
            <td>{tx('region', o.region)}</td>
            <td>{o.active ? t('common.yes') : t('common.no')}</td>
            <td>
              <button type="button" className="secondary small" onClick={() => setEditing(o)}>
                {t('common.edit')}
                <span className="visually-hidden"> {o.code}</span>
              </button>
            </td>
          </tr>
        ))}
      </Table>
    </section>
  );
}

function OrgForm({
  org,
  onDone,
  onCancel,
}: {
  org: Organization | null;
  onDone: () => Promise<void>;
  onCancel: () => void;
}) {
  const { t, tx } = useI18n();
  const [d, setD] = useState<Draft>(
    org
      ? {
          code: org.code,
          ...org.name,
          kind: org.kind,
          region: org.region,
          services: org.services ?? [],
          active: org.active,
        }
      : EMPTY,
  );
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const name = { ru: d.ru.trim(), ky: d.ky.trim(), en: d.en.trim() };
    try {
      if (org) {
        await api(`/organizations/${org.id}`, {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/merge-patch+json' },
          body: { name, kind: d.kind, region: d.region, services: d.services, active: d.active, version: org.version },
        });
      } else {
        await api('/organizations', {
          method: 'POST',
          body: { code: d.code.trim(), name, kind: d.kind, region: d.region, services: d.services },
        });
      }
      await onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="panel stack" onSubmit={submit} data-testid="org-form">
      <h2>{org ? `${t('orgs.edit')} ${org.code}` : t('orgs.new')}</h2>
      <div className="grid2">
        <label>
          {t('orgs.code')}
          <input
            name="code"
            value={d.code}
            disabled={!!org}
            required
            pattern="[A-Z][A-Z0-9\-]{1,23}"
            onChange={(e) => setD({ ...d, code: e.target.value.toUpperCase() })}
          />
        </label>
        <label>
          {t('orgs.kind')}
          <select name="kind" value={d.kind} onChange={(e) => setD({ ...d, kind: e.target.value })}>
            {ORG_KINDS.map((k) => (
              <option key={k} value={k}>
                {tx('orgkind', k)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('orgs.nameRu')}
          <input name="name_ru" lang="ru" required value={d.ru} onChange={(e) => setD({ ...d, ru: e.target.value })} />
        </label>
        <label>
          {t('orgs.nameKy')}
          <input name="name_ky" lang="ky" required value={d.ky} onChange={(e) => setD({ ...d, ky: e.target.value })} />
        </label>
        <label>
          {t('orgs.nameEn')}
          <input name="name_en" lang="en" required value={d.en} onChange={(e) => setD({ ...d, en: e.target.value })} />
        </label>
        <label>
          {t('orgs.region')}
          <select name="region" value={d.region} onChange={(e) => setD({ ...d, region: e.target.value })}>
            {REGIONS.map((k) => (
              <option key={k} value={k}>
                {tx('region', k)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <fieldset className="checks">
        <legend>{t('orgs.services')}</legend>
        {ASSISTANCE_TYPES.map((a) => (
          <label key={a} className="check">
            <input
              type="checkbox"
              checked={d.services.includes(a)}
              onChange={() =>
                setD({
                  ...d,
                  services: d.services.includes(a) ? d.services.filter((x) => x !== a) : [...d.services, a],
                })
              }
            />{' '}
            {tx('atype', a)}
          </label>
        ))}
      </fieldset>
      {org && (
        <label className="check">
          <input type="checkbox" checked={d.active} onChange={(e) => setD({ ...d, active: e.target.checked })} />{' '}
          {t('orgs.active')}
        </label>
      )}
      <div className="row">
        <button type="submit">{t('common.save')}</button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
      <ErrorText error={error} />
    </form>
  );
}
