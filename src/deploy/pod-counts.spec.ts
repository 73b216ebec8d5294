import type { V1Pod } from '@kubernetes/client-node';
import { clusterFailed, clusterSucceeded, countPods, sumCounts } from './pod-counts';

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
    expect(
      sumCounts([
        { running: 1, error: 2, total: 3 },
        { running: 4, error: 0, total: 4 },
      ]),
    ).toEqual({ running: 5, error: 2, total: 7 });
  });
});
