/**
 * Roles and what each may do.
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';

/** The roles every database knows. */
export type Role = 'admin' | 'writer' | 'reader';

/** The roles, in a stable order. */
export const ROLES: readonly Role[] = ['admin', 'writer', 'reader'];

/** What a session may be allowed to do. */
export type Permission = 'backup' | 'restore' | 'write' | 'read' | 'schema' | 'users';

/**
 * The permissions of each role: `admin` may do everything; `writer` may read and write records
 * and create classes; `reader` may only read. Freezing a database stops every writer, so it needs
 * the `backup` permission.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: ['backup', 'restore', 'write', 'read', 'schema', 'users'],
  writer: ['write', 'read', 'schema'],
  reader: ['read'],
};

/** True when `value` is a {@link Role}. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Throws `ERR_PERMISSION_DENIED` unless `role` has `permission`. */
export function checkRolePermission(user: { name: string; role: Role }, permission: Permission): void {
  if (!ROLE_PERMISSIONS[user.role].includes(permission)) {
    throw fail('ERR_PERMISSION_DENIED', `User '${user.name}' with role '${user.role}' does not have the '${permission}' permission`, {
      details: { user: user.name, role: user.role, permission },
    });
  }
}
