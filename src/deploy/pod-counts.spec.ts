import type { V1Pod } from '@kubernetes/client-node';
import { clusterFailed, clusterSucceeded, countPods, expectedPods, sumCounts } from './pod-counts';

const pod = (version: string, status: V1Pod['status'], deleting = false): V1Pod => ({
  metadata: {
    name: `p-${Math.random()}`,
    labels: { 'app.kubernetes.io/version': version },
    ...(deleting ? { deletionTimestamp: new Date() } : {}),
  },
  status,
});
const running = {
  phase: 'Running',
  containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: 0 }],
};
const waiting = (reason: string) => ({
  phase: 'Running',
  containerStatuses: [
    { name: 'c', image: 'i', imageID: '', ready: false, restartCount: 3, state: { waiting: { reason } } },
  ],
});

describe('countPods', () => {
  it('counts running and erroring pods of the current version only', () => {
    const pods = [
      pod('1.2', running),
      pod('1.2', waiting('CrashLoopBackOff')),
      pod('1.2', {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'c',
            image: 'i',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ErrImagePull' } },
          },
        ],
      }),
      pod('1.2', { phase: 'Failed' }),
      pod('1.2', { phase: 'Pending' }),
      pod('1.2', waiting('ContainerCreating')),
      pod('1.1', running),
      pod('1.2', running, true),
    ];
    expect(countPods(pods, '1.2')).toEqual({ running: 1, error: 3, total: 6 });
  });

  it('a running pod whose container is not ready is not running yet', () => {
    expect(
      countPods(
        [pod('1.2', { ...running, containerStatuses: [{ ...running.containerStatuses[0], ready: false }] })],
        '1.2',
      ),
    ).toEqual({
      running: 0,
      error: 0,
      total: 1,
    });
  });

  it('decides when a cluster is done', () => {
    expect(clusterSucceeded({ running: 2, error: 0, total: 2 })).toBe(true);
    expect(clusterSucceeded({ running: 0, error: 0, total: 0 })).toBe(false);
    expect(clusterSucceeded({ running: 1, error: 0, total: 2 })).toBe(false);
    expect(clusterFailed({ running: 1, error: 1, total: 2 })).toBe(true);
    // The first ready pods of a rollout are not all of them.
    expect(clusterSucceeded({ running: 1, error: 0, total: 1 }, 2)).toBe(false);
    expect(clusterSucceeded({ running: 3, error: 0, total: 3 }, 2)).toBe(true);
    expect(
      sumCounts([
        { running: 1, error: 2, total: 3 },
        { running: 4, error: 0, total: 4 },
      ]),
    ).toEqual({ running: 5, error: 2, total: 7 });
  });
});

describe('expectedPods', () => {
  const app = { deployType: 'deployment' as const, isHPA: false, replicas: 3, minReplicas: 2 };
  it("is a Deployment's replicas, or its autoscaler's minimum; at least one for a DaemonSet or a chart", () => {
    expect(expectedPods(app)).toBe(3);
    expect(expectedPods({ ...app, isHPA: true })).toBe(2);
    expect(expectedPods({ ...app, replicas: 0 })).toBe(1);
    expect(expectedPods({ ...app, deployType: 'daemonset' })).toBe(1);
    expect(expectedPods({ ...app, deployType: 'chart' })).toBe(1);
  });
});
