import { useRef, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api, download, upload } from '../../lib/api';
import { CATEGORIES } from '../../lib/enums';
import { useResource } from '../../lib/resource';
import type { CaseDocument } from '../../lib/types';
import { ErrorText } from '../common';
import { bind, Done, Input, ReasonForm, RowButton, Select, type Option } from '../form';

/** What the file picker offers; the server sniffs the bytes whatever it is told. */
export const DOCUMENT_ACCEPT = '.pdf,.docx,.odt,application/pdf,image/jpeg,image/png,image/webp';

/** A document's category as a label: a consent category, or the signed consent form. */
export function useDocumentCategory(): (c: string) => string {
  const { t, tx } = useI18n();
  return (c) => (c === 'consent_form' ? t('doc.consentForm') : tx('cat', c));
}

/** A neutral name for a downloaded document: never the title or the uploaded name. */
export function documentFileName(d: Pick<CaseDocument, 'id' | 'content_type'>): string {
  const ext: Record<string, string> = {
    'application/pdf': '.pdf',
    'image/jpeg': '.jpg',
    'image/png': '.png',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
    'application/vnd.oasis.opendocument.text': '.odt',
  };
  return `document-${d.id.slice(0, 8)}${ext[d.content_type] ?? ''}`;
}

/** Sends a file as a document of a case, reporting progress (0 to 1). */
export function uploadDocument(
  caseId: string,
  title: string,
  category: string,
  file: File,
  onProgress: (share: number) => void,
): Promise<CaseDocument> {
  // The fields go before the file: the server reads them first.
  const form = new FormData();
  form.append('title', title);
  form.append('category', category);
  form.append('file', file);
  return upload<CaseDocument>(`/cases/${caseId}/documents`, form, onProgress);
}

/** Whether the device is a phone or tablet, whose camera can take a photo of a paper. */
function hasCamera(): boolean {
  return typeof window !== 'undefined' && !!window.matchMedia?.('(pointer: coarse)').matches;
}

export function DocumentsPanel({
  caseId,
  canUpload,
  canRemove,
}: {
  caseId: string;
  canUpload: boolean;
  canRemove: boolean;
}) {
  const { t, f } = useI18n();
  const category = useDocumentCategory();
  const docs = useResource<{ items: CaseDocument[] }>(`/cases/${caseId}/documents`);
  const [error, setError] = useState<unknown>(null);
  const [removing, setRemoving] = useState<string | null>(null);

  const remove = async (id: string, reason: string) => {
    setError(null);
    try {
      await api(`/documents/${id}`, { method: 'DELETE', body: { reason } });
      setRemoving(null);
      docs.reload();
    } catch (err) {
      setError(err);
    }
  };
  const save = async (d: CaseDocument) => {
    setError(null);
    try {
      await download(`/documents/${d.id}/content`, documentFileName(d));
    } catch (err) {
      setError(err);
    }
  };

  const items = docs.data?.items ?? [];
  return (
    <div className="panel" id="sec-documents">
      <h2>{t('case.documents')}</h2>
      <p className="muted small">{t('doc.hint')}</p>
      {docs.loading ? (
        <p role="status">{t('common.loading')}</p>
      ) : items.length === 0 ? (
        <p className="muted">{t('common.empty')}</p>
      ) : (
        <ul className="documents" data-testid="documents">
          {items.map((d) => (
            <li key={d.id} className={d.removed_at ? 'document removed' : 'document'}>
              <div className="row wrap">
                <strong translate="no">{d.title}</strong>
                {d.removed_at && <span className="badge ended">{t('doc.removed')}</span>}
              </div>
              <p className="muted small">
                {category(d.category)} · {f.dateTime(d.uploaded_at)} · {sizeText(d.size, f.number)}
                {d.removed_at && ` · ${t('doc.removedAt')} ${f.dateTime(d.removed_at)}`}
              </p>
              {!d.removed_at && (
                <div className="row wrap">
                  <RowButton label={t('doc.download')} subject={d.title} personal onClick={() => void save(d)} />
                  {canRemove && removing !== d.id && (
                    <RowButton label={t('doc.remove')} subject={d.title} personal onClick={() => setRemoving(d.id)} />
                  )}
                </div>
              )}
              {removing === d.id && (
                <ReasonForm
                  label={t('doc.removeReason')}
                  submit={t('doc.removeConfirm')}
                  required
                  maxLength={2000}
                  onSubmit={(reason) => void remove(d.id, reason)}
                  onCancel={() => setRemoving(null)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      {canUpload && <UploadForm caseId={caseId} onDone={docs.reload} />}
      <ErrorText error={error ?? docs.error} />
    </div>
  );
}

function sizeText(bytes: number, number: (n: number) => string): string {
  if (bytes < 1024 * 1024) return `${number(Math.max(1, Math.round(bytes / 1024)))} KB`;
  return `${number(Math.round((bytes / (1024 * 1024)) * 10) / 10)} MB`;
}

function UploadForm({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t } = useI18n();
  const category = useDocumentCategory();
  const [title, setTitle] = useState('');
  const [cat, setCat] = useState('identity');
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const options: Option[] = [...CATEGORIES, 'consent_form'].map((c) => ({ value: c, label: category(c) }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file || !title.trim()) return;
    setError(null);
    setDone(false);
    setProgress(0);
    try {
      await uploadDocument(caseId, title.trim(), cat, file, setProgress);
      setTitle('');
      setFile(null);
      formRef.current?.reset();
      setDone(true);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setProgress(null);
    }
  };
  const pick = (e: { target: HTMLInputElement }) => setFile(e.target.files?.[0] ?? null);
  return (
    <details className="form-block">
      <summary>{t('doc.add')}</summary>
      <form ref={formRef} onSubmit={submit} className="stack" data-testid="document-form">
        <div className="row wrap">
          <Input label={t('doc.title')} name="title" required maxLength={200} {...bind(title, setTitle)} />
          <Select label={t('doc.category')} name="category" options={options} {...bind(cat, setCat)} />
        </div>
        <label>
          {t('doc.file')}
          <input type="file" name="file" accept={DOCUMENT_ACCEPT} onChange={pick} aria-describedby="doc-file-hint" />
        </label>
        {hasCamera() && (
          <label>
            {t('doc.camera')}
            <input type="file" name="camera" accept="image/*" capture="environment" onChange={pick} />
          </label>
        )}
        <p className="muted small" id="doc-file-hint">
          {t('doc.fileHint')}
        </p>
        {progress !== null && (
          <progress max={1} value={progress} aria-label={t('doc.uploading')} data-testid="upload-progress" />
        )}
        <div>
          <button type="submit" disabled={!file || !title.trim() || progress !== null}>
            {t('doc.upload')}
          </button>
        </div>
        <Done show={done} text={t('doc.uploaded')} />
        <ErrorText error={error} />
      </form>
    </details>
  );
}
