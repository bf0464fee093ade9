/** Roles of product.md, from most to least powerful. */
export type Role = 'superadmin' | 'admin' | 'supervisor' | 'agent';
export const ROLES: Role[] = ['superadmin', 'admin', 'supervisor', 'agent'];

/** A `module:action` permission, e.g. `channels:create`; `webhooks:manage` covers event webhook subscriptions. */
export type Permission = `${'channels' | 'conversations' | 'messages' | 'companies' | 'agents' | 'webhooks'}:${string}`;

const ROLE_DEFAULTS: Record<Role, ReadonlySet<string> | 'all'> = {
  superadmin: 'all',
  admin: 'all',
  supervisor: new Set(['channels:read', 'conversations:*', 'messages:*']),
  agent: new Set(['channels:read', 'conversations:read', 'conversations:update', 'messages:create', 'messages:read']),
};

/** The authenticated caller, as the use cases see it. */
export interface AuthUser {
  id: string;
  companyId: number;
  role: Role;
  permissions: string[];
  /** When the token expires (ms since epoch); sockets are disconnected then. */
  expiresAt?: number;
}

function grants(set: Iterable<string>, permission: string): boolean {
  const [module] = permission.split(':');
  for (const p of set) if (p === permission || p === `${module}:*` || p === '*') return true;
  return false;
}

/** True when the role's defaults or the token's explicit permissions grant `permission`. Company admin endpoints are superadmin-only. */
export function can(user: AuthUser, permission: string): boolean {
  if (user.role === 'superadmin') return true;
  if (permission.startsWith('companies:')) return false;
  const defaults = ROLE_DEFAULTS[user.role];
  if (defaults === 'all') return true;
  return grants(defaults, permission) || grants(user.permissions, permission);
}

/** True when the user may act on data of `companyId` (its own company, or any for a superadmin). */
export function canAccessCompany(user: AuthUser, companyId: number): boolean {
  return user.role === 'superadmin' || user.companyId === companyId;
}

/** Company filter for queries: undefined means all companies (superadmin only). */
export function companyScope(user: AuthUser): number | undefined {
  return user.role === 'superadmin' ? undefined : user.companyId;
}
