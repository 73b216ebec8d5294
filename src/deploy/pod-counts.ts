import type { V1Pod } from '@kubernetes/client-node';
import type { AppVersion } from '../app/app-version';
import { VERSION_LABEL } from './workload';

export interface PodCounts {
  running: number;
  error: number;
  total: number;
}

/** Waiting reasons that mean the pod will not come up by itself. */
const ERROR_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

const isError = (pod: V1Pod) =>
  pod.status?.phase === 'Failed' ||
  (pod.status?.containerStatuses ?? []).some((status) =>
    ERROR_REASONS.has(status.state?.waiting?.reason ?? ''),
  );

const isRunning = (pod: V1Pod) =>
  pod.status?.phase === 'Running' &&
  (pod.status.containerStatuses ?? []).length > 0 &&
  (pod.status.containerStatuses ?? []).every((status) => status.ready);

/** Counts the pods of the version being rolled out; pods of older versions and terminating pods are on their way out. */
export function countPods(pods: V1Pod[], version: string): PodCounts {
  const current = pods.filter(
    (pod) => !pod.metadata?.deletionTimestamp && pod.metadata?.labels?.[VERSION_LABEL] === version,
  );
  return {
    running: current.filter(isRunning).length,
    error: current.filter(isError).length,
    total: current.length,
  };
}

export const sumCounts = (counts: PodCounts[]): PodCounts =>
  counts.reduce(
    (sum, count) => ({
      running: sum.running + count.running,
      error: sum.error + count.error,
      total: sum.total + count.total,
    }),
    { running: 0, error: 0, total: 0 },
  );

/**
 * The pods of a version that must run in a cluster before it runs there: a Deployment's replicas (the
 * autoscaler's minimum with one), so that the first ready pods of a rollout are not taken for all of
 * them; a DaemonSet's and a chart's depend on the cluster's nodes and templates, so at least one.
 */
export const expectedPods = (app: Pick<AppVersion, 'deployType' | 'isHPA' | 'replicas' | 'minReplicas'>) =>
  app.deployType === 'deployment' ? Math.max(1, app.isHPA ? app.minReplicas : app.replicas) : 1;

/**
 * A cluster is done when all its pods of the version run, as many as expected, or when some have failed
 * in a way that will not heal.
 */
export const clusterSucceeded = (counts: PodCounts, expected = 1) =>
  counts.total > 0 && counts.running === counts.total && counts.running >= expected;
export const clusterFailed = (counts: PodCounts) => counts.error > 0;
