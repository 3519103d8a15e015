// Organizations (system admins): list, create, edit, deactivate.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { translate, useI18n } from '../../i18n';
import { api, type Page } from '../../lib/api';
import { invalidateOrganizations } from '../../lib/refdata';
import { ASSISTANCE_TYPES, ORG_KINDS, REGIONS } from '../../lib/enums';
import { APPROVAL_KINDS } from '../../lib/casework';
import { type Organization } from '../../lib/types';
import { ErrorText, Table } from '../common';
import { bindDraft, Check, Checks, Input, RowButton, SaveCancel, useEnumOptions, EnumSelect } from '../form';

interface Draft {
  code: string;
  ru: string;
  ky: string;
  en: string;
  kind: string;
  region: string;
  services: string[];
  approvalKinds: string[];
  active: boolean;
}
/** The label of the organization's name in each language, in the order the form asks for them. */
const NAME_LABELS = { ru: 'orgs.nameRu', ky: 'orgs.nameKy', en: 'orgs.nameEn' } as const;
const LANGS = ['ru', 'ky', 'en'] as const;

const EMPTY: Draft = {
  code: '',
  ru: '',
  ky: '',
  en: '',
  kind: 'ngo',
  region: 'bishkek_city',
  services: [],
  approvalKinds: ['closure', 'transfer'],
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
              <RowButton label={t('common.edit')} subject={o.code} onClick={() => setEditing(o)} />
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
  const { t, lang } = useI18n();
  const enumOptions = useEnumOptions();
  const [d, setD] = useState<Draft>(
    org
      ? {
          code: org.code,
          ...org.name,
          kind: org.kind,
          region: org.region,
          services: org.services ?? [],
          approvalKinds: org.approval_kinds ?? [],
          active: org.active,
        }
      : EMPTY,
  );
  const [error, setError] = useState<unknown>(null);
  const field = bindDraft(d, setD);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const name = { ru: d.ru.trim(), ky: d.ky.trim(), en: d.en.trim() };
    try {
      if (org) {
        await api(`/organizations/${org.id}`, {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/merge-patch+json' },
          body: {
            name,
            kind: d.kind,
            region: d.region,
            services: d.services,
            approval_kinds: d.approvalKinds,
            active: d.active,
            version: org.version,
          },
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
        <Input
          label={t('orgs.code')}
          {...field('code')}
          disabled={!!org}
          required
          pattern="[A-Z][A-Z0-9\-]{1,23}"
          onValue={(v) => setD({ ...d, code: v.toUpperCase() })}
        />
        <EnumSelect label={t('orgs.kind')} {...field('kind')} of="orgkind" values={ORG_KINDS} />
        {LANGS.map((l) => (
          <Input key={l} label={t(NAME_LABELS[l])} {...field(l)} name={`name_${l}`} lang={l} required />
        ))}
        <EnumSelect label={t('orgs.region')} {...field('region')} of="region" values={REGIONS} />
      </div>
      <Checks
        legend={t('orgs.services')}
        options={enumOptions('atype', ASSISTANCE_TYPES)}
        chosen={d.services}
        onChange={(services) => setD({ ...d, services })}
      />
      {org && (
        <Checks
          legend={t('orgs.approvalKinds')}
          options={APPROVAL_KINDS.map((k) => ({ value: k, label: translate(lang, `apkind.${k}`) }))}
          chosen={d.approvalKinds}
          onChange={(approvalKinds) => setD({ ...d, approvalKinds })}
        />
      )}
      {org && <Check label={t('orgs.active')} checked={d.active} onChange={(active) => setD({ ...d, active })} />}
      <SaveCancel onCancel={onCancel} />
      <ErrorText error={error} />
    </form>
  );
}
