// Accounts: system admins create admins, org admins, coordinators and
// auditors; an organization's admin creates its caseworkers and supervisors
// (the user service decides: internal/users). A password set here is one-time.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api, query, type Page } from '../../lib/api';
import { grantableRoles } from '../../lib/domain';
import { useOrganizations } from '../../lib/refdata';
import type { Me, User } from '../../lib/types';
import { ErrorText, useOrgName } from '../common';

export default function Users({ me }: { me: Me }) {
  const { t, tx, lang } = useI18n();
  const orgName = useOrgName();
  const orgs = useOrganizations();
  const isAdmin = me.role === 'admin';
  const [orgFilter, setOrgFilter] = useState('');
  const [items, setItems] = useState<User[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const roles = grantableRoles(me.role);

  const load = useCallback(async (after: string | null) => {
    setError(null);
    try {
      const p = await api<Page<User>>(`/users${query({ organization_id: orgFilter, limit: '100', cursor: after })}`);
      setItems((prev) => (after ? [...prev, ...p.items] : p.items));
      setCursor(p.next_cursor);
    } catch (e) { setError(e); }
  }, [orgFilter]);
  useEffect(() => { void load(null); }, [load]);

  return (
    <section>
      <div className="page-head">
        <h1>{t('users.title')}</h1>
        <button type="button" onClick={() => setEditing('new')}>{t('users.new')}</button>
      </div>
      <p className="muted">{t(isAdmin ? 'users.explainAdmin' : 'users.explainOrgAdmin')}</p>
      {isAdmin && (
        <div className="panel row wrap">
          <label>{t('users.organization')}
            <select value={orgFilter} onChange={(e) => setOrgFilter(e.target.value)}>
              <option value="">{t('common.all')}</option>
              {orgs.map((o) => <option key={o.id} value={o.id}>{o.name[lang] || o.code}</option>)}
            </select>
          </label>
        </div>
      )}
      <ErrorText error={error} />
      {editing && <UserForm me={me} user={editing === 'new' ? null : editing} roles={roles} onDone={async () => { setEditing(null); await load(null); }} onCancel={() => setEditing(null)} />}
      <div className="table-wrap" tabIndex={0}>
        <table data-testid="users">
          <thead><tr>
            <th scope="col">{t('users.name')}</th><th scope="col">{t('login.email')}</th><th scope="col">{t('users.role')}</th>
            <th scope="col">{t('users.organization')}</th><th scope="col">{t('users.state')}</th><th scope="col"><span className="visually-hidden">{t('ref.actions')}</span></th>
          </tr></thead>
          <tbody>
            {items.map((u) => (
              <tr key={u.id} className={u.disabled ? 'inactive' : undefined}>
                <td translate="no">{u.name}</td><td translate="no">{u.email}</td><td>{tx('role', u.role)}</td><td>{orgName(u.organization_id)}</td>
                <td>{u.disabled ? t('users.disabled') : u.must_change_password ? t('users.mustChange') : t('users.active')}</td>
                <td>{(roles.includes(u.role) || u.id === me.id) && u.id !== me.id && (
                  <button type="button" className="secondary small" onClick={() => setEditing(u)}>{t('common.edit')}<span className="visually-hidden" translate="no"> {u.name}</span></button>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {cursor && <button type="button" className="secondary" onClick={() => void load(cursor)}>{t('common.loadMore')}</button>}
    </section>
  );
}

function UserForm({ me, user, roles, onDone, onCancel }: { me: Me; user: User | null; roles: string[]; onDone: () => Promise<void>; onCancel: () => void }) {
  const { t, tx, lang } = useI18n();
  const orgs = useOrganizations();
  const [email, setEmail] = useState('');
  const [name, setName] = useState(user?.name ?? '');
  const [role, setRole] = useState(user?.role ?? roles[0] ?? '');
  const [org, setOrg] = useState(me.role === 'admin' ? '' : me.organization.id);
  const [password, setPassword] = useState('');
  const [disabled, setDisabled] = useState(user?.disabled ?? false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      if (user) {
        const body: Record<string, unknown> = { version: user.version };
        if (name.trim() !== user.name) body.name = name.trim();
        if (role !== user.role) body.role = role;
        if (disabled !== user.disabled) body.disabled = disabled;
        if (password) body.password = password;
        await api(`/users/${user.id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body });
      } else {
        await api('/users', { method: 'POST', body: { email: email.trim(), name: name.trim(), role, organization_id: org, password } });
      }
      await onDone();
    } catch (err) { setError(err); }
  };
  return (
    <form className="panel stack" onSubmit={submit} data-testid="user-form" autoComplete="off">
      <h2>{user ? t('users.edit') : t('users.new')}</h2>
      <div className="grid2">
        {!user && <label>{t('login.email')}<input type="email" name="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} /></label>}
        <label>{t('users.name')}<input name="name" autoComplete="off" required value={name} onChange={(e) => setName(e.target.value)} /></label>
        <label>{t('users.role')}
          <select name="role" value={role} onChange={(e) => setRole(e.target.value)}>{roles.map((r) => <option key={r} value={r}>{tx('role', r)}</option>)}</select>
        </label>
        {!user && me.role === 'admin' && (
          <label>{t('users.organization')}
            <select name="organization" value={org} required onChange={(e) => setOrg(e.target.value)}>
              <option value="">—</option>
              {orgs.map((o) => <option key={o.id} value={o.id}>{o.name[lang] || o.code}</option>)}
            </select>
          </label>
        )}
        <label>{t(user ? 'users.resetPassword' : 'users.password')}
          <input type="password" name="password" autoComplete="new-password" minLength={12} required={!user} value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
      </div>
      <p className="muted small">{t('users.oneTime')}</p>
      {user && <label className="check"><input type="checkbox" checked={disabled} onChange={(e) => setDisabled(e.target.checked)} /> {t('users.disable')}</label>}
      <div className="row">
        <button type="submit">{t('common.save')}</button>
        <button type="button" className="secondary" onClick={onCancel}>{t('common.cancel')}</button>
      </div>
      <ErrorText error={error} />
    </form>
  );
}
