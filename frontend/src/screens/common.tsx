import { useState, type ReactNode } from 'react';
import { useI18n, type Key } from '../i18n';
import { ApiError, newIdempotencyKey } from '../lib/api';
import { useOrganizations } from '../lib/refdata';

export function errorKey(e: unknown): Key {
  if (e instanceof ApiError) {
    if (e.status === 403) return 'common.forbidden';
    if (e.status === 404) return 'common.notFound';
    if (e.status === 409) return 'common.conflict';
    if (e.status === 400 || e.status === 422) return 'common.invalid';
    if (e.status === 412 || e.status === 428) return 'common.stale';
    if (e.status === 429) return 'common.throttled';
  }
  return 'common.error';
}

export function ErrorText({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {t(errorKey(error))}
    </p>
  );
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

/** Shared by the case panels: a fresh Idempotency-Key per submitted form. */
export function useIdempotencyKey(): [string, () => void] {
  const [key, setKey] = useState(newIdempotencyKey);
  return [key, () => setKey(newIdempotencyKey())];
}

/** The organization's name in the current language, or its code. */
export function useOrgName(): (id: string | null | undefined) => string {
  const orgs = useOrganizations();
  const { lang } = useI18n();
  return (id) => {
    if (!id) return '—';
    const o = orgs.find((x) => x.id === id);
    return o ? o.name[lang] || o.code : '…';
  };
}

/** A column of a Table: its label's key, and whether it holds numbers. */
export type Column = Key | { key: Key; num: true };

/**
 * A table that scrolls sideways on narrow screens, with a header row of
 * column labels; `actions` adds a last column, labelled for screen readers
 * only, for the row's buttons. The children are its rows.
 */
export function Table({
  testId,
  className,
  cols,
  actions,
  children,
}: {
  testId?: string;
  className?: string;
  cols: Column[];
  actions?: boolean;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <div className="table-wrap" tabIndex={0}>
      <table data-testid={testId} className={className}>
        <thead>
          <tr>
            {cols.map((c) =>
              typeof c === 'string' ? (
                <th scope="col" key={c}>
                  {t(c)}
                </th>
              ) : (
                <th scope="col" key={c.key} className="num">
                  {t(c.key)}
                </th>
              ),
            )}
            {actions && (
              <th scope="col">
                <span className="visually-hidden">{t('ref.actions')}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
