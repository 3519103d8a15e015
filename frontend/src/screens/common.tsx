import { useI18n, type Key } from '../i18n';
import { ApiError } from '../lib/api';

export function errorKey(e: unknown): Key {
  if (e instanceof ApiError) {
    if (e.status === 403) return 'common.forbidden';
    if (e.status === 404) return 'common.notFound';
    if (e.status === 409) return 'common.conflict';
  }
  return 'common.error';
}

export function ErrorText({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  return <p className="error" role="alert">{t(errorKey(error))}</p>;
}

export function StageBadge({ stage }: { stage: string }) {
  const { tx } = useI18n();
  return <span className={`badge stage-${stage}`}>{tx('stage', stage)}</span>;
}

export function RiskBadge({ risk }: { risk: string | null | undefined }) {
  const { tx } = useI18n();
  if (!risk) return <span>—</span>;
  return <span className={`badge risk-${risk}`}>{tx('risk', risk)}</span>;
}
