import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n, type Key } from '../i18n';
import { ApiError, newIdempotencyKey } from '../lib/api';
import { useOrganizations } from '../lib/refdata';
import { reflectionState } from '../lib/domain';
import type { Case } from '../lib/types';

export function errorKey(e: unknown): Key {
  if (e instanceof ApiError) {
    if (e.status === 403) return 'common.forbidden';
    if (e.status === 404) return 'common.notFound';
    if (e.status === 409) return 'common.conflict';
    if (e.status === 400 || e.status === 422) return 'common.invalid';
    if (e.status === 412 || e.status === 428) return 'common.stale';
    if (e.status === 429) return 'common.throttled';
    if (e.status === 413) return 'doc.tooLarge';
    if (e.status === 415) return 'doc.unsupported';
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

/** The reflection period of a case: running until a day, or ended (nothing otherwise). */
export function ReflectionBadge({ c }: { c: Case }) {
  const { t, f } = useI18n();
  const state = reflectionState(c.reflection_ends_on, c.status, new Date());
  if (!state) return null;
  return (
    <span className={`badge reflection-${state}`} data-testid="reflection-badge">
      {t(state === 'running' ? 'case.reflectionUntil' : 'case.reflectionEnded')} {f.date(c.reflection_ends_on)}
    </span>
  );
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

/**
 * A column of a Table: its label's key, or a label of its own (`text`, with
 * an `id` for React); `num` for numbers, `hidden` for a label read by screen
 * readers only.
 */
export type Column =
  | Key
  | { key: Key; num?: boolean; hidden?: boolean }
  | { text: ReactNode; id: string; num?: boolean; hidden?: boolean };

function HeaderCell({ col }: { col: Column }) {
  const { t } = useI18n();
  const c = typeof col === 'string' ? { key: col } : col;
  const text = 'text' in c ? c.text : t(c.key);
  return (
    <th scope="col" className={c.num ? 'num' : undefined}>
      {c.hidden ? <span className="visually-hidden">{text}</span> : text}
    </th>
  );
}

const colId = (c: Column) => (typeof c === 'string' ? c : 'text' in c ? c.id : c.key);

/**
 * Writes on each body and footer cell of a table the label of its column
 * (`data-label`, from the last header row, column spans counted), which a
 * phone shows beside the value when the rows become cards (styles.css).
 */
export function labelCells(table: HTMLTableElement): void {
  const head = table.tHead?.rows[table.tHead.rows.length - 1];
  if (!head) return;
  const labels: string[] = [];
  for (const th of Array.from(head.cells)) {
    const text = (th.textContent ?? '').trim();
    for (let i = 0; i < th.colSpan; i++) labels.push(text);
  }
  const rows = [
    ...Array.from(table.tBodies).flatMap((b) => Array.from(b.rows)),
    ...Array.from(table.tFoot?.rows ?? []),
  ];
  // Rows left to span, per column, of cells with rowSpan from rows above.
  const spanned: number[] = [];
  for (const tr of rows) {
    let col = 0;
    for (const cell of Array.from(tr.cells)) {
      while ((spanned[col] ?? 0) > 0) col++;
      const label = labels[col] ?? '';
      if (cell.dataset.label !== label) cell.dataset.label = label;
      for (let i = 0; i < cell.colSpan; i++) if (cell.rowSpan > 1) spanned[col + i] = cell.rowSpan;
      col += cell.colSpan;
    }
    for (let i = 0; i < spanned.length; i++) if (spanned[i] > 0) spanned[i]--;
  }
}

/**
 * A table with a header row of column labels; on a phone its rows become
 * cards, each value beside its column's label, so that nothing scrolls
 * sideways. `actions` adds a last column, labelled for screen readers
 * only, for the row's buttons. The children are its rows; `foot` its footer
 * rows. With `label` or `labelledBy` the box is a named region.
 */
export function Table({
  testId,
  className,
  cols,
  actions,
  caption,
  label,
  labelledBy,
  foot,
  children,
}: {
  testId?: string;
  className?: string;
  cols: Column[];
  actions?: boolean;
  caption?: ReactNode;
  label?: string;
  labelledBy?: string;
  foot?: ReactNode;
  children: ReactNode;
}) {
  const all: Column[] = actions ? [...cols, { key: 'ref.actions', hidden: true }] : cols;
  const ref = useRef<HTMLTableElement>(null);
  useLayoutEffect(() => {
    if (ref.current) labelCells(ref.current);
  });
  return (
    <div
      className="table-wrap"
      tabIndex={0}
      role={label || labelledBy ? 'region' : undefined}
      aria-label={label}
      aria-labelledby={labelledBy}
    >
      <table ref={ref} data-testid={testId} className={className}>
        {caption && <caption className="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            {all.map((c) => (
              <HeaderCell key={colId(c)} col={c} />
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
        {foot && <tfoot>{foot}</tfoot>}
      </table>
    </div>
  );
}

/**
 * Asks before an action that cannot be undone (closing a case, submitting a
 * report): a modal dialog that says what will happen, with the action's own
 * label on its confirming button. Escape or the cancelling button closes it
 * without acting.
 */
export function Confirm({
  open,
  title,
  text,
  confirm,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  text: string;
  confirm: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-text"
      data-testid="confirm"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id="confirm-title">{title}</h2>
      <p id="confirm-text">{text}</p>
      <div className="row wrap end">
        <button type="button" className="secondary" onClick={onCancel} data-testid="confirm-no" autoFocus>
          {t('common.cancel')}
        </button>
        <button type="button" onClick={onConfirm} data-testid="confirm-yes">
          {confirm}
        </button>
      </div>
    </dialog>
  );
}
