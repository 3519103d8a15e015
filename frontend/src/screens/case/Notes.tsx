import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api } from '../../lib/api';
import { LoadMore, usePagedList } from '../../lib/paged';
import type { Note } from '../../lib/types';
import { ErrorText, useIdempotencyKey } from '../common';
import { bind, TextArea } from '../form';

export function NotesPanel({ caseId, canCreate }: { caseId: string; canCreate: boolean }) {
  const { t, f } = useI18n();
  const list = usePagedList<Note>(`/cases/${caseId}/notes`, { limit: 100 });
  const { items, error, setError } = list;
  const [text, setText] = useState('');
  const [key, nextKey] = useIdempotencyKey();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    setError(null);
    try {
      await api(`/cases/${caseId}/notes`, { method: 'POST', body: { text }, headers: { 'Idempotency-Key': key } });
      nextKey();
      setText('');
      await list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="panel" id="sec-notes">
      <h2>{t('case.notes')}</h2>
      <p className="muted small">{t('case.notesHint')}</p>
      {items.length === 0 ? (
        <p className="muted">{t('common.empty')}</p>
      ) : (
        <ul className="notes">
          {items.map((n) => (
            <li key={n.id}>
              <span className="muted small">{f.dateTime(n.created_at)}</span>
              <p translate="no">{n.text}</p>
            </li>
          ))}
        </ul>
      )}
      <LoadMore list={list} />
      {canCreate && (
        <form onSubmit={submit} className="stack">
          <TextArea label={t('case.noteText')} name="note" rows={3} maxLength={20000} {...bind(text, setText)} />
          <div>
            <button type="submit">{t('case.addNote')}</button>
          </div>
        </form>
      )}
      <ErrorText error={error} />
    </div>
  );
}
