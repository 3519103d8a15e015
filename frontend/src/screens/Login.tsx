import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';
import { LanguageSwitch } from '../App';
import { AuthError, completeMfa, login } from '../auth/session';

export function Login({ idle, onSignedIn }: { idle?: boolean; onSignedIn: () => void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // The second step's token lives in this component's memory only.
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const failure = (err: unknown, wrong: string) =>
    err instanceof AuthError && err.status === 429
      ? t('login.throttled')
      : // 403: the account awaits a second person's approval.
        err instanceof AuthError && err.status === 403
        ? t('login.pending')
        : err instanceof AuthError && err.status < 500
          ? wrong
          : t('common.error');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const step = await login(email.trim(), password);
      setPassword('');
      if (step.done) onSignedIn();
      else setMfaToken(step.mfaToken);
    } catch (err) {
      setError(failure(err, t('login.failed')));
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
        {mfaToken ? (
          <CodeStep
            mfaToken={mfaToken}
            failure={failure}
            onSignedIn={onSignedIn}
            onRestart={() => {
              setMfaToken(null);
              setError(null);
            }}
          />
        ) : (
          <>
            <h2>{t('login.title')}</h2>
            {idle && (
              <p className="notice" role="status">
                {t('login.idle')}
              </p>
            )}
            <form onSubmit={submit} className="stack">
              <label>
                {t('login.email')}
                <input
                  type="email"
                  name="email"
                  autoComplete="username"
                  required
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                />
              </label>
              <label>
                {t('login.password')}
                <input
                  type="password"
                  name="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              </label>
              {error && (
                <p className="error" role="alert">
                  {error}
                </p>
              )}
              <button type="submit" disabled={busy}>
                {t('login.submit')}
              </button>
            </form>
          </>
        )}
      </div>
    </main>
  );
}

/** The second step of a sign-in: a code from the authenticator app, or a recovery code. */
function CodeStep({
  mfaToken,
  failure,
  onSignedIn,
  onRestart,
}: {
  mfaToken: string;
  failure: (err: unknown, wrong: string) => string;
  onSignedIn: () => void;
  onRestart: () => void;
}) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await completeMfa(mfaToken, code.trim());
      onSignedIn();
    } catch (err) {
      setCode('');
      setError(failure(err, t('mfa.codeFailed')));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h2>{t('mfa.signInTitle')}</h2>
      <p>{t('mfa.signInExplain')}</p>
      <form onSubmit={submit} className="stack">
        <label>
          {t('mfa.code')}
          <input
            name="code"
            autoComplete="one-time-code"
            inputMode="text"
            required
            autoFocus
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="row">
          <button type="submit" disabled={busy}>
            {t('mfa.verify')}
          </button>
          <button type="button" className="secondary" onClick={onRestart}>
            {t('mfa.back')}
          </button>
        </div>
      </form>
    </>
  );
}
