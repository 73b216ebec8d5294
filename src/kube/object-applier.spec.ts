import { startFakeCluster, type FakeCluster } from '../sim';
import { makeKubeClients, type KubeClients } from './kube-clients';
import { canonicalKubeconfig, openStoredKubeconfig } from './kubeconfig';
import { deleteIfLabelled } from './object-applier';

describe('deleteIfLabelled', () => {
  let cluster: FakeCluster;
  let clients: KubeClients;
  beforeAll(async () => {
    cluster = await startFakeCluster({ name: 'marks', nodes: 1 });
    clients = makeKubeClients(openStoredKubeconfig(canonicalKubeconfig(cluster.kubeconfig)));
  });
  afterAll(() => cluster.stop());

  const configMap = (name: string, labels?: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
    data: { a: 'b' },
  });
  const header = (name: string) => configMap(name);
  const stored = (name: string) => cluster.get('v1', 'ConfigMap', 'default', name);

  it("deletes the object only when it carries the mark: another's object of the same name stays", async () => {
    cluster.apply(configMap('ours', { 'app.kubernetes.io/instance': 'web' }));
    cluster.apply(configMap('theirs', { 'app.kubernetes.io/instance': 'other' }));
    cluster.apply(configMap('unmarked'));
    const remove = (name: string) =>
      deleteIfLabelled(clients.objects, header(name), 'app.kubernetes.io/instance', 'web');

    expect(await remove('ours')).toBe('deleted');
    expect(stored('ours')).toBeUndefined();
    expect(await remove('theirs')).toBe('not ours');
    expect(await remove('unmarked')).toBe('not ours');
    expect(stored('theirs')).toBeDefined();
    expect(stored('unmarked')).toBeDefined();
    expect(await remove('never-there')).toBe('absent');
  });
});
