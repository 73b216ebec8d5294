/** SPEC §7: where a deployment stands in one cluster (`clusters[].status`). */
export enum PlacementStatus {
  /** Recorded for the current request; the cluster has not answered for it yet. */
  Pending = 'pending',
  /** The objects are applied; pods are not all running yet. */
  Applied = 'applied',
  Running = 'running',
  /** Pods failed, the rollout deadline passed, or the cluster refused the objects. */
  Failed = 'failed',
  /** The cluster did not answer; retried with back-off, and again as soon as a sync sees it answer. */
  Offline = 'offline',
  /** The objects are being removed (a delete, or the cluster no longer carries the target label). */
  Deleting = 'deleting',
}

const P = PlacementStatus;

/**
 * Every move a placement makes. A new request (or a changed target) sends any placement back to
 * Pending or Deleting; a cluster that does not answer is Offline until it does.
 */
const TRANSITIONS: Record<PlacementStatus, readonly PlacementStatus[]> = {
  [P.Pending]: [P.Pending, P.Applied, P.Running, P.Failed, P.Offline, P.Deleting],
  [P.Applied]: [P.Pending, P.Applied, P.Running, P.Failed, P.Offline, P.Deleting],
  [P.Running]: [P.Pending, P.Applied, P.Running, P.Failed, P.Deleting],
  [P.Failed]: [P.Pending, P.Applied, P.Running, P.Failed, P.Deleting],
  [P.Offline]: [P.Pending, P.Applied, P.Running, P.Failed, P.Offline, P.Deleting],
  // Failed: the cluster refused the removal for good (our credentials revoked, say); a new delete retries it.
  [P.Deleting]: [P.Pending, P.Failed, P.Offline, P.Deleting],
};

export const canPlacementMove = (from: PlacementStatus, to: PlacementStatus): boolean =>
  TRANSITIONS[from].includes(to);

/** The statuses a placement may be in to move to `to`: the WHERE clause of its compare-and-set. */
export const placementPredecessorsOf = (to: PlacementStatus): PlacementStatus[] =>
  Object.values(PlacementStatus).filter((from) => canPlacementMove(from, to));

/** Statuses in which a cluster that answers still owes work. */
export const OPEN_PLACEMENT_STATUSES: readonly PlacementStatus[] = [P.Pending, P.Applied, P.Deleting];
