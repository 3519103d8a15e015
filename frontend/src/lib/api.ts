// The API client: JSON over fetch with the in-memory access token. A 401
// triggers one refresh and one retry.
import { getToken } from '../auth/tokenStore';
import { refresh } from '../auth/session';

export class ApiError extends Error {
  constructor(
    public status: number,
    public problem: { title?: string; detail?: string } | null,
  ) {
    super(`HTTP ${status}`);
  }
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

interface Options {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function api<T>(path: string, opts: Options = {}, retried = false): Promise<T> {
  const t = getToken();
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (t) headers.Authorization = `Bearer ${t.token}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, {
    method: opts.method ?? 'GET',
    headers,
    credentials: 'same-origin',
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  if (res.status === 401 && !retried) {
    if (await refresh(true)) return api<T>(path, opts, true);
  }
  if (!res.ok) {
    let problem = null;
    try {
      problem = await res.json();
    } catch {
      /* no body */
    }
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A query string from the set values only. Never pass personal data here. */
export function query(params: Record<string, string | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/**
 * Downloads a file with the bearer token in a header (never in the URL) and
 * saves it through a short-lived object URL, as `filename` or, when null,
 * under the name the server gives it (Content-Disposition).
 */
export async function download(path: string, filename: string | null, retried = false): Promise<void> {
  const t = getToken();
  const res = await fetch(`/api/v1${path}`, {
    headers: t ? { Authorization: `Bearer ${t.token}` } : {},
    credentials: 'same-origin',
  });
  if (res.status === 401 && !retried && (await refresh(true))) return download(path, filename, true);
  if (!res.ok) throw new ApiError(res.status, null);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename ?? /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? 'download';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Sends a multipart form with XMLHttpRequest, whose upload events report
 * progress (fetch has none): `onProgress` gets the share sent, 0 to 1. The
 * token goes in a header; a 401 refreshes once and sends again.
 */
export function upload<T>(
  path: string,
  form: FormData,
  onProgress: (share: number) => void,
  retried = false,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1${path}`);
    const t = getToken();
    if (t) xhr.setRequestHeader('Authorization', `Bearer ${t.token}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, null));
    xhr.onload = () => {
      if (xhr.status === 401 && !retried) {
        void refresh(true).then((ok) =>
          ok ? upload<T>(path, form, onProgress, true).then(resolve, reject) : reject(new ApiError(401, null)),
        );
        return;
      }
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* no body */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else reject(new ApiError(xhr.status, body));
    };
    xhr.send(form);
  });
}
