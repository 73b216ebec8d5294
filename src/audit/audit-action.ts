/** What an audit entry records; the names are stable, since filters and alerts match on them. */
export enum AuditAction {
  /** `PUT /v1/admin/user/{id}`: a user's approval or any later status change (and so their role). */
  UserAudit = 'user.audit',
  UserDelete = 'user.delete',
  /** An administrator set another user's password. */
  UserPasswordReset = 'user.password-reset',
  /** A user changed their own password. */
  UserPasswordChange = 'user.password-change',
  /** A business approved or disapproved; approval makes its owner the business administrator. */
  BusinessAudit = 'business.audit',
  /** A deployment request approved or disapproved (`PUT /v1/admin/deploy`). */
  DeployAudit = 'deploy.audit',
  ClusterRegister = 'cluster.register',
  ClusterRemove = 'cluster.remove',
  /** A registered cluster given a new kubeconfig (the quick start's simulated clusters, at every start). */
  ClusterKubeconfigReplace = 'cluster.kubeconfig-replace',
  /** Wrong credentials, or the right ones for an account that is not approved or is forbidden. */
  LoginFailed = 'auth.login-failed',
  RegistryProjectCreate = 'registry.project-create',
  RegistryProjectDelete = 'registry.project-delete',
}

/** Flat facts about a decision, shown as they are; never a secret. */
export type AuditDetail = Record<string, string | number | boolean | null>;

export enum AuditTargetType {
  User = 'user',
  Business = 'business',
  DeployRequest = 'deploy-request',
  Cluster = 'cluster',
  RegistryProject = 'registry-project',
}
