import { useState, type FormEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n';
import { LanguageSwitch } from '../App';
import { AuthError, completeMfa, login } from '../auth/session';
import { Alert, bind, FormButtons, Input } from './form';

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
    <AuthCard title={t('app.name')}>
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
            <Input
              label={t('login.email')}
              type="email"
              name="email"
              autoComplete="username"
              required
              {...bind(email, setEmail)}
            />
            <Input
              label={t('login.password')}
              type="password"
              name="password"
              autoComplete="current-password"
              required
              {...bind(password, setPassword)}
            />
            <Alert text={error} />
            <button type="submit" disabled={busy}>
              {t('login.submit')}
            </button>
          </form>
        </>
      )}
    </AuthCard>
  );
}

/** The card of the screens before the app: sign-in, password change, second factor. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="center">
      <div className="card narrow">
        <div className="card-head">
          <h1>{title}</h1>
          <LanguageSwitch />
        </div>
        {children}
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
        <Input
          label={t('mfa.code')}
          name="code"
          autoComplete="one-time-code"
          inputMode="text"
          required
          autoFocus
          {...bind(code, setCode)}
        />
        <Alert text={error} />
        <FormButtons submit={t('mfa.verify')} busy={busy} other={{ label: t('mfa.back'), onClick: onRestart }} />
      </form>
    </>
  );
}
