import type { V1Pod } from '@kubernetes/client-node';
import type { AppVersion } from '../app/app-version';
import type { JsonObject } from '../common/json';
import { VALUES_LABEL, valuesDigest, VERSION_LABEL } from './workload';

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

/** What a placement rolls out: its version and, for a chart, the digest of its values (VALUES_LABEL). */
export interface Rollout {
  version: string;
  values?: string;
}

export const rolloutOf = (app: Pick<AppVersion, 'deployType' | 'version'>, values: JsonObject): Rollout =>
  app.deployType === 'chart'
    ? { version: app.version, values: valuesDigest(values) }
    : { version: app.version };

/**
 * Counts the pods of the rollout; pods of older versions or values and terminating pods are on their
 * way out. A pod without the values label was started before the platform set it, and is judged by its
 * version alone.
 */
export function countPods(pods: V1Pod[], rollout: Rollout): PodCounts {
  const isCurrent = (labels: Record<string, string> = {}) =>
    labels[VERSION_LABEL] === rollout.version &&
    (rollout.values === undefined ||
      labels[VALUES_LABEL] === undefined ||
      labels[VALUES_LABEL] === rollout.values);
  const current = pods.filter((pod) => !pod.metadata?.deletionTimestamp && isCurrent(pod.metadata?.labels));
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
