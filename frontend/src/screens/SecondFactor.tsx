import { useMemo, useState, type FormEvent } from 'react';
import qrcode from 'qrcode-generator';
import { useI18n } from '../i18n';
import { AuthCard } from './Login';
import { api, ApiError } from '../lib/api';
import type { Me } from '../lib/types';
import { logout } from '../auth/session';
import { bind, Input } from './form';
import { ErrorText } from './common';

interface Enrollment {
  secret: string;
  otpauth_url: string;
}

type Step = { kind: 'status' } | { kind: 'enrolling'; enrollment: Enrollment } | { kind: 'codes'; codes: string[] };

/**
 * The otpauth URL as a QR code, drawn here as SVG shapes (no image service,
 * no inline style, so the strict content security policy holds).
 */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { d, n } = useMemo(() => {
    const qr = qrcode(0, 'M');
    qr.addData(text);
    qr.make();
    const size = qr.getModuleCount();
    let path = '';
    for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) if (qr.isDark(r, c)) path += `M${c} ${r}h1v1h-1z`;
    return { d: path, n: size };
  }, [text]);
  return (
    <svg
      className="qr"
      viewBox={`-4 -4 ${n + 8} ${n + 8}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
      data-testid="mfa-qr"
    >
      <rect x={-4} y={-4} width={n + 8} height={n + 8} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

/** The account's second factor: enrollment with a QR code, confirmation, recovery codes shown once. */
export default function SecondFactor({ me, onDone, standalone }: { me: Me; onDone: () => void; standalone?: boolean }) {
  const { t } = useI18n();
  const [step, setStep] = useState<Step>({ kind: 'status' });
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = (fn: () => Promise<void>) => async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await fn();
      setCode('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const start = run(async () => {
    const enrollment = await api<Enrollment>('/me/mfa/totp', {
      method: 'POST',
      body: me.mfa_enabled ? { code: code.trim() } : {},
    });
    setStep({ kind: 'enrolling', enrollment });
  });
  const confirm = run(async () => {
    const r = await api<{ recovery_codes: string[] }>('/me/mfa/totp/confirm', {
      method: 'POST',
      body: { code: code.trim() },
    });
    setStep({ kind: 'codes', codes: r.recovery_codes });
  });
  const codeError =
    error instanceof ApiError && error.status === 400 ? (
      <p className="error" role="alert">
        {t('mfa.codeFailed')}
      </p>
    ) : (
      <ErrorText error={error} />
    );
  const codeField = (
    <Input label={t('mfa.code')} name="code" autoComplete="one-time-code" required {...bind(code, setCode)} />
  );

  let body;
  if (step.kind === 'codes') {
    body = (
      <>
        <p className="notice" role="status">
          {t('mfa.enabled')}
        </p>
        <p>{t('mfa.recoveryExplain')}</p>
        <ul className="recovery-codes" data-testid="recovery-codes" translate="no">
          {step.codes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
        <button type="button" onClick={onDone}>
          {t('mfa.savedCodes')}
        </button>
      </>
    );
  } else if (step.kind === 'enrolling') {
    body = (
      <>
        <p>{t('mfa.scan')}</p>
        <QrCode text={step.enrollment.otpauth_url} label={t('mfa.qrLabel')} />
        <p>
          {t('mfa.secretExplain')}{' '}
          <code className="secret" data-testid="mfa-secret" translate="no">
            {step.enrollment.secret}
          </code>
        </p>
        <form onSubmit={confirm} className="stack">
          {codeField}
          {codeError}
          <button type="submit" disabled={busy}>
            {t('mfa.confirm')}
          </button>
        </form>
      </>
    );
  } else {
    body = (
      <>
        <p data-testid="mfa-status">
          {me.mfa_enabled ? t('mfa.statusOn') : me.mfa_required ? t('mfa.required') : t('mfa.statusOff')}
        </p>
        <p>{t('mfa.explain')}</p>
        <form onSubmit={start} className="stack">
          {me.mfa_enabled && (
            <>
              <p>{t('mfa.reenrollExplain')}</p>
              {codeField}
            </>
          )}
          {codeError}
          <button type="submit" disabled={busy}>
            {me.mfa_enabled ? t('mfa.reenroll') : t('mfa.start')}
          </button>
        </form>
      </>
    );
  }

  if (!standalone)
    return (
      <section className="narrow">
        <h1>{t('mfa.title')}</h1>
        {body}
      </section>
    );
  return (
    <AuthCard title={t('mfa.title')}>
      {body}
      {step.kind !== 'codes' && (
        <div className="row">
          <button type="button" className="secondary" onClick={() => void logout('user')}>
            {t('nav.signOut')}
          </button>
        </div>
      )}
    </AuthCard>
  );
}
