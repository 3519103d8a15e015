import { useState } from 'react';
import { useI18n } from '../../i18n';
import { download, query } from '../../lib/api';
import { LANGS } from '../../i18n/dict';
import { useOrganizations } from '../../lib/refdata';
import { ErrorText } from '../common';
import { bind, OrgSelect, Select } from '../form';

/**
 * The case printed as PDF: the full file (the owner's supervisors), a
 * handover to a consented recipient, and the person's own copy. The
 * language is the file's, chosen here (the person's may differ from the
 * worker's).
 */
export function PrintPanel({
  caseId,
  canFile,
  canHandover,
  canSubjectAccess,
}: {
  caseId: string;
  canFile: boolean;
  canHandover: boolean;
  canSubjectAccess: boolean;
}) {
  const { t, lang: uiLang } = useI18n();
  const orgs = useOrganizations();
  const [lang, setLang] = useState<string>(uiLang);
  const [recipient, setRecipient] = useState('');
  const [error, setError] = useState<unknown>(null);
  const get = async (path: string) => {
    setError(null);
    try {
      await download(path, null);
    } catch (err) {
      setError(err);
    }
  };
  const langs = LANGS.map((l) => ({ value: l, label: t(`lang.${l}`) }));
  const recipients = orgs.filter((o) => o.active).sort((a, b) => a.code.localeCompare(b.code));
  return (
    <div className="panel" id="sec-print">
      <h2>{t('print.title')}</h2>
      <div className="row wrap">
        <Select label={t('print.lang')} name="print_lang" options={langs} {...bind(lang, setLang)} />
      </div>
      <div className="row wrap">
        {canFile && (
          <button
            type="button"
            className="secondary"
            onClick={() => void get(`/cases/${caseId}/file${query({ format: 'pdf', lang })}`)}
          >
            {t('print.file')}
          </button>
        )}
        {canSubjectAccess && (
          <button
            type="button"
            className="secondary"
            onClick={() => void get(`/cases/${caseId}/subject-access${query({ lang })}`)}
          >
            {t('print.subjectAccess')}
          </button>
        )}
      </div>
      {canHandover && (
        <div className="row wrap">
          <OrgSelect
            label={t('print.recipient')}
            name="print_recipient"
            empty="—"
            orgs={recipients}
            {...bind(recipient, setRecipient)}
          />
          <button
            type="button"
            className="secondary"
            disabled={!recipient}
            onClick={() =>
              void get(`/cases/${caseId}/file${query({ format: 'pdf', lang, recipient_organization_id: recipient })}`)
            }
          >
            {t('print.handover')}
          </button>
        </div>
      )}
      <p className="muted small">{t('print.hint')}</p>
      <ErrorText error={error} />
    </div>
  );
}
