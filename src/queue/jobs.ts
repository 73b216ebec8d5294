import type { JobsOptions } from 'bullmq';

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
  /** Brings one deployment's clusters to what its current request asks for, then watches the rollout. */
  DeployConverge = 'deploy.converge',
  /** Decides one application version's package state: available, incomplete or corrupt. */
  PackageVerify = 'package.verify',
}

export interface JobPayloads {
  [JobName.ClusterSync]: { clusterId: string };
  [JobName.ClusterSyncAll]: Record<string, never>;
  [JobName.NamespaceEnsure]: { businessId: number; clusterId: string };
  /** `trigger` tells a reconciliation (target clusters changed) from the request's own run. */
  [JobName.DeployConverge]: { deploymentId: number; requestId: number; trigger?: string };
  [JobName.PackageVerify]: { appId: number };
}

interface JobDefinition<K extends JobName> {
  queue: QueueName;
  options: (payload: JobPayloads[K]) => JobsOptions;
}

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
  [JobName.DeployConverge]: {
    queue: QueueName.Deploy,
    // One run per request: approving twice, or a retry of the enqueue, cannot start a second run.
    options: ({ requestId, trigger }) => ({
      jobId: trigger ? `deploy.${requestId}.${trigger}` : `deploy.${requestId}`,
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    }),
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

export const ALL_QUEUES = Object.values(QueueName);
