// Paged lists: the API answers `{items, next_cursor}`; a screen shows the
// first page and loads the next ones on demand.
import { useCallback, useEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { useI18n } from '../i18n';
import { api, type Page } from './api';

/** `path` with `limit` and, when given, `cursor` added to its query. */
export function pagePath(path: string, limit: number, cursor: string | null): string {
  const sep = path.includes('?') ? '&' : '?';
  return `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
}

/** Every item of a paged list, page after page. */
export async function fetchAll<T>(path: string, limit = 200): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const p: Page<T> = await api<Page<T>>(pagePath(path, limit, cursor));
    out.push(...p.items);
    cursor = p.next_cursor;
  } while (cursor);
  return out;
}

export interface PagedList<T> {
  items: T[];
  /** Replaces items in place (after an action on one of them). */
  setItems: Dispatch<SetStateAction<T[]>>;
  loading: boolean;
  error: unknown;
  setError: (e: unknown) => void;
  /** Whether the server has more pages. */
  more: boolean;
  /** Loads the next page and appends it. */
  loadMore: () => void;
  /** Loads the first page again. */
  reload: () => Promise<void>;
}

export interface PagedOptions {
  limit?: number;
  /** Handles an error of a page; returning true keeps it from `error`. */
  onError?: (e: unknown) => boolean;
}

/**
 * A paged list read from `path` (with its filters in the query; null reads
 * nothing). A new path starts again from the first page; an answer to an
 * older path is dropped.
 */
export function usePagedList<T>(path: string | null, { limit = 50, onError }: PagedOptions = {}): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(path != null);
  const [error, setError] = useState<unknown>(null);
  const current = useRef(path);
  const handle = useRef(onError);
  handle.current = onError;

  const load = useCallback(
    async (after: string | null) => {
      if (path == null) return;
      current.current = path;
      setLoading(true);
      setError(null);
      try {
        const page = await api<Page<T>>(pagePath(path, limit, after));
        if (current.current !== path) return;
        setItems((prev) => (after ? [...prev, ...page.items] : page.items));
        setCursor(page.next_cursor);
      } catch (e) {
        if (current.current !== path) return;
        if (!handle.current?.(e)) setError(e);
      } finally {
        if (current.current === path) setLoading(false);
      }
    },
    [path, limit],
  );
  useEffect(() => {
    setCursor(null);
    void load(null);
  }, [load]);
  const loadMore = useCallback(() => void load(cursor), [load, cursor]);
  const reload = useCallback(() => load(null), [load]);

  return {
    items,
    setItems,
    loading,
    error,
    setError,
    more: cursor != null,
    loadMore,
    reload,
  };
}

/** The end of a paged list: "Loading…" while a page loads, else "Load more" while more pages wait. */
export function LoadMore({ list }: { list: Pick<PagedList<unknown>, 'loading' | 'more' | 'loadMore'> }) {
  const { t } = useI18n();
  if (list.loading) return <p role="status">{t('common.loading')}</p>;
  if (!list.more) return null;
  return (
    <button type="button" className="secondary" onClick={list.loadMore}>
      {t('common.loadMore')}
    </button>
  );
}
