// The accounts screen under the four-eyes rule, rendered to HTML in Kyrgyz.
import { describe, expect, it } from 'vitest';
import { KY, kyrgyzBrowser, render } from '../../testing';
import type { Me, User } from '../../lib/types';
import { ApprovalNotice, UserForm, UserTable } from './Users';

const org = { id: 'org-1', code: 'SEZIM', name: { ru: 'С', ky: 'С', en: 'S' }, kind: 'crisis_center', region: 'chui' };
const supervisor: Me = {
  id: 'me',
  email: 's@x.kg',
  name: 'Sup',
  role: 'supervisor',
  organization: org,
  permissions: ['user.list', 'user.approve'],
  grantable_roles: [],
  must_change_password: false,
  mfa_enabled: false,
  mfa_required: false,
};
const orgAdmin: Me = {
  ...supervisor,
  role: 'org_admin',
  permissions: ['user.list', 'user.create', 'user.update'],
  grantable_roles: ['caseworker', 'supervisor'],
};
const user = (over: Partial<User>): User => ({
  id: 'u1',
  email: 'new@sezim.kg',
  name: 'New Worker',
  role: 'caseworker',
  organization_id: 'org-1',
  must_change_password: true,
  disabled: false,
  status: 'active',
  pending_role: null,
  version: 1,
  created_at: '2026-01-01T00:00:00Z',
  ...over,
});

const userForm = (me: Me, u: User | null, roles: string[]) =>
  render(<UserForm me={me} user={u} roles={roles} colleagues={[]} onDone={async () => {}} onCancel={() => {}} />);

describe('accounts under four eyes', () => {
  kyrgyzBrowser();

  it('shows the status and the pending role, and Approve only to an approver and only where something awaits', () => {
    const items = [
      user({ id: 'p', status: 'pending_approval' }),
      user({ id: 'r', pending_role: 'supervisor' }),
      user({ id: 'a' }),
    ];
    const html = render(
      <UserTable me={supervisor} items={items} roles={[]} mayApprove onEdit={() => {}} onApprove={() => {}} />,
    );
    expect(html).toContain(KY['users.status.pending_approval']);
    expect(html).toContain(KY['users.pendingRole']);
    expect(html.split(`>${KY['users.approve']}<`).length - 1).toBe(2);
    const asOrgAdmin = render(
      <UserTable
        me={orgAdmin}
        items={items}
        roles={['caseworker', 'supervisor']}
        mayApprove={false}
        onEdit={() => {}}
        onApprove={() => {}}
      />,
    );
    expect(asOrgAdmin).not.toContain(`>${KY['users.approve']}<`);
  });

  it('shows the one-time password once, to the approver', () => {
    const html = render(
      <ApprovalNotice approval={{ user: user({}), one_time_password: 'Xq7-one-time-Zr2' }} onDone={() => {}} />,
    );
    expect(html).toContain('Xq7-one-time-Zr2');
    expect(html).toContain(KY['users.handOver']);
    expect(render(<ApprovalNotice approval={{ user: user({}) }} onDone={() => {}} />)).toContain(
      KY['users.approvedRole'],
    );
  });

  it('asks no password for a role that needs approval, and one for a coordinator', () => {
    const html = userForm(orgAdmin, null, ['caseworker', 'supervisor']);
    expect(html).not.toContain('name="password"');
    expect(html).toContain(KY['users.noPassword']);
    const admin: Me = { ...orgAdmin, role: 'admin' };
    expect(userForm(admin, null, ['coordinator'])).toContain('name="password"');
    expect(userForm(orgAdmin, user({ status: 'pending_approval' }), ['caseworker'])).not.toContain('name="password"');
  });
});
