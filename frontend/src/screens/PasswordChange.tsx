import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';
import { LanguageSwitch } from '../App';
import { api } from '../lib/api';
import { logout } from '../auth/session';
import { ErrorText } from './common';

export function PasswordChange({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (next !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    setBusy(true);
    try {
      await api('/me/password', { method: 'POST', body: { current_password: current, new_password: next } });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="center">
      <div className="card narrow">
        <div className="card-head">
          <h1>{t('password.title')}</h1>
          <LanguageSwitch />
        </div>
        <p>{t('password.explain')}</p>
        <form onSubmit={submit} className="stack">
          <label>
            {t('password.current')}
            <input
              type="password"
              autoComplete="current-password"
              required
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          </label>
          <label>
            {t('password.new')}
            <input
              type="password"
              autoComplete="new-password"
              required
              minLength={12}
              value={next}
              onChange={(e) => setNext(e.target.value)}
            />
          </label>
          <label>
            {t('password.confirm')}
            <input
              type="password"
              autoComplete="new-password"
              required
              minLength={12}
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
            />
          </label>
          {mismatch && (
            <p className="error" role="alert">
              {t('password.mismatch')}
            </p>
          )}
          <ErrorText error={error} />
          <div className="row">
            <button type="submit" disabled={busy}>
              {t('password.submit')}
            </button>
            <button type="button" className="secondary" onClick={() => void logout('user')}>
              {t('nav.signOut')}
            </button>
          </div>
        </form>
      </div>
    </main>
  );
}
