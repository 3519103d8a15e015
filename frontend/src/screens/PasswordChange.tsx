import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';
import { AuthCard } from './Login';
import { api } from '../lib/api';
import { logout } from '../auth/session';
import { ErrorText } from './common';
import { Alert, bind, FormButtons, Input, newPasswordProps } from './form';

export function PasswordChange({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const newPassword = { ...newPasswordProps(t('password.rule')), required: true };

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
    <AuthCard title={t('password.title')}>
      <p>{t('password.explain')}</p>
      <form onSubmit={submit} className="stack">
        <Input
          label={t('password.current')}
          type="password"
          autoComplete="current-password"
          required
          {...bind(current, setCurrent)}
        />
        <Input label={t('password.new')} {...newPassword} {...bind(next, setNext)} />
        <Input label={t('password.confirm')} {...newPassword} {...bind(confirm, setConfirm)} />
        <Alert text={mismatch && t('password.mismatch')} />
        <ErrorText error={error} />
        <FormButtons
          submit={t('password.submit')}
          busy={busy}
          other={{ label: t('nav.signOut'), onClick: () => void logout('user') }}
        />
      </form>
    </AuthCard>
  );
}
