// One resource of the API read for a screen: fetched again when its path
// changes; an answer that comes after the path changed (or the screen left)
// is dropped.
import { useCallback, useEffect, useState } from 'react';
import { api } from './api';

export interface Resource<T> {
  /** The answer; null while loading and after an error. */
  data: T | null;
  error: unknown;
  loading: boolean;
  /** Reads the resource again. */
  reload: () => void;
}

/** Reads `path` (none when null). */
export function useResource<T>(path: string | null): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setData(null);
    setError(null);
    setLoading(true);
    api<T>(path)
      .then(
        (x) => {
          if (live) setData(x);
        },
        (e) => {
          if (live) setError(e);
        },
      )
      .finally(() => {
        if (live) setLoading(false);
      });
    return () => {
      live = false;
    };
  }, [path, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data, error, loading, reload };
}
