import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';
import { LanguageSwitch } from '../App';
import { AuthError, login } from '../auth/session';

export function Login({ idle, onSignedIn }: { idle?: boolean; onSignedIn: () => void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
      setPassword('');
      onSignedIn();
    } catch (err) {
      setError(err instanceof AuthError && err.status === 429 ? t('login.throttled') : err instanceof AuthError && err.status < 500 ? t('login.failed') : t('common.error'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="center">
      <div className="card narrow">
        <div className="card-head">
          <h1>{t('app.name')}</h1>
          <LanguageSwitch />
        </div>
        <p className="muted">{t('app.tagline')}</p>
        <h2>{t('login.title')}</h2>
        {idle && <p className="notice" role="status">{t('login.idle')}</p>}
        <form onSubmit={submit} className="stack">
          <label>{t('login.email')}
            <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label>{t('login.password')}
            <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          {error && <p className="error" role="alert">{error}</p>}
          <button type="submit" disabled={busy}>{t('login.submit')}</button>
        </form>
      </div>
    </main>
  );
}
