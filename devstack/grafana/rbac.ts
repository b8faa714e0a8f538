import type { Identity } from './auth.js';
import { accessDenied } from './responses.js';
import type { Role } from './state.js';

/**
 * Default basic-role permissions, reduced to the actions the emulated routes
 * check. OSS Viewers and Editors can query data sources but not read or
 * manage them (spec §2.1); managing service accounts is Admin-only.
 */
const QUERY = ['datasources:query', 'datasources:explore'];
const ADMIN = [
  ...QUERY,
  'datasources:read',
  'datasources:create',
  'datasources:write',
  'datasources:delete',
  'serviceaccounts:read',
  'serviceaccounts:create',
  'serviceaccounts:write',
  'serviceaccounts:delete',
];

const PERMISSIONS: Record<Role, readonly string[]> = {
  None: [],
  Viewer: ['datasources:query'],
  Editor: QUERY,
  Admin: ADMIN,
};

export const can = (identity: Identity, action: string): boolean =>
  PERMISSIONS[identity.role].includes(action);

export function requirePermission(identity: Identity, action: string): void {
  if (!can(identity, action)) throw accessDenied(action);
}

/** Body of `?accesscontrol=true`: the caller's data source actions. */
export const datasourceAccessControl = (identity: Identity): Record<string, boolean> =>
  Object.fromEntries(
    PERMISSIONS[identity.role].filter((a) => a.startsWith('datasources:')).map((a) => [a, true]),
  );

const ROLE_RANK: Record<Role, number> = { None: 0, Viewer: 1, Editor: 2, Admin: 3 };
export const roleAtMost = (role: Role, ceiling: Role): boolean => ROLE_RANK[role] <= ROLE_RANK[ceiling];
