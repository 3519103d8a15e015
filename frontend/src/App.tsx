import { Suspense, lazy, useCallback, useEffect, useState, type ReactNode } from 'react';
import { useI18n, type Key } from './i18n';
import { LANGS, type Lang } from './i18n/dict';
import { api } from './lib/api';
import { linkTo, navigate, usePath } from './lib/router';
import type { Me } from './lib/types';
import { logout, onSessionEnd, refresh, startSessionWatch } from './auth/session';
import { Login } from './screens/Login';
import { PasswordChange } from './screens/PasswordChange';
import { CaseList } from './screens/CaseList';
import { CasePage } from './screens/CasePage';
import { NewCase } from './screens/NewCase';
import { Referrals } from './screens/Referrals';
import { Notifications } from './screens/Notifications';

// Screens for coordinators, supervisors' reports, activities, administration and audit
// are loaded on demand, keeping the initial script small.
const Dashboard = lazy(() => import('./screens/Dashboard'));
const Report = lazy(() => import('./screens/Report'));
const Organizations = lazy(() => import('./screens/admin/Organizations'));
const Users = lazy(() => import('./screens/admin/Users'));
const Audit = lazy(() => import('./screens/Audit'));
const Activities = lazy(() => import('./screens/Activities'));
const SecondFactor = lazy(() => import('./screens/SecondFactor'));

/**
 * The navigation's sections and whether the account's permissions show them.
 * Users administration needs `user.create` or `user.approve`: supervisors
 * approve their organization's accounts (four eyes) but create none.
 */
export function navEntries(can: (p: string) => boolean): { path: string; label: Key; show: boolean }[] {
  return [
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

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang">
      <span className="visually-hidden">{t('lang.label')}</span>
      <select
        value={lang}
        onChange={(e) => setLang(e.target.value as Lang)}
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
  if (state.me.must_change_password) return <PasswordChange onDone={loadMe} />;
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

function Shell({ me, reload }: { me: Me; reload: () => void }) {
  const { t, tx, lang } = useI18n();
  const path = usePath();
  const can = (p: string) => me.permissions.includes(p);
  const nav = navEntries(can).map((n) => ({ ...n, label: t(n.label) }));
  const visible = nav.filter((n) => n.show);

  useEffect(() => {
    if (path === '/' || path === '/login' || path === '/password') {
      if (visible.length > 0) navigate(visible[0].path, true);
    }
  }, [path, visible]);

  let content: ReactNode;
  const caseMatch = /^\/cases\/([0-9a-f-]{36})$/.exec(path);
  if (path === '/cases' && can('case.list')) content = <CaseList canCreate={can('case.create')} />;
  else if (path === '/cases/new' && can('case.create')) content = <NewCase />;
  else if (caseMatch && can('case.read')) content = <CasePage id={caseMatch[1]} me={me} />;
  else if (path === '/referrals' && can('referral.list')) content = <Referrals canRespond={can('referral.respond')} />;
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
    p === '/cases' ? path === '/cases' || (path.startsWith('/cases/') && path !== '/cases/new') : path === p;
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
        <nav aria-label={t('nav.main')} className="mainnav">
          <ul>
            {visible.map((n) => (
              <li key={n.path}>
                <a href={n.path} onClick={linkTo(n.path)} aria-current={active(n.path) ? 'page' : undefined}>
                  {n.label}
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
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p role="status">{t('common.loading')}</p>}>{content}</Suspense>
      </main>
    </div>
  );
}
