// Sign-in, refresh and sign-out in cookie mode: the refresh token is an
// httpOnly cookie the scripts never see; the access token is kept in memory
// (tokenStore). A refresh runs once for all tabs: it holds a Web Lock, and
// the new access token is shared with the other tabs over a BroadcastChannel,
// so a spent refresh token is never presented twice.
import { adoptToken, clearToken, getToken, needsRefresh, setToken, type AccessToken } from './tokenStore';

const CHANNEL = 'jardam-session';
const LOCK = 'jardam-refresh';
/** Refresh this long before the access token expires. */
export const REFRESH_MARGIN_MS = 60_000;
/** Sign out after this long without activity in any tab. */
export const IDLE_LIMIT_MS = 15 * 60_000;

type Message =
  | { type: 'token'; token: AccessToken }
  | { type: 'logout'; reason: 'user' | 'idle' }
  | { type: 'activity'; at: number };

const channel: BroadcastChannel | null = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
type EndListener = (reason: 'user' | 'idle' | 'expired') => void;
const endListeners = new Set<EndListener>();
let lastActivity = Date.now();

channel?.addEventListener('message', (ev: MessageEvent<Message>) => {
  const m = ev.data;
  if (m.type === 'token') adoptToken(m.token);
  else if (m.type === 'logout') {
    clearToken();
    endListeners.forEach((l) => l(m.reason));
  } else if (m.type === 'activity') lastActivity = Math.max(lastActivity, m.at);
});

export function onSessionEnd(l: EndListener): () => void {
  endListeners.add(l);
  return () => endListeners.delete(l);
}

export class AuthError extends Error {
  constructor(public status: number) {
    super(`auth ${status}`);
  }
}

interface TokenResponse {
  access_token: string;
  expires_in: number;
}

async function postAuth(path: string, body: unknown): Promise<Response> {
  return fetch(`/api/v1/auth/${path}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-Refresh-Cookie': '1' },
    body: JSON.stringify(body),
  });
}

interface MfaChallenge {
  mfa_required: true;
  mfa_token: string;
}

/** What a right password gives: signed in, or a code still due. */
export type LoginStep = { done: true } | { done: false; mfaToken: string };

function adopt(data: TokenResponse): void {
  const t = setToken(data.access_token, data.expires_in);
  channel?.postMessage({ type: 'token', token: t } satisfies Message);
  lastActivity = Date.now();
}

/**
 * Signs in with e-mail and password. For an account with a second factor
 * the answer is a short-lived token to finish with completeMfa; it is kept
 * in memory only.
 */
export async function login(email: string, password: string): Promise<LoginStep> {
  const res = await postAuth('login', { email, password });
  if (!res.ok) throw new AuthError(res.status);
  const data = (await res.json()) as TokenResponse | MfaChallenge;
  if ('mfa_required' in data && data.mfa_required) return { done: false, mfaToken: data.mfa_token };
  adopt(data as TokenResponse);
  return { done: true };
}

/** Finishes a sign-in with a TOTP code or a recovery code. */
export async function completeMfa(mfaToken: string, code: string): Promise<void> {
  const res = await postAuth('mfa', { mfa_token: mfaToken, code });
  if (!res.ok) throw new AuthError(res.status);
  adopt((await res.json()) as TokenResponse);
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks) return locks.request(LOCK, fn) as Promise<T>;
  return fn();
}

let inFlight: Promise<boolean> | null = null;

/**
 * Gets a fresh access token unless this or another tab already did.
 * Resolves false when the session is over (no valid refresh cookie).
 */
export function refresh(force = false): Promise<boolean> {
  if (inFlight) return inFlight;
  const before = getToken()?.token;
  inFlight = withLock(async () => {
    // Another tab may have refreshed while we waited for the lock.
    const now = getToken();
    if (now && now.token !== before && !needsRefresh(REFRESH_MARGIN_MS)) return true;
    if (!force && now && !needsRefresh(REFRESH_MARGIN_MS)) return true;
    const res = await postAuth('refresh', {});
    if (!res.ok) {
      clearToken();
      return false;
    }
    const data = (await res.json()) as TokenResponse;
    const t = setToken(data.access_token, data.expires_in);
    channel?.postMessage({ type: 'token', token: t } satisfies Message);
    return true;
  }).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

export async function logout(reason: 'user' | 'idle' = 'user'): Promise<void> {
  const t = getToken();
  try {
    await fetch('/api/v1/auth/logout', {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'Content-Type': 'application/json',
        'X-Refresh-Cookie': '1',
        ...(t ? { Authorization: `Bearer ${t.token}` } : {}),
      },
      body: '{}',
    });
  } catch {
    /* signed out locally regardless */
  }
  clearToken();
  channel?.postMessage({ type: 'logout', reason } satisfies Message);
  endListeners.forEach((l) => l(reason));
}

let timers: number[] = [];
let activityHandler: (() => void) | null = null;
let lastBroadcast = 0;

/** Starts the refresh timer and the idle watch; returns a stop function. */
export function startSessionWatch(): () => void {
  stopSessionWatch();
  lastActivity = Date.now();
  activityHandler = () => {
    const now = Date.now();
    lastActivity = now;
    if (now - lastBroadcast > 30_000) {
      lastBroadcast = now;
      channel?.postMessage({ type: 'activity', at: now } satisfies Message);
    }
  };
  for (const ev of ['pointerdown', 'keydown', 'scroll', 'touchstart'])
    window.addEventListener(ev, activityHandler, { passive: true });
  timers.push(
    window.setInterval(() => {
      if (Date.now() - lastActivity >= IDLE_LIMIT_MS) {
        void logout('idle');
        return;
      }
      if (getToken() && needsRefresh(REFRESH_MARGIN_MS)) {
        void refresh().then((ok) => {
          if (!ok) endListeners.forEach((l) => l('expired'));
        });
      }
    }, 10_000),
  );
  return stopSessionWatch;
}

export function stopSessionWatch(): void {
  timers.forEach((t) => window.clearInterval(t));
  timers = [];
  if (activityHandler) {
    for (const ev of ['pointerdown', 'keydown', 'scroll', 'touchstart'])
      window.removeEventListener(ev, activityHandler);
    activityHandler = null;
  }
}
