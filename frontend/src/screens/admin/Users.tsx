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
import { bind, Check, Input, RowButton, SaveCancel, Select, OrgSelect, EnumSelect, newPasswordProps } from '../form';
import { OpenErasures } from '../case/Erasure';

export default function Users({ me }: { me: Me }) {
  const { t } = useI18n();
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
      {me.permissions.includes('erasure.list') && <OpenErasures me={me} />}
      {isAdmin && (
        <div className="panel row wrap">
          <OrgSelect
            label={t('users.organization')}
            empty={t('common.all')}
            orgs={orgs}
            {...bind(orgFilter, setOrgFilter)}
          />
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
                <RowButton
                  label={t('users.approve')}
                  subject={u.name}
                  personal
                  secondary={false}
                  onClick={() => onApprove(u)}
                />
              )}
              {roles.includes(u.role) && u.id !== me.id && (
                <RowButton label={t('common.edit')} subject={u.name} personal onClick={() => onEdit(u)} />
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
  const { t } = useI18n();
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
        {!user && <Input label={t('login.email')} type="email" name="email" required {...bind(email, setEmail)} />}
        <Input label={t('users.name')} name="name" required {...bind(name, setName)} />
        <EnumSelect label={t('users.role')} name="role" of="role" values={roles} {...bind(role, setRole)} />
        {!user && me.role === 'admin' && (
          <OrgSelect
            label={t('users.organization')}
            name="organization"
            required
            empty="—"
            orgs={orgs}
            {...bind(org, setOrg)}
          />
        )}
        {askPassword && (
          <Input
            label={t(user ? 'users.resetPassword' : 'users.password')}
            {...newPasswordProps(t('password.rule'))}
            name="password"
            required={!user}
            {...bind(password, setPassword)}
          />
        )}
      </div>
      <p className="muted small" data-testid="password-note">
        {t(askPassword ? 'users.oneTime' : 'users.noPassword')}
      </p>
      {user && <Check label={t('users.disable')} checked={disabled} onChange={setDisabled} />}
      {takers && (
        <Select
          label={t('users.reassignTo')}
          name="reassign_to"
          empty={t('users.reassignNobody')}
          options={takers.map((c) => ({ value: c.id, label: c.name, personal: true }))}
          {...bind(reassignTo, setReassignTo)}
        />
      )}
      <SaveCancel onCancel={onCancel} />
      <ErrorText error={error} />
    </form>
  );
}
