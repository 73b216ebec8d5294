import type { JobsOptions } from 'bullmq';

/**
 * The one registry of background jobs: each job's queue, payload type and options (deterministic id,
 * retries, back-off) live here, so that producers and workers cannot disagree about them.
 */
export enum QueueName {
  Cluster = 'cluster',
}

export enum JobName {}

export type JobPayloads = Record<JobName, never>;

interface JobDefinition {
  queue: QueueName;
  options: (payload: never) => JobsOptions;
}

export const JOBS: Record<JobName, JobDefinition> = {};

export const ALL_QUEUES = Object.values(QueueName);
