import type { JobsOptions } from 'bullmq';
import type { AppConfig } from '../config/app-config';

/**
 * The one registry of background jobs: each job's queue, payload type and options (deterministic id,
 * retries, back-off) live here, so that producers and workers cannot disagree about them.
 */
export enum QueueName {
  Cluster = 'cluster',
  Deploy = 'deploy',
  Package = 'package',
}

export enum JobName {
  /** Reads one cluster's nodes and records whether it answered. */
  ClusterSync = 'cluster.sync',
  /** Fans out ClusterSync for every registered cluster; repeated every CLUSTER_SYNC_SECONDS. */
  ClusterSyncAll = 'cluster.sync-all',
  /** Creates namespace ns<businessId> in one cluster. */
  NamespaceEnsure = 'namespace.ensure',
  /** Brings one placement (deployment, cluster) to what its current request asks for, and reads its pods once. */
  PlacementApply = 'placement.apply',
  /** A placement's rollout deadline (`dueAt`, ms): pods not all running by then fail it, unless it moved later. */
  PlacementDeadline = 'placement.deadline',
  /** Rolls a deployment's status up from its placements (SPEC §6/§7); asked for by every placement change. */
  DeploymentRollUp = 'deployment.roll-up',
  /** Re-enqueues approved work that has no live job; repeated every minute. */
  DeployRepair = 'deploy.repair',
  /** Delivers durable events left undelivered (src/events/event-bus.ts); repeated every minute. */
  EventsRedeliver = 'events.redeliver',
  /** Decides one application version's package state: available, incomplete or corrupt. */
  PackageVerify = 'package.verify',
}

export interface JobPayloads {
  [JobName.ClusterSync]: { clusterId: string };
  [JobName.ClusterSyncAll]: Record<string, never>;
  [JobName.NamespaceEnsure]: { businessId: number; clusterId: string };
  [JobName.PlacementApply]: { deploymentId: number; clusterId: string };
  [JobName.PlacementDeadline]: { deploymentId: number; clusterId: string; requestId: number; dueAt: number };
  [JobName.DeploymentRollUp]: { deploymentId: number };
  [JobName.DeployRepair]: Record<string, never>;
  [JobName.EventsRedeliver]: Record<string, never>;
  [JobName.PackageVerify]: { appId: number };
}

/** The jobs without a payload, which may repeat. */
export type RepeatingJobName = {
  [K in JobName]: JobPayloads[K] extends Record<string, never> ? K : never;
}[JobName];

interface JobDefinition<K extends JobName> {
  queue: QueueName;
  options: (payload: JobPayloads[K]) => JobsOptions;
  /**
   * A repeating job (its payload empty): how often it runs. Processes that run workers install its
   * scheduler at start; the scheduler's id is the job's name, so every replica installs the same one.
   */
  everyMs?: K extends RepeatingJobName ? (config: AppConfig) => number : never;
}

const EVERY_MINUTE = () => 60_000;

/**
 * How long a roll-up job waits for more placement changes to share it: a fan-out's placements change a
 * few milliseconds apart, and each roll-up is five statements over all of the deployment's placements.
 */
const ROLL_UP_COALESCE_MS = 50;

/**
 * Transient cluster failures are retried with back-off doubling from 1 s: 12 attempts span about an
 * hour. A cluster that stays down longer is repaired by the cluster sync once it answers again.
 */
const RETRY_WHILE_UNREACHABLE: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 1000 },
};

