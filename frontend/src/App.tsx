import {
  Suspense,
  createContext,
  lazy,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { useI18n, type Key } from './i18n';
import { LANGS, type Lang } from './i18n/dict';
import { api } from './lib/api';
import { linkTo, navigate, usePath } from './lib/router';
import type { Me, WorkList } from './lib/types';
import { getToken } from './auth/tokenStore';
import { logout, onSessionEnd, refresh, startSessionWatch } from './auth/session';
import { Login } from './screens/Login';

// Every screen but sign-in is loaded on demand, when it is first shown: the
// initial script holds React, the dictionaries, the shell and sign-in.
const PasswordChange = lazy(() => import('./screens/PasswordChange').then((m) => ({ default: m.PasswordChange })));
const CaseList = lazy(() => import('./screens/CaseList').then((m) => ({ default: m.CaseList })));
const CasePage = lazy(() => import('./screens/CasePage').then((m) => ({ default: m.CasePage })));
const NewCase = lazy(() => import('./screens/NewCase').then((m) => ({ default: m.NewCase })));
const Referrals = lazy(() => import('./screens/Referrals').then((m) => ({ default: m.Referrals })));
const Notifications = lazy(() => import('./screens/Notifications').then((m) => ({ default: m.Notifications })));
const MyWork = lazy(() => import('./screens/MyWork').then((m) => ({ default: m.MyWork })));
const Dashboard = lazy(() => import('./screens/Dashboard'));
const Report = lazy(() => import('./screens/Report'));
const Organizations = lazy(() => import('./screens/admin/Organizations'));
const Users = lazy(() => import('./screens/admin/Users'));
const Audit = lazy(() => import('./screens/Audit'));
const Activities = lazy(() => import('./screens/Activities'));
const SecondFactor = lazy(() => import('./screens/SecondFactor'));
const Hotline = lazy(() => import('./screens/Hotline'));

/** The roles with a work list in the navigation (a hotline's home stays the call screen, listed first). */
const WORK_HOME_ROLES: readonly string[] = ['caseworker', 'supervisor', 'hotline_operator', 'hotline_supervisor'];

/**
 * The navigation's sections and whether the account's permissions show them;
 * the first shown is the home screen. Users administration needs
 * `user.create` or `user.approve`: supervisors approve their organization's
 * accounts (four eyes) but create none. Caseworkers and supervisors start
 * at their work list.
 */
export function navEntries(can: (p: string) => boolean, role = ''): { path: string; label: Key; show: boolean }[] {
  return [
    { path: '/contacts', label: 'nav.contacts', show: can('contact.list') },
    { path: '/work', label: 'nav.work', show: can('work.list') && WORK_HOME_ROLES.includes(role) },
    { path: '/cases', label: 'nav.cases', show: can('case.list') },
    { path: '/cases/new', label: 'nav.newCase', show: can('case.create') },
    { path: '/referrals', label: 'nav.referrals', show: can('referral.list') },
    { path: '/activities', label: 'nav.activities', show: can('activity.list') },
    { path: '/dashboard', label: 'nav.dashboard', show: can('stats.read') },
    { path: '/report', label: 'nav.report', show: can('report.read') },
    { path: '/organizations', label: 'nav.organizations', show: can('organization.create') },
    { path: '/users', label: 'nav.users', show: can('user.create') || can('user.approve') },
    { path: '/audit', label: 'nav.audit', show: can('audit.read') },
    { path: '/notifications', label: 'nav.notifications', show: can('notification.list') },
  ];
}

type State = { kind: 'boot' } | { kind: 'signedOut'; idle?: boolean } | { kind: 'signedIn'; me: Me };

/**
 * The language picker. Signed in, the choice is also the account's (PATCH
 * /me), so it follows the person to another device; signed out, it stays on
 * this one.
 */
export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  const choose = (l: Lang) => {
    setLang(l);
    if (getToken()) void api('/me', { method: 'PATCH', body: { locale: l } }).catch(() => {});
  };
  return (
    <label className="lang">
      <span className="visually-hidden">{t('lang.label')}</span>
      <select
        value={lang}
        onChange={(e) => choose(e.target.value as Lang)}
        aria-label={t('lang.label')}
        data-testid="lang"
      >
        {LANGS.map((l) => (
          <option key={l} value={l}>
            {t(`lang.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function App() {
  const [state, setState] = useState<State>({ kind: 'boot' });
  const { setLang } = useI18n();
  const me = state.kind === 'signedIn' ? state.me : null;
  // Signed in, the app speaks the language the account chose (none chosen yet: the device's).
  useEffect(() => {
    if (me?.locale) setLang(me.locale);
  }, [me, setLang]);

  const loadMe = useCallback(async () => {
    try {
      const me = await api<Me>('/me');
      setState({ kind: 'signedIn', me });
    } catch {
      setState({ kind: 'signedOut' });
    }
  }, []);

  // On load: a valid refresh cookie restores the session.
  useEffect(() => {
    void refresh(true).then((ok) => (ok ? loadMe() : setState({ kind: 'signedOut' })));
  }, [loadMe]);

  useEffect(() => onSessionEnd((reason) => setState({ kind: 'signedOut', idle: reason === 'idle' })), []);
  useEffect(() => (state.kind === 'signedIn' ? startSessionWatch() : undefined), [state.kind]);

  if (state.kind === 'boot') return <Boot />;
  if (state.kind === 'signedOut') return <Login idle={state.idle} onSignedIn={loadMe} />;
  if (state.me.must_change_password) {
    return (
      <Suspense fallback={<Boot />}>
        <PasswordChange onDone={loadMe} />
      </Suspense>
    );
  }
  if (state.me.mfa_required && !state.me.mfa_enabled) {
    return (
      <Suspense fallback={<Boot />}>
        <SecondFactor me={state.me} onDone={loadMe} standalone />
      </Suspense>
    );
  }
  return <Shell me={state.me} reload={loadMe} />;
}

function Boot() {
  const { t } = useI18n();
  return (
    <main className="center">
      <p role="status">{t('common.loading')}</p>
    </main>
  );
}

/** The navigation's counts: tasks waiting and unread notifications (null: not known). */
interface Counts {
  work: number | null;
  unread: number | null;
}

const RefreshCounts = createContext<() => void>(() => {});

/** Asks the navigation to read its counts again, after a screen changed them. */
export function useRefreshCounts(): () => void {
  return useContext(RefreshCounts);
}

/**
 * Reads the navigation's counts when the page changes or the window gets the
 * focus, at most every 30 seconds, and when asked to. A failed read leaves the
 * count unknown (no badge).
 */
function useNavCounts(path: string, work: boolean, notifications: boolean) {
  const [counts, setCounts] = useState<Counts>({ work: null, unread: null });
  const last = useRef(0);
  const read = useCallback(async () => {
    last.current = Date.now();
    const [w, n] = await Promise.all([
      work
        ? api<WorkList>('/me/work').then(
            (x) => x.total,
            () => null,
          )
        : null,
      notifications
        ? api<{ unread_count?: number }>('/notifications?limit=1').then(
            (x) => x.unread_count ?? null,
            () => null,
          )
        : null,
    ]);
    setCounts({ work: w, unread: n });
  }, [work, notifications]);
  useEffect(() => {
    const stale = () => {
      if (Date.now() - last.current > 30_000) void read();
    };
    stale();
    window.addEventListener('focus', stale);
    return () => window.removeEventListener('focus', stale);
  }, [path, read]);
  const refresh = useCallback(() => void read(), [read]);
  const setWork = useCallback((n: number) => setCounts((c) => ({ ...c, work: n })), []);
  return { counts, refresh, setWork };
}

/**
 * After moving to another page (not on the first load), puts the focus on
 * the new page's main heading, once the screen has rendered it, so that a
 * screen reader announces the page and Tab continues from its top.
 */
function useFocusHeading(path: string) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const main = document.getElementById('main');
    if (!main) return;
    const focus = () => {
      // The page's own heading: while its screen loads, the one before stays hidden in the tree.
      const h = Array.from(main.querySelectorAll('h1')).find((x) => x.getClientRects().length > 0);
      if (!h) return false;
      if (!h.hasAttribute('tabindex')) h.setAttribute('tabindex', '-1');
      h.focus();
      return true;
    };
    if (focus()) return;
    const watch = new MutationObserver(() => {
      if (focus()) watch.disconnect();
    });
    watch.observe(main, { childList: true, subtree: true });
    const stop = setTimeout(() => watch.disconnect(), 10_000);
    return () => {
      watch.disconnect();
      clearTimeout(stop);
    };
  }, [path]);
}

/** A count beside a navigation entry, read out with what it counts ("Unread: 3"). */
function NavCount({ n, label }: { n: number | null; label: string }) {
  if (!n) return null;
  return (
    <span className="nav-count" data-testid="nav-count">
      <span aria-hidden="true">{n}</span>
      <span className="visually-hidden">{` (${label}: ${n})`}</span>
    </span>
  );
}

function Shell({ me, reload }: { me: Me; reload: () => void }) {
  const { t, tx, lang } = useI18n();
  const path = usePath();
  const can = (p: string) => me.permissions.includes(p);
  const nav = navEntries(can, me.role).map((n) => ({ ...n, label: t(n.label) }));
  const visible = nav.filter((n) => n.show);
  const shows = (p: string) => visible.some((n) => n.path === p);
  const { counts, refresh, setWork } = useNavCounts(path, shows('/work'), shows('/notifications'));
  const badge: Record<string, ReactNode> = {
    '/work': <NavCount n={counts.work} label={t('nav.workCount')} />,
    '/notifications': <NavCount n={counts.unread} label={t('nav.unreadCount')} />,
  };

  useFocusHeading(path);
  // On a phone the navigation folds behind a menu button; moving to a page folds it again.
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [path]);
  const waiting = (counts.work ?? 0) + (counts.unread ?? 0);

  useEffect(() => {
    if (path === '/' || path === '/login' || path === '/password') {
      if (visible.length > 0) navigate(visible[0].path, true);
    }
  }, [path, visible]);

  let content: ReactNode;
  const caseMatch = /^\/cases\/([0-9a-f-]{36})$/.exec(path);
  const referralMatch = /^\/referrals\/([0-9a-f-]{36})$/.exec(path);
  if (path === '/work' && shows('/work')) content = <MyWork onLoaded={setWork} />;
  else if (path === '/contacts' && can('contact.list')) content = <Hotline />;
  else if (path === '/cases' && can('case.list')) content = <CaseList canCreate={can('case.create')} />;
  else if (path === '/cases/new' && can('case.create')) content = <NewCase />;
  else if (caseMatch && can('case.read')) content = <CasePage id={caseMatch[1]} me={me} />;
  else if (path === '/referrals' && can('referral.list')) content = <Referrals canRespond={can('referral.respond')} />;
  else if (referralMatch && can('referral.list'))
    content = <Referrals key={referralMatch[1]} canRespond={can('referral.respond')} focus={referralMatch[1]} />;
  else if (path === '/notifications' && can('notification.list')) content = <Notifications />;
  else if (path === '/dashboard' && visible.some((n) => n.path === '/dashboard')) content = <Dashboard me={me} />;
  else if (path === '/report' && can('report.read')) content = <Report me={me} />;
  else if (path === '/organizations' && can('organization.create')) content = <Organizations />;
  else if (path === '/users' && (can('user.create') || can('user.approve'))) content = <Users me={me} />;
  else if (path === '/activities' && can('activity.list')) content = <Activities canCreate={can('activity.create')} />;
  else if (path === '/audit' && can('audit.read')) content = <Audit canVerify={can('audit.verify')} />;
  else if (path === '/security') content = <SecondFactor key={String(me.mfa_enabled)} me={me} onDone={reload} />;
  else
    content = (
      <section>
        <h1>{t('home.welcome')}</h1>
        {visible.length === 0 && <p>{t('home.noSections')}</p>}
      </section>
    );

  const active = (p: string) =>
    p === '/cases'
      ? path === '/cases' || (path.startsWith('/cases/') && path !== '/cases/new')
      : path === p || (p === '/referrals' && path.startsWith('/referrals/'));
  return (
    <div className="shell">
      <a className="skip" href="#main">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="brand-name">{t('app.name')}</span>
          <span className="brand-org">{me.organization.name[lang] || me.organization.code}</span>
        </div>
        <button
          type="button"
          className="menu-toggle secondary"
          aria-expanded={menu}
          aria-controls="nav-panel"
          onClick={() => setMenu(!menu)}
          data-testid="menu-toggle"
        >
          {t('nav.menu')}
          <NavCount n={waiting} label={t('nav.waitingCount')} />
        </button>
        <div id="nav-panel" className={menu ? 'nav-panel open' : 'nav-panel'}>
          <nav aria-label={t('nav.main')} className="mainnav">
            <ul>
              {visible.map((n) => (
                <li key={n.path}>
                  <a href={n.path} onClick={linkTo(n.path)} aria-current={active(n.path) ? 'page' : undefined}>
                    {n.label}
                    {badge[n.path]}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <div className="userbox">
            <LanguageSwitch />
            <span className="username" translate="no">
              {me.name} <span className="muted-inv">({tx('role', me.role)})</span>
            </span>
            <a href="/security" onClick={linkTo('/security')} aria-current={path === '/security' ? 'page' : undefined}>
              {t('nav.security')}
            </a>
            <button type="button" className="secondary" onClick={() => void logout('user')}>
              {t('nav.signOut')}
            </button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <RefreshCounts.Provider value={refresh}>
          <Suspense fallback={<p role="status">{t('common.loading')}</p>}>{content}</Suspense>
        </RefreshCounts.Provider>
      </main>
    </div>
  );
}
