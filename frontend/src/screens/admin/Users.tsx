// Accounts: system admins create admins, org admins, coordinators and
// auditors; an organization's admin creates its caseworkers and supervisors
// (the server decides and lists them in /me: grantable_roles). An account that reads cases or
// grants roles waits for a second person (a supervisor of its organization,
// or another admin), who approves it here and is shown its one-time password
// once, to hand over. A password set here for a coordinator or an auditor is
// one-time.
import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api, query } from '../../lib/api';
import { LoadMore, usePagedList } from '../../lib/paged';
import { awaitsApproval, needsApproval } from '../../lib/domain';
import { useOrganizations } from '../../lib/refdata';
import type { Me, User, UserApproval } from '../../lib/types';
import { ErrorText, useOrgName, Table } from '../common';

export default function Users({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const orgs = useOrganizations();
  const isAdmin = me.role === 'admin';
  const [orgFilter, setOrgFilter] = useState('');
  const list = usePagedList<User>(`/users${query({ organization_id: orgFilter })}`, { limit: 100 });
  const { items, error, setError } = list;
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [approval, setApproval] = useState<UserApproval | null>(null);
  const roles = me.grantable_roles;
  const mayApprove = me.permissions.includes('user.approve');

  const approve = async (u: User) => {
    setError(null);
    try {
      setApproval(await api<UserApproval>(`/users/${u.id}/approve`, { method: 'POST' }));
      await list.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section>
      <div className="page-head">
        <h1>{t('users.title')}</h1>
        {roles.length > 0 && (
          <button type="button" onClick={() => setEditing('new')}>
            {t('users.new')}
          </button>
        )}
      </div>
      <p className="muted">
        {t(isAdmin ? 'users.explainAdmin' : roles.length > 0 ? 'users.explainOrgAdmin' : 'users.explainSupervisor')}
      </p>
      {isAdmin && (
        <div className="panel row wrap">
          <label>
            {t('users.organization')}
            <select value={orgFilter} onChange={(e) => setOrgFilter(e.target.value)}>
              <option value="">{t('common.all')}</option>
              {orgs.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name[lang] || o.code}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <ErrorText error={error} />
      {approval && <ApprovalNotice approval={approval} onDone={() => setApproval(null)} />}
      {editing && (
        <UserForm
          me={me}
          user={editing === 'new' ? null : editing}
          roles={roles}
          colleagues={items}
          onDone={async () => {
            setEditing(null);
            await list.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <UserTable
        me={me}
        items={items}
        roles={roles}
        mayApprove={mayApprove}
        onEdit={setEditing}
        onApprove={(u) => void approve(u)}
      />
      <LoadMore list={list} />
    </section>
  );
}

export function UserTable({
  me,
  items,
  roles,
  mayApprove,
  onEdit,
  onApprove,
}: {
  me: Me;
  items: User[];
  roles: string[];
  mayApprove: boolean;
  onEdit: (u: User) => void;
  onApprove: (u: User) => void;
}) {
  const { t, tx } = useI18n();
  const orgName = useOrgName();
  const state = (u: User) =>
    u.status === 'pending_approval'
      ? t('users.status.pending_approval')
      : u.disabled
        ? t('users.disabled')
        : u.must_change_password
          ? t('users.mustChange')
          : t('users.active');
  return (
    <Table
      testId="users"
      cols={['users.name', 'login.email', 'users.role', 'users.organization', 'users.state']}
      actions
    >
      {items.map((u) => (
        <tr key={u.id} className={u.status !== 'active' ? 'inactive' : undefined} data-status={u.status}>
          <td translate="no">{u.name}</td>
          <td translate="no">{u.email}</td>
          <td>
            {tx('role', u.role)}
            {u.pending_role && (
              <span className="muted small">
                {' '}
                · {t('users.pendingRole')} {tx('role', u.pending_role)}
              </span>
            )}
          </td>
          <td>{orgName(u.organization_id)}</td>
          <td>{state(u)}</td>
          <td>
            <div className="row">
              {mayApprove && awaitsApproval(u) && u.id !== me.id && (
                <button type="button" className="small" onClick={() => onApprove(u)}>
                  {t('users.approve')}
                  <span className="visually-hidden" translate="no">
                    {' '}
                    {u.name}
                  </span>
                </button>
              )}
              {roles.includes(u.role) && u.id !== me.id && (
                <button type="button" className="secondary small" onClick={() => onEdit(u)}>
                  {t('common.edit')}
                  <span className="visually-hidden" translate="no">
                    {' '}
                    {u.name}
                  </span>
                </button>
              )}
            </div>
          </td>
        </tr>
      ))}
    </Table>
  );
}

/** The one-time password of an approved account, shown once to the approver. */
export function ApprovalNotice({ approval, onDone }: { approval: UserApproval; onDone: () => void }) {
  const { t } = useI18n();
  if (!approval.one_time_password) {
    return (
      <div role="status" className="notice ok-box">
        <p>{t('users.approvedRole')}</p>
        <button type="button" className="secondary small" onClick={onDone}>
          {t('users.dismiss')}
        </button>
      </div>
    );
  }
  return (
    <div role="status" className="notice ok-box" data-testid="one-time-password">
      <p>{t('users.approved')}</p>
      <p>
        <code translate="no">{approval.one_time_password}</code>
      </p>
      <p className="muted small">{t('users.handOver')}</p>
      <button type="button" className="secondary small" onClick={onDone}>
        {t('users.handedOver')}
      </button>
    </div>
  );
}

export function UserForm({
  me,
  user,
  roles,
  colleagues,
  onDone,
  onCancel,
}: {
  me: Me;
  user: User | null;
  roles: string[];
  colleagues: User[];
  onDone: () => Promise<void>;
  onCancel: () => void;
}) {
  const { t, tx, lang } = useI18n();
  const orgs = useOrganizations();
  const [email, setEmail] = useState('');
  const [name, setName] = useState(user?.name ?? '');
  const [role, setRole] = useState(user?.role ?? roles[0] ?? '');
  const [org, setOrg] = useState(me.role === 'admin' ? '' : me.organization.id);
  const [password, setPassword] = useState('');
  const [disabled, setDisabled] = useState(user?.disabled ?? false);
  const [reassignTo, setReassignTo] = useState('');
  const [error, setError] = useState<unknown>(null);
  // A new account of a role that needs approval gets its password when
  // approved; a pending account gets none by edit.
  const askPassword = user ? user.status !== 'pending_approval' : !needsApproval(role);
  // Disabling a worker asks who takes over its cases.
  const takers =
    user && disabled && !user.disabled && (user.role === 'caseworker' || user.role === 'supervisor')
      ? colleagues.filter(
          (c) =>
            c.id !== user.id &&
            c.organization_id === user.organization_id &&
            c.status === 'active' &&
            (c.role === 'caseworker' || c.role === 'supervisor'),
        )
      : null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      if (user) {
        const body: Record<string, unknown> = { version: user.version };
        if (name.trim() !== user.name) body.name = name.trim();
        if (role !== user.role) body.role = role;
        if (disabled !== user.disabled) body.disabled = disabled;
        if (takers && reassignTo) body.reassign_to = reassignTo;
        if (password && askPassword) body.password = password;
        await api(`/users/${user.id}`, {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/merge-patch+json' },
          body,
        });
      } else {
        const body: Record<string, unknown> = { email: email.trim(), name: name.trim(), role, organization_id: org };
        if (askPassword) body.password = password;
        await api('/users', { method: 'POST', body });
      }
      await onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="panel stack" onSubmit={submit} data-testid="user-form" autoComplete="off">
      <h2>{user ? t('users.edit') : t('users.new')}</h2>
      <div className="grid2">
        {!user && (
          <label>
            {t('login.email')}
            <input
              type="email"
              name="email"
              autoComplete="off"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </label>
        )}
        <label>
          {t('users.name')}
          <input name="name" autoComplete="off" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          {t('users.role')}
          <select name="role" value={role} onChange={(e) => setRole(e.target.value)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {tx('role', r)}
              </option>
            ))}
          </select>
        </label>
        {!user && me.role === 'admin' && (
          <label>
            {t('users.organization')}
            <select name="organization" value={org} required onChange={(e) => setOrg(e.target.value)}>
              <option value="">—</option>
              {orgs.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name[lang] || o.code}
                </option>
              ))}
            </select>
          </label>
        )}
        {askPassword && (
          <label>
            {t(user ? 'users.resetPassword' : 'users.password')}
            <input
              type="password"
              name="password"
              autoComplete="new-password"
              minLength={12}
              required={!user}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
        )}
      </div>
      <p className="muted small" data-testid="password-note">
        {t(askPassword ? 'users.oneTime' : 'users.noPassword')}
      </p>
      {user && (
        <label className="check">
          <input type="checkbox" checked={disabled} onChange={(e) => setDisabled(e.target.checked)} />{' '}
          {t('users.disable')}
        </label>
      )}
      {takers && (
        <label>
          {t('users.reassignTo')}
          <select name="reassign_to" value={reassignTo} onChange={(e) => setReassignTo(e.target.value)}>
            <option value="">{t('users.reassignNobody')}</option>
            {takers.map((c) => (
              <option key={c.id} value={c.id} translate="no">
                {c.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="row">
        <button type="submit">{t('common.save')}</button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
      <ErrorText error={error} />
    </form>
  );
}