export const JOBS: { [K in JobName]: JobDefinition<K> } = {
  [JobName.ClusterSync]: {
    queue: QueueName.Cluster,
    // No deterministic id: a sync asked for while another one runs must still run afterwards.
    options: () => ({ attempts: 1, removeOnComplete: true, removeOnFail: 100 }),
  },
  [JobName.ClusterSyncAll]: {
    queue: QueueName.Cluster,
    options: () => ({ attempts: 1, removeOnComplete: true, removeOnFail: 100 }),
    everyMs: (config) => config.clusterSyncSeconds * 1000,
  },
  [JobName.NamespaceEnsure]: {
    queue: QueueName.Cluster,
    // One job per (business, cluster) at a time: enqueuing it twice while one waits is harmless.
    options: ({ businessId, clusterId }) => ({
      jobId: `namespace.${businessId}.${clusterId}`,
      ...RETRY_WHILE_UNREACHABLE,
      // Finished jobs leave no trace, so the same id can be enqueued again by the next repair.
      removeOnComplete: true,
      removeOnFail: true,
    }),
  },
  [JobName.PlacementApply]: {
    queue: QueueName.Deploy,
    // One job per placement at a time, whatever the request: it applies the placement's current
    // request when it runs, so an upgrade approved while a retry waits is carried by that retry, and
    // two workers never write the same objects at once. Finished jobs leave no trace, so the repair and
    // the cluster sync can always enqueue it again.
    options: ({ deploymentId, clusterId }) => ({
      jobId: placementJobId(deploymentId, clusterId),
      ...RETRY_WHILE_UNREACHABLE,
      removeOnComplete: true,
      removeOnFail: true,
    }),
  },
  [JobName.PlacementDeadline]: {
    queue: QueueName.Deploy,
    // One job per deadline: a deadline moved later by an outage of the platform gets a job of its own.
    options: ({ deploymentId, clusterId, requestId, dueAt }) => ({
      jobId: `placement.deadline.${requestId}.${deploymentId}.${clusterId}.${dueAt}`,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: true,
    }),
  },
  [JobName.DeploymentRollUp]: {
    queue: QueueName.Deploy,
    // Every placement change of a deployment asks for a roll-up, in whichever worker replica it ran:
    // asked for while one waits (its coalescing delay), the waiting one carries it, since it has not
    // read the placements yet; asked for while one runs, one more follows it (keepLastIfActive), since
    // the running one may have read them before the change. So a fan-out over a thousand clusters
    // costs a roll-up per delay across all replicas, not one per placement, and none is lost.
    options: ({ deploymentId }) => ({
      delay: ROLL_UP_COALESCE_MS,
      deduplication: { id: `deployment.roll-up.${deploymentId}`, keepLastIfActive: true },
      // Through an outage of PostgreSQL of up to about 8 minutes (1 + 2 + … + 256 s): the repair rolls up
      // only deployments in flight, so a settled one's roll-up (6 → 5 on a cluster's return) that gave up
      // would be lost. Requests meanwhile share the waiting retry, which may run up to 4 minutes late.
      attempts: 10,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: true,
    }),
  },
  [JobName.DeployRepair]: {
    queue: QueueName.Deploy,
    options: () => ({ attempts: 1, removeOnComplete: true, removeOnFail: 100 }),
    everyMs: EVERY_MINUTE,
  },
  [JobName.EventsRedeliver]: {
    // The durable events are cluster changes (labels, registrations) today.
    queue: QueueName.Cluster,
    options: () => ({ attempts: 1, removeOnComplete: true, removeOnFail: 100 }),
    everyMs: EVERY_MINUTE,
  },
  [JobName.PackageVerify]: {
    queue: QueueName.Package,
    // One verification per version at a time; finished jobs leave no trace, so a repair can enqueue again.
    options: ({ appId }) => ({
      jobId: `package.verify.${appId}`,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: true,
    }),
  },
};

export const placementJobId = (deploymentId: number, clusterId: string) =>
  `placement.apply.${deploymentId}.${clusterId}`;

export const ALL_QUEUES = Object.values(QueueName);

/** The Redis key prefix of every queue: under REDIS_PREFIX, so several deployments can share one Redis. */
export const bullPrefix = ({ redisPrefix }: { redisPrefix: string }) => `${redisPrefix}:bull`;

/** Jobs one worker process runs at once per queue: deploy jobs mostly wait on clusters and the database. */
export const QUEUE_CONCURRENCY: Record<QueueName, number> = {
  [QueueName.Cluster]: 16,
  [QueueName.Deploy]: 32,
  [QueueName.Package]: 8,
};
