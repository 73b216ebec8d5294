/**
 * The fake fleet of the fan-out benchmark, in a process of its own so that the product's CPU time is
 * its own: N fake clusters (test/fake-kube) driven over IPC by bench/deploy-fanout.ts.
 */
import { FakeCluster, startFakeCluster } from '../test/fake-kube';

export type FleetCommand =
  | { op: 'start'; n: number }
  | { op: 'mode'; names: string[]; mode: 'healthy' | 'unreachable' }
  | { op: 'latency'; ms: number }
  | { op: 'requests' }
  | { op: 'connections' }
  | { op: 'stop' };
export type FleetRequest = FleetCommand & { id: number };

export interface FleetCluster {
  name: string;
  kubeconfig: string;
}

let clusters: FakeCluster[] = [];

async function handle(request: FleetRequest): Promise<unknown> {
  switch (request.op) {
    case 'start': {
      const width = String(request.n - 1).length;
      clusters = await Promise.all(
        Array.from({ length: request.n }, (_, i) =>
          startFakeCluster({ name: `edge-${String(i).padStart(width, '0')}`, nodes: 1 }),
        ),
      );
      return clusters.map(({ name, kubeconfig }) => ({ name, kubeconfig }));
    }
    case 'mode': {
      const wanted = new Set(request.names);
      await Promise.all(clusters.filter((c) => wanted.has(c.name)).map((c) => c.setMode(request.mode)));
      return null;
    }
    case 'latency':
      for (const cluster of clusters) cluster.latencyMs = request.ms;
      return null;
    case 'requests':
      // Requests each cluster answered so far (refused ones while unreachable are not counted).
      return clusters.map((cluster) => cluster.requestLog.length);
    case 'connections':
      // Connections each cluster accepted so far: a request that found none open to reuse opened one.
      return clusters.map((cluster) => cluster.connectionsAccepted);
    case 'stop':
      await Promise.all(clusters.map((cluster) => cluster.stop()));
      clusters = [];
      return null;
  }
}

process.on('message', (request: FleetRequest) => {
  handle(request).then(
    (result) => process.send!({ id: request.id, result }),
    (error: Error) => process.send!({ id: request.id, error: error.message }),
  );
});

// Exits as a normal exit on SIGTERM, so that a --cpu-prof profile of the fleet is written.
process.on('SIGTERM', () => process.exit(0));
