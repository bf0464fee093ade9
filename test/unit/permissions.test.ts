import { can, type AuthUser } from '../../src/shared/auth/permissions';

const user = (role: AuthUser['role'], permissions: string[] = []): AuthUser => ({ id: '1', companyId: 1, role, permissions });

describe('permissions', () => {
  it('when the role is agent, then it has exactly the documented defaults', () => {
    const all = ['channels:create', 'channels:read', 'channels:update', 'channels:delete', 'conversations:create', 'conversations:read', 'conversations:update', 'messages:create', 'messages:read', 'messages:update'];
    expect(all.filter((p) => can(user('agent'), p))).toEqual(['channels:read', 'conversations:read', 'conversations:update', 'messages:create', 'messages:read']);
  });

  it('when the role is supervisor, then it reads channels and does everything on conversations and messages', () => {
    expect(can(user('supervisor'), 'channels:read')).toBe(true);
    expect(can(user('supervisor'), 'channels:create')).toBe(false);
    expect(can(user('supervisor'), 'conversations:create')).toBe(true);
    expect(can(user('supervisor'), 'messages:update')).toBe(true);
  });

  it('when a token grants a permission explicitly, then it is allowed beyond the role', () => {
    expect(can(user('agent', ['channels:create']), 'channels:create')).toBe(true);
  });

  it('when the permission is company administration, then only a superadmin has it', () => {
    expect(can(user('admin'), 'companies:create')).toBe(false);
    expect(can(user('admin', ['companies:create']), 'companies:create')).toBe(false);
    expect(can(user('superadmin'), 'companies:create')).toBe(true);
  });
});
