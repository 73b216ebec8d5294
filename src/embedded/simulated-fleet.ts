import type { INestApplicationContext } from '@nestjs/common';
import { UsersService } from '../auth/users.service';
import { ClusterLabelService } from '../cluster/cluster-label.service';
import { ClusterService } from '../cluster/cluster.service';
import type { Actor } from '../common/auth/actor';
import { Role } from '../common/auth/principal';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { startFakeCluster, type FakeCluster, type FakeNodeSpec } from '../sim';

interface SimulatedClusterSpec {
  name: string;
  /** Cluster labels given at the first registration only: an administrator may change them later. */
  labels: string[];
  nodes: FakeNodeSpec[];
}

/** The quick start's edge fleet: three small clusters, one with a GPU node. */
const SIMULATED_FLEET: readonly SimulatedClusterSpec[] = [
  {
    name: 'sim-edge-1',
    labels: ['edge', 'gpu'],
    nodes: [
      { name: 'sim-edge-1-cpu', cpu: '4', memory: '8Gi', labels: { 'ote-stack/zone': 'north' } },
      { name: 'sim-edge-1-gpu', cpu: '8', memory: '32Gi', gpu: 1, labels: { 'ote-stack/zone': 'north' } },
    ],
  },
  {
    name: 'sim-edge-2',
    labels: ['edge'],
    nodes: [
      { name: 'sim-edge-2-a', cpu: '4', memory: '8Gi', labels: { 'ote-stack/zone': 'south' } },
      { name: 'sim-edge-2-b', cpu: '4', memory: '8Gi', labels: { 'ote-stack/zone': 'south' } },
    ],
  },
  {
    name: 'sim-edge-3',
    labels: ['edge'],
    nodes: [{ name: 'sim-edge-3-a', cpu: '2', memory: '4Gi', labels: { 'ote-stack/zone': 'east' } }],
  },
];

export interface SimulatedFleet {
  clusters: FakeCluster[];
  stop(): Promise<void>;
}

/**
 * Starts the quick start's simulated clusters in this process (Kubernetes API simulators on
 * 127.0.0.1, see src/sim) and registers them through the cluster service as simulated, on behalf of
 * the system administrator ADMIN_USER. A cluster registered by an earlier start gets the new kubeconfig
 * (a new port and token at every start). Its workloads are gone, since a simulator keeps its objects
 * in memory; the first sync recreates the businesses' namespaces. Nothing is started when
 * SIMULATED_CLUSTERS is false.
 */
export async function registerSimulatedFleet(
  app: INestApplicationContext,
  log: (message: string) => void,
): Promise<SimulatedFleet> {
  const clusters: FakeCluster[] = [];
  const stop = async () => {
    await Promise.all(clusters.map((cluster) => cluster.stop()));
  };
  if (!app.get<AppConfig>(APP_CONFIG).simulatedClusters) {
    log('simulated clusters off (SIMULATED_CLUSTERS=0)');
    return { clusters, stop };
  }
  try {
    const actor = await quickStartActor(app);
    for (const spec of SIMULATED_FLEET) {
      const cluster = await startFakeCluster({ name: spec.name, nodes: spec.nodes });
      clusters.push(cluster);
      await register(app, actor, spec, cluster, log);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  log(
    `${clusters.length} SIMULATED edge clusters (${clusters.map((cluster) => cluster.name).join(', ')}) ` +
      'run inside this process: they are not real Kubernetes clusters, and they stop with it ' +
      '(SIMULATED_CLUSTERS=0 turns them off)',
  );
  return { clusters, stop };
}

async function register(
  app: INestApplicationContext,
  actor: Actor,
  spec: SimulatedClusterSpec,
  cluster: FakeCluster,
  log: (message: string) => void,
): Promise<void> {
  const clusterService = app.get(ClusterService);
  const existing = await clusterService.findByNameIfAny(spec.name);
  if (existing && !existing.simulated) {
    log(`cluster ${spec.name} is a registered real cluster: its simulated namesake is not registered`);
    return;
  }
  if (existing) {
    await clusterService.replaceKubeconfig(actor, spec.name, cluster.kubeconfig);
    log(`simulated cluster ${spec.name} (${cluster.url}): kubeconfig renewed`);
    return;
  }
  await clusterService.register(
    actor,
    { clusterName: spec.name, kubeconfig: cluster.kubeconfig },
    { simulated: true },
  );
  const labels = app.get(ClusterLabelService);
  for (const label of spec.labels) await labels.add({ clusterLabel: label, clusterName: [spec.name] });
  log(`simulated cluster ${spec.name} (${cluster.url}) registered, labels ${spec.labels.join(', ')}`);
}

/** The audit trail records the quick start's registrations as the system administrator's. */
async function quickStartActor(app: INestApplicationContext): Promise<Actor> {
  const { adminUser } = app.get<AppConfig>(APP_CONFIG);
  const admin = await app.get(UsersService).findByName(adminUser);
  if (!admin?.isSystemAdmin) {
    throw new Error(
      `the simulated clusters are registered as ADMIN_USER "${adminUser}", who is no system administrator`,
    );
  }
  return {
    userId: admin.id,
    userName: admin.userName,
    role: Role.SystemAdmin,
    isAdmin: true,
    businessId: null,
    tokenId: '',
    tokenExpiresAt: 0,
    tokenVersion: 0,
    sessionStartedAt: 0,
    sourceIp: '127.0.0.1',
  };
}
