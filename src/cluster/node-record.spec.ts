import type { V1Node } from '@kubernetes/client-node';
import { nodeRecord } from './node-record';

const node = (capacity: Record<string, string>) =>
  ({
    metadata: { name: 'edge-1', labels: { zone: 'a' } },
    status: {
      capacity,
      nodeInfo: { operatingSystem: 'linux', kernelVersion: '6.1' },
      addresses: [{ type: 'InternalIP', address: '10.0.0.7' }],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  }) as unknown as V1Node;

describe('nodeRecord', () => {
  const now = new Date(0);

  it('reads the capacity as cores, bytes and a GPU count', () => {
    expect(
      nodeRecord(
        'c1',
        node({ cpu: '4', memory: '8Gi', 'ephemeral-storage': '100G', 'nvidia.com/gpu': '1' }),
        now,
      ),
    ).toMatchObject({
      name: 'edge-1',
      ip: '10.0.0.7',
      cpu: 4,
      memory: 8 * 2 ** 30,
      disk: 1e11,
      gpu: 1,
      isReady: true,
    });
  });

  it("keeps a cluster's odd report within its columns: no quantity is 0, beyond a column its largest", () => {
    expect(
      nodeRecord(
        'c1',
        node({ cpu: 'lots', memory: '16Ei', 'ephemeral-storage': '-5Gi', 'nvidia.com/gpu': '3e9' }),
        now,
      ),
    ).toMatchObject({ cpu: 0, memory: Number.MAX_SAFE_INTEGER, disk: 0, gpu: 2_147_483_647 });
  });
});
