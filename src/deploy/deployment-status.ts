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

/** What the clusters' placements can roll a deployment up to. */
const ROLLED_UP: readonly DeployStatus[] = [S.Success, S.PartialSuccess, S.Failed];

/**
 * Every move a deployment makes, in one place; the database enforces it too (every status write
 * is a compare-and-set whose allowed current statuses are `predecessorsOf` the new one).
 * - a request waits for audit (Pending) or is approved at once (Approved);
 * - disapproving a new deployment ends it; disapproving an upgrade, rollback or delete restores the
 *   status the deployment had (one of the settled ones);
 * - once approved, the status is rolled up from the placements: Processing until a cluster has
 *   answered, Deploying while clusters that answer are still rolling out, then a result (or Deleted);
 *   a platform fault from any in-flight state is InternalError;
 * - a settled deployment takes a new request, and is rolled up again when a cluster that was offline
 *   answers or its target clusters change (6 → 5).
 */
const TRANSITIONS: Record<DeployStatus, readonly DeployStatus[]> = {
  [S.Pending]: [S.Approved, S.Disapproved, ...SETTLED_STATUSES],
  [S.Approved]: [S.Processing, S.Deploying, ...ROLLED_UP, S.Deleted, S.InternalError],
  [S.Disapproved]: [],
  [S.Processing]: [S.Deploying, ...ROLLED_UP, S.Deleted, S.InternalError],
  [S.Deploying]: [...ROLLED_UP, S.Deleted, S.InternalError],
  [S.Success]: [S.Pending, S.Approved, S.PartialSuccess, S.Failed],
  [S.PartialSuccess]: [S.Pending, S.Approved, S.Success, S.Failed],
  // A delete that a cluster refused (7) or that failed in the platform (8) is done once nothing refuses
  // it any more: the refusing cluster was removed with force, say.
  [S.Failed]: [S.Pending, S.Approved, S.Success, S.PartialSuccess, S.Deleted],
  [S.InternalError]: [S.Pending, S.Approved, ...ROLLED_UP, S.Deleted],
  [S.Deleted]: [],
};

const ALL_STATUSES = Object.values(DeployStatus).filter(
  (status): status is DeployStatus => typeof status === 'number',
);

/** The statuses a deployment may be in to move to `to`: the WHERE clause of a compare-and-set. */
export const predecessorsOf = (to: DeployStatus): DeployStatus[] =>
  ALL_STATUSES.filter((from) => canMove(from, to));

export function canMove(from: DeployStatus, to: DeployStatus): boolean {
  return TRANSITIONS[from].includes(to);
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

/** How a deployment's placements stand, counted in SQL (see StatusRollup). */
export interface PlacementTally {
  /** Placements that should run the deployment (not being removed). */
  total: number;
  /** Of those, running. */
  running: number;
  /** Work a cluster that answers still owes: pending or applied, or a removal not done yet. */
  open: number;
  /** Placements whose cluster has answered for this request. */
  answered: number;
  /** Removals a cluster refused for good: its objects are still there. */
  refused: number;
}

/**
 * SPEC §6/§7: the status a deployment's placements give it, or null to leave it as it is. Offline
 * placements are not open: the deployment settles without them and is rolled up again on their return.
 */
export function rolledUpStatus(
  current: DeployStatus,
  action: DeployAction,
  tally: PlacementTally,
): DeployStatus | null {
  if (!isInFlight(current) && !isEditable(current)) return null;
  let next: DeployStatus | null;
  if (tally.open > 0) {
    const deploying = tally.answered > 0 || current === S.Deploying; // never back to Processing
    next = isInFlight(current) ? (deploying ? S.Deploying : S.Processing) : null;
  } else if (action === DeployAction.Delete) {
    // A cluster that refused the removal still runs the objects: the delete failed there, and may be asked again.
    next = tally.refused > 0 ? S.Failed : S.Deleted;
  } else if (tally.total > 0 && tally.running === tally.total) {
    next = S.Success;
  } else {
    next = tally.running > 0 ? S.PartialSuccess : S.Failed;
  }
  return next === current ? null : next;
}

/** Every status but the ends: a deployment that holds its name. */
export const LIVE_STATUSES: readonly DeployStatus[] = ALL_STATUSES.filter(isLive);
