// The access token lives in this module's memory only: never in
// localStorage, sessionStorage, cookies readable by scripts, or URLs.

export interface AccessToken {
  token: string;
  /** Milliseconds since the epoch when the token expires. */
  expiresAt: number;
}

type Listener = (t: AccessToken | null) => void;

let current: AccessToken | null = null;
const listeners = new Set<Listener>();

export function getToken(): AccessToken | null {
  return current;
}

export function setToken(token: string, expiresInSeconds: number, now: number = Date.now()): AccessToken {
  current = { token, expiresAt: now + expiresInSeconds * 1000 };
  listeners.forEach((l) => l(current));
  return current;
}

/** Adopts a token another tab obtained (it carries its absolute expiry). */
export function adoptToken(t: AccessToken): void {
  if (current && current.expiresAt >= t.expiresAt) return;
  current = { ...t };
  listeners.forEach((l) => l(current));
}

export function clearToken(): void {
  current = null;
  listeners.forEach((l) => l(null));
}

/** Whether the token is missing or expires within marginMs. */
export function needsRefresh(marginMs: number, now: number = Date.now()): boolean {
  return !current || current.expiresAt - now <= marginMs;
}

export function onTokenChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
