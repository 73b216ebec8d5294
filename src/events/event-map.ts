import type { EntityManager } from 'typeorm';
import type { AppVersion } from '../app/app-version';

/**
 * Every event one module announces and others may act on: name → payload. Emitters and listeners
 * are typed by this map, so a renamed event or a changed payload fails to compile on both sides.
 *
 * Events whose name says "checking" run before the change is made and may refuse it by throwing
 * (a DomainError reaches the caller); the others are announced after the change is committed.
 */
export interface EventMap {
  /** A business was approved (committed); every cluster needs its namespace. */
  'business.approved': { businessId: number };
  /** A cluster was registered (committed). */
  'cluster.registered': { clusterId: string };
  /** A cluster label was added to or removed from these clusters (committed). */
  'cluster.labels-changed': { label: string; clusterIds: string[] };
  /** A cluster's node sync finished; `answered` tells whether the cluster answered it. */
  'cluster.synced': { clusterId: string; answered: boolean };
  /**
   * A cluster is about to be removed, in the removal's transaction (`manager`, the cluster's row locked);
   * `force` removes it with what is placed there. Listeners add to `placed` the deployments placed there,
   * whose placements the removal takes along (their foreign key cascades).
   */
  'cluster.removal-checking': {
    clusterId: string;
    clusterName: string;
    force: boolean;
    manager: EntityManager;
    placed: number[];
  };
  /** A cluster was removed (committed) with the placements of these deployments. */
  'cluster.removed': { clusterId: string; deploymentIds: number[] };
  /** A node label is about to be removed from a cluster's nodes. */
  'node-label.removal-checking': { clusterId: string; label: string; deleteDeploy: boolean };
  /** Application versions are about to be deleted. */
  'app.deletion-checking': { apps: AppVersion[] };
}

export type EventName = keyof EventMap;

/**
 * Events whose listeners' work must not be lost with the process that committed the change: they are
 * announced in its transaction (EventBus.announce) and delivered after it, again if need be. Their
 * listeners act on the state as it is when they run, so a second delivery does no harm.
 */
export const DURABLE_EVENTS = [
  'cluster.labels-changed',
  'cluster.registered',
  'cluster.removed',
] as const satisfies readonly EventName[];
export type DurableEventName = (typeof DURABLE_EVENTS)[number];
