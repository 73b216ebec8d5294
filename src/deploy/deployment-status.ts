import { conflict } from '../common/errors';

/** SPEC §7 deployment status. */
export enum DeployStatus {
  Pending = 0,
  Approved = 1,
  Disapproved = 2,
  Processing = 3,
  Deploying = 4,
  Success = 5,
  PartialSuccess = 6,
  Failed = 7,
  InternalError = 8,
  Deleted = 9,
}

/** SPEC §7 deployType: what the deployment's current (or last) request does. */
export enum DeployAction {
  Create = 1,
  Upgrade = 2,
  Rollback = 3,
  Delete = 4,
}

const S = DeployStatus;
/** Results: the statuses in which a deployment takes a new request. */
export const SETTLED_STATUSES: readonly DeployStatus[] = [
  S.Success,
  S.PartialSuccess,
  S.Failed,
  S.InternalError,
];

/**
 * Every move a deployment makes, in one place.
 * - a request waits for audit (Pending) or is approved at once (Approved);
 * - disapproving a new deployment ends it; disapproving an upgrade, rollback or delete restores the
 *   status the deployment had (one of the settled ones);
 * - a worker takes approved work through Processing and Deploying to a result; a platform fault
 *   from any in-flight state is InternalError;
 * - a settled deployment can take a new request, or be re-converged when its target clusters change.
 */
const TRANSITIONS: Record<DeployStatus, readonly DeployStatus[]> = {
  [S.Pending]: [S.Approved, S.Disapproved, ...SETTLED_STATUSES],
  [S.Approved]: [S.Processing, S.InternalError],
  [S.Disapproved]: [],
  [S.Processing]: [S.Deploying, S.Deleted, S.InternalError],
  [S.Deploying]: [S.Success, S.PartialSuccess, S.Failed, S.Deleted, S.InternalError],
  [S.Success]: [S.Pending, S.Approved, S.Processing],
  [S.PartialSuccess]: [S.Pending, S.Approved, S.Processing],
  [S.Failed]: [S.Pending, S.Approved, S.Processing],
  [S.InternalError]: [S.Pending, S.Approved, S.Processing],
  [S.Deleted]: [],
};

export function canMove(from: DeployStatus, to: DeployStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertMove(from: DeployStatus, to: DeployStatus): void {
  if (!canMove(from, to)) {
    throw conflict(`deployment is ${statusName(from)} and cannot become ${statusName(to)}`);
  }
}

/** A deployment takes an upgrade, rollback or delete only when nothing is pending or in flight. */
export const isEditable = (status: DeployStatus): boolean => SETTLED_STATUSES.includes(status);

/** Work the workers still owe: approved but not yet settled. */
export const isInFlight = (status: DeployStatus): boolean =>
  status === S.Approved || status === S.Processing || status === S.Deploying;

/** Running on clusters, or about to be: everything but the ends. */
export const isLive = (status: DeployStatus): boolean => status !== S.Disapproved && status !== S.Deleted;

export const statusName = (status: DeployStatus): string =>
  DeployStatus[status].replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
