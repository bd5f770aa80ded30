/**
 * Roles and what they may do. Resolvers declare the permission they need with
 * `@Authorized(Permission.X)`; the auth checker is the only place that decides.
 */
export const Role = {
  ADMIN: "ADMIN",
  EDITOR: "EDITOR",
  ANALYST: "ANALYST",
  INGEST: "INGEST",
  VIEWER: "VIEWER",
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const Permission = {
  /** Read profiles, metrics, analyses and definitions. */
  READ: "read",
  /** See PII (email, phone, names, identity values) unmasked. */
  READ_PII: "read_pii",
  /** Send events, identities, orders and products. */
  INGEST: "ingest",
  /** Create and change tags, segments and other definitions. */
  EDIT: "edit",
  /**
   * Ask which variant a unit gets (`experimentAssignment`): every reading role, and front ends
   * holding an INGEST key (which assign and then track the exposure) without read.
   */
  ASSIGN: "assign",
  /** Manage API keys and read the audit log. */
  ADMIN: "admin",
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  ADMIN: ["read", "read_pii", "ingest", "edit", "admin", "assign"],
  EDITOR: ["read", "read_pii", "edit", "assign"],
  ANALYST: ["read", "assign"],
  INGEST: ["ingest", "read_pii", "assign"],
  VIEWER: ["read", "assign"],
};

export interface Principal {
  /** API key id, or a fixed name for the configured admin key and internal jobs. */
  keyId: string;
  /** Shown in the audit log as the actor. */
  name: string;
  role: Role;
}

export const hasPermission = (principal: Principal | undefined, permission: Permission): boolean =>
  !!principal && ROLE_PERMISSIONS[principal.role].includes(permission);

/** The actor of work started from the CLI or the scheduler, not from a request. */
export const SYSTEM_PRINCIPAL: Principal = { keyId: "system", name: "system", role: "ADMIN" };
