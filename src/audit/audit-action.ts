/** What an audit entry records; the names are stable, since filters and alerts match on them. */
export const AUDIT_ACTIONS = [
  /** `PUT /v1/admin/user/{id}`: a user's approval or any later status change (and so their role). */
  'user.audit',
  'user.delete',
  /** An administrator set another user's password. */
  'user.password-reset',
  /** A user changed their own password. */
  'user.password-change',
  /** A business approved or disapproved; approval makes its owner the business administrator. */
  'business.audit',
  /** A deployment request approved or disapproved (`PUT /v1/admin/deploy`). */
  'deploy.audit',
  'cluster.register',
  'cluster.remove',
  /** A registered cluster given a new kubeconfig (the quick start's simulated clusters, at every start). */
  'cluster.kubeconfig-replace',
  /** Wrong credentials, or the right ones for an account that is not approved or is forbidden. */
  'auth.login-failed',
  'registry.project-create',
  'registry.project-delete',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Flat facts about a decision, shown as they are; never a secret. */
export type AuditDetail = Record<string, string | number | boolean | null>;

export const AUDIT_TARGET_TYPES = [
  'user',
  'business',
  'deploy-request',
  'cluster',
  'registry-project',
] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];
