import { createServer } from 'node:net';
import { Client } from 'pg';
import type { FakeCluster } from '../fake-kube';
import { JobQueueService } from '../../src/queue/job-queue.service';
import { JobName } from '../../src/queue/jobs';
import { auth, loginAdmin, registerUser, uniqueName } from './factories';
import { TestApp } from './test-app';

/** Registers a fake cluster through the API as the given (system administrator) token. */
export async function registerCluster(
  t: TestApp,
  token: string,
  clusterName: string,
  cluster: Pick<FakeCluster, 'kubeconfig'>,
): Promise<void> {
  await t
    .api()
    .post('/v1/cluster')
    .set(auth(token))
    .send({ clusterName, kubeconfig: cluster.kubeconfig })
    .expect(200);
}

/** Gives the named clusters `label`, as the system administrator. */
export async function labelClusters(t: TestApp, label: string, names: string[]): Promise<void> {
  const admin = await loginAdmin(t);
  await t
    .api()
    .post('/v1/cluster/label')
    .set(auth(admin))
    .send({ clusterLabel: label, clusterName: names })
    .expect(200);
}

/** The UUID the product gave a cluster, read through the API. */
export async function clusterIdOf(t: TestApp, token: string, clusterName: string): Promise<string> {
  const response = await t.api().get('/v1/cluster').set(auth(token)).expect(200);
  const row = response.body.data.find(
    (cluster: { clusterName: string }) => cluster.clusterName === clusterName,
  );
  if (!row) throw new Error(`cluster ${clusterName} not listed`);
  return row.clusterId;
}

/** Asks the workers for a node sync of one cluster now (as the repeating job would) and waits until it ran. */
export async function syncCluster(t: TestApp, clusterId: string): Promise<void> {
  await t.app.get(JobQueueService).enqueue(JobName.ClusterSync, { clusterId });
  await t.waitForQuietQueues();
}

/** A TCP port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs one query against the test application's own database. */
export async function queryDatabase<R extends Record<string, unknown>>(
  t: TestApp,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ connectionString: t.config.databaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The namespaces a fake cluster holds, by name. */
export const namespacesOf = (cluster: FakeCluster): string[] =>
  cluster.list('v1', 'Namespace').map((namespace: { metadata: { name: string } }) => namespace.metadata.name);

/** A business opened by a new approved admin user and left pending; returns its id. */
export async function pendingBusinessId(t: TestApp): Promise<number> {
  const owner = await registerUser(t, { isAdmin: true });
  await t
    .api()
    .post('/v1/business')
    .set(auth(owner.token))
    .send({ name: uniqueName('biz'), introduce: 'intro', objective: 'goal', scale: 'small' })
    .expect(200);
  const list = await t.api().get('/v1/business').set(auth(owner.token)).expect(200);
  return list.body.data[0].id;
}

/** A system administrator's audit of a pending business: 1 approves, 2 disapproves. */
export async function auditBusiness(t: TestApp, businessId: number, status: 1 | 2): Promise<void> {
  const admin = await loginAdmin(t);
  await t
    .api()
    .put(`/v1/business/id/${businessId}`)
    .set(auth(admin))
    .send({ comment: 'audit', status })
    .expect(200);
}
