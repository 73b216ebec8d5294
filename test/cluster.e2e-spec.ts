import type { Response } from 'supertest';
import { ClusterConnector } from '../src/cluster/cluster-connector.service';
import { FakeCluster, FakeNodeSpec, startFakeCluster } from './fake-kube';
import { closedPort, clusterIdOf, queryDatabase, registerCluster, syncCluster } from './support/clusters';
import { gate } from './support/gate';
import { approvedBusiness, auth, loginAdmin, registerUser, subUser, TestBusiness } from './support/factories';
import { TestUser } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KI = 1024;

// Explicit node specs, so that every expected value below is computed from them and not from the product.
const A_NODES: FakeNodeSpec[] = [
  {
    name: 'a-gpu',
    cpu: '8',
    memory: '16303548Ki',
    ephemeralStorage: '205252464Ki',
    gpu: 2,
    internalIP: '192.168.10.11',
    osImage: 'Ubuntu 22.04.4 LTS',
    operatingSystem: 'linux',
    kernelVersion: '5.15.0-91-generic',
    labels: { zone: 'north' },
  },
  {
    name: 'a-cpu',
    cpu: '2',
    memory: '4030280Ki',
    ephemeralStorage: '51290592Ki',
    internalIP: '192.168.10.12',
    operatingSystem: 'linux',
    kernelVersion: '5.10.0-28-arm64',
  },
];
const B_NODES: FakeNodeSpec[] = [
  {
    name: 'b-1',
    cpu: '16',
    memory: '65842204Ki',
    ephemeralStorage: '479152840Ki',
    gpu: 0,
    internalIP: '172.16.0.5',
    operatingSystem: 'windows',
    kernelVersion: '10.0.20348.2340',
    labels: { 'ote-stack/preset': 'true' },
  },
];

interface ExpectedNode {
  nodeName: string;
  clusterName: string;
  operatingSystem: string;
  kernelVersion: string;
  ip: string;
  cpu: number;
  memory: number;
  disk: number;
  gpu: number;
  isReady: boolean;
}

const kibibytes = (quantity: string) => {
  expect(quantity).toMatch(/^\d+Ki$/);
  return Number(quantity.slice(0, -2)) * KI;
};

const expectedNode = (clusterName: string, spec: FakeNodeSpec): ExpectedNode => ({
  nodeName: spec.name,
  clusterName,
  operatingSystem: spec.operatingSystem!,
  kernelVersion: spec.kernelVersion!,
  ip: spec.internalIP!,
  cpu: Number(spec.cpu),
  memory: kibibytes(spec.memory!),
  disk: kibibytes(spec.ephemeralStorage!),
  gpu: spec.gpu ?? 0,
  isReady: true,
});

// The fake's documented kubelet-like defaults for `nodes: 3`.
const C_NODES: ExpectedNode[] = [0, 1, 2].map((index) => ({
  nodeName: `node-${index}`,
  clusterName: 'edge-c',
  operatingSystem: 'linux',
  kernelVersion: '6.1.0-18-amd64',
  ip: `10.0.0.${index + 2}`,
  cpu: 4,
  memory: 8148012 * KI,
  disk: 102626232 * KI,
  gpu: 0,
  isReady: true,
}));

const ALL_NODES: ExpectedNode[] = [
  ...A_NODES.map((spec) => expectedNode('edge-a', spec)),
  ...B_NODES.map((spec) => expectedNode('edge-b', spec)),
  ...C_NODES,
];

const byName = <T extends { nodeName?: unknown; clusterName?: unknown }>(rows: T[]) =>
  [...rows].sort((x, y) => `${x.clusterName}/${x.nodeName}`.localeCompare(`${y.clusterName}/${y.nodeName}`));

const BAD_LABELS = ['-bad', 'bad-', 'a b', 'x'.repeat(64), 'under_score', '', 'ünï', 'a/b'];

describe('clusters and nodes (/v1/cluster, /v1/node)', () => {
  let t: TestApp;
  let admin: string;
  let a: FakeCluster;
  let b: FakeCluster;
  let c: FakeCluster;
  let business: TestBusiness;
  let general: TestUser;

  beforeAll(async () => {
    [t, a, b, c] = await Promise.all([
      startTestApp(),
      startFakeCluster({ name: 'edge-a', nodes: A_NODES }),
      startFakeCluster({ name: 'edge-b', nodes: B_NODES }),
      startFakeCluster({ name: 'edge-c', nodes: 3 }),
    ]);
    admin = await loginAdmin(t);
    business = await approvedBusiness(t);
    general = await subUser(t, business);
  });
  afterAll(async () => {
    await Promise.all([a, b, c].filter(Boolean).map((cluster) => cluster.stop()));
    await t?.close();
  });

  const listClusters = async (query = '', token = admin) =>
    (await t.api().get(`/v1/cluster${query}`).set(auth(token)).expect(200)).body;
  const listNodes = async (query = '', token = admin) =>
    (await t.api().get(`/v1/node${query}`).set(auth(token)).expect(200)).body;

  describe('POST /v1/cluster', () => {
    it('registers three clusters from their kubeconfigs', async () => {
      for (const [name, cluster] of [
        ['edge-a', a],
        ['edge-b', b],
      ] as const) {
        const response = await t
          .api()
          .post('/v1/cluster')
          .set(auth(admin))
          .send({ clusterName: name, kubeconfig: cluster.kubeconfig })
          .expect(200);
        expect(response.body).toEqual({ code: 200, message: 'success' });
      }
      // A cluster that resets every connection at registration is refused; once healthy it registers.
      await c.setMode('unreachable');
      const refused = await t
        .api()
        .post('/v1/cluster')
        .set(auth(admin))
        .send({ clusterName: 'edge-c', kubeconfig: c.kubeconfig })
        .expect(422);
      expect(refused.body).toEqual({
        code: 422,
        message: expect.stringMatching(/unreachable|reset|closed|fetch failed/i),
      });
      await c.setMode('healthy');
      await registerCluster(t, admin, 'edge-c', c);
      // Registration read the nodes: each cluster was asked for them.
      for (const cluster of [a, b, c]) {
        expect(
          cluster.requestLog.some(
            (entry) =>
              entry.method === 'GET' && entry.path.startsWith('/api/v1/nodes') && entry.status === 200,
          ),
        ).toBe(true);
      }
    });

    it('409 for a name that is taken, whatever the kubeconfig', async () => {
      const response = await t
        .api()
        .post('/v1/cluster')
        .set(auth(admin))
        .send({ clusterName: 'edge-a', kubeconfig: b.kubeconfig })
        .expect(409);
      expect(response.body).toEqual({ code: 409, message: expect.stringContaining('edge-a') });
      expect((await listClusters()).total).toBe(3);
    });

    it('422 with the reason for a kubeconfig whose server does not answer', async () => {
      const port = await closedPort();
      const kubeconfig = a.kubeconfig.replace(a.url, `http://127.0.0.1:${port}`);
      expect(kubeconfig).not.toBe(a.kubeconfig);
      const started = Date.now();
      const response = await t
        .api()
        .post('/v1/cluster')
        .set(auth(admin))
        .send({ clusterName: 'nowhere', kubeconfig })
        .expect(422);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(response.body).toEqual({
        code: 422,
        message: expect.stringMatching(/ECONNREFUSED|unreachable|refused/i),
      });
      expect(response.body.message).toContain('kubeconfig');
      expect(
        (await listClusters()).data.map((row: { clusterName: string }) => row.clusterName),
      ).not.toContain('nowhere');
    });

    it('422 with the reason for a kubeconfig whose credentials the cluster refuses', async () => {
      const kubeconfig = a.kubeconfig.replace(a.token, 'not-the-token');
      expect(kubeconfig).not.toBe(a.kubeconfig);
      const response = await t
        .api()
        .post('/v1/cluster')
        .set(auth(admin))
        .send({ clusterName: 'wrong-token', kubeconfig })
        .expect(422);
      expect(response.body).toEqual({
        code: 422,
        message: expect.stringMatching(/unauthori[sz]ed|401|denied|credential/i),
      });
    });

    it.each([
      ['garbage', ':::{{ not yaml ]]'],
      ['plain text', 'hello world'],
      ['YAML that is not a kubeconfig', 'a: 1\nb: [1, 2]\n'],
      [
        'a kubeconfig without a current context',
        'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n',
      ],
    ])('422 for %s as kubeconfig', async (_name, kubeconfig) => {
      const response = await t
        .api()
        .post('/v1/cluster')
        .set(auth(admin))
        .send({ clusterName: 'garbage', kubeconfig })
        .expect(422);
      expect(response.body).toEqual({ code: 422, message: expect.stringContaining('kubeconfig') });
    });

    it('422 naming each missing field', async () => {
      const response = await t.api().post('/v1/cluster').set(auth(admin)).send({}).expect(422);
      expect(response.body.message).toContain('clusterName');
      expect(response.body.message).toContain('kubeconfig');
    });

    it.each(BAD_LABELS.map((name) => [JSON.stringify(name), name]))(
      '422 for clusterName %s',
      async (_shown, clusterName) => {
        const response = await t
          .api()
          .post('/v1/cluster')
          .set(auth(admin))
          .send({ clusterName, kubeconfig: b.kubeconfig })
          .expect(422);
        expect(response.body).toEqual({ code: 422, message: expect.stringContaining('clusterName') });
      },
    );

    it('422 for clusterName "label", which DELETE /v1/cluster/label would shadow; nothing is registered', async () => {
      const response = await t
        .api()
        .post('/v1/cluster')
        .set(auth(admin))
        .send({ clusterName: 'label', kubeconfig: b.kubeconfig })
        .expect(422);
      expect(response.body).toEqual({
        code: 422,
        message: 'clusterName must not be label: /v1/cluster/label is the cluster label route',
      });
      const clusters = await listClusters();
      expect(clusters.total).toBe(3);
      expect(clusters.data.map((row: { clusterName: string }) => row.clusterName)).not.toContain('label');
    });

    it('403 for anyone but a system administrator, 401 without a token', async () => {
      const pending = await registerUser(t, { approve: false });
      const approvedNoBusiness = await registerUser(t);
      for (const token of [business.admin.token, general.token, pending.token, approvedNoBusiness.token]) {
        await t
          .api()
          .post('/v1/cluster')
          .set(auth(token))
          .send({ clusterName: 'sneaky', kubeconfig: b.kubeconfig })
          .expect(403);
      }
      await t.api().post('/v1/cluster').send({ clusterName: 'sneaky', kubeconfig: b.kubeconfig }).expect(401);
      expect((await listClusters()).total).toBe(3);
    });
  });

  describe('GET /v1/cluster', () => {
    it('lists every cluster with its UUID, node count, readiness and whether it is simulated (never, through POST)', async () => {
      const body = await listClusters();
      expect(body).toMatchObject({ code: 200, message: 'success', total: 3 });
      const rows = [...body.data].sort((x, y) => x.clusterName.localeCompare(y.clusterName));
      expect(rows).toEqual([
        {
          clusterName: 'edge-a',
          clusterId: expect.stringMatching(UUID),
          nodeCount: 2,
          isReady: true,
          simulated: false,
        },
        {
          clusterName: 'edge-b',
          clusterId: expect.stringMatching(UUID),
          nodeCount: 1,
          isReady: true,
          simulated: false,
        },
        {
          clusterName: 'edge-c',
          clusterId: expect.stringMatching(UUID),
          nodeCount: 3,
          isReady: true,
          simulated: false,
        },
      ]);
      expect(new Set(rows.map((row) => row.clusterId)).size).toBe(3);
      expect(await listClusters('?clusterLabel=all')).toEqual(body);
    });

    it('has no page limit by default; page and pageSize page it; bad paging is 422', async () => {
      // Nine more registrations of edge-c's kubeconfig make twelve clusters, more than any default page.
      const extra = Array.from({ length: 9 }, (_, index) => `extra-${index}`);
      for (const name of extra) await registerCluster(t, admin, name, c);
      try {
        const all = await listClusters();
        expect(all.total).toBe(12);
        expect(all.data).toHaveLength(12);
        const seen = new Set<string>();
        for (const page of [1, 2, 3]) {
          const body = await listClusters(`?page=${page}&pageSize=5`);
          expect(body.total).toBe(12);
          expect(body.data).toHaveLength(page === 3 ? 2 : 5);
          for (const row of body.data) seen.add(row.clusterName);
        }
        expect(seen.size).toBe(12);
        expect((await listClusters('?page=4&pageSize=5')).data).toEqual([]);
        for (const query of ['?page=0', '?page=abc', '?pageSize=-1', '?pageSize=x']) {
          const response = await t.api().get(`/v1/cluster${query}`).set(auth(admin)).expect(422);
          expect(response.body.code).toBe(422);
        }
      } finally {
        for (const name of extra) await t.api().delete(`/v1/cluster/${name}`).set(auth(admin)).expect(200);
      }
      expect((await listClusters()).total).toBe(3);
    });
  });

  describe('cluster labels', () => {
    const addLabel = (clusterLabel: string, clusterName: string[]) =>
      t.api().post('/v1/cluster/label').set(auth(admin)).send({ clusterLabel, clusterName });
    const removeLabel = (clusterLabel: string, clusterName: string[]) =>
      t.api().delete('/v1/cluster/label').set(auth(admin)).send({ clusterLabel, clusterName });
    const names = (body: { data: { clusterName: string }[] }) =>
      body.data.map((row) => row.clusterName).sort();

    it('POST labels clusters; GET lists labels, the labels of a cluster, and filters clusters by label; DELETE removes', async () => {
      const before = Math.floor(Date.now() / 1000);
      const added = await addLabel('gpu', ['edge-a', 'edge-b']).expect(200);
      expect(added.body).toEqual({ code: 200, message: 'success' });
      await addLabel('Beijing.North-1', ['edge-a']).expect(200);

      const labels = await t.api().get('/v1/cluster/label').set(auth(admin)).expect(200);
      // SPEC §1: a list carries `total` beside `data`; this one is not paged, so it counts `data`.
      expect(labels.body).toEqual({ code: 200, message: 'success', data: expect.any(Array), total: 2 });
      expect([...labels.body.data].sort()).toEqual(['Beijing.North-1', 'gpu'].sort());

      const ofA = await t.api().get('/v1/cluster/label/edge-a').set(auth(admin)).expect(200);
      expect(ofA.body).toMatchObject({ code: 200, message: 'success', total: 2 });
      expect([...ofA.body.data].sort((x, y) => x.clusterLabel.localeCompare(y.clusterLabel))).toEqual(
        [
          { clusterLabel: 'Beijing.North-1', createTime: expect.any(Number) },
          { clusterLabel: 'gpu', createTime: expect.any(Number) },
        ].sort((x, y) => x.clusterLabel.localeCompare(y.clusterLabel)),
      );
      for (const row of ofA.body.data) {
        expect(Number.isInteger(row.createTime)).toBe(true);
        expect(row.createTime).toBeGreaterThanOrEqual(before - 5);
        expect(row.createTime).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 5);
      }
      expect((await t.api().get('/v1/cluster/label/edge-c').set(auth(admin)).expect(200)).body).toMatchObject(
        { data: [], total: 0 },
      );

      const gpu = await listClusters('?clusterLabel=gpu');
      expect(gpu.total).toBe(2);
      expect(names(gpu)).toEqual(['edge-a', 'edge-b']);
      expect(gpu.data.find((row: { clusterName: string }) => row.clusterName === 'edge-a')).toEqual({
        clusterName: 'edge-a',
        clusterId: await clusterIdOf(t, admin, 'edge-a'),
        nodeCount: 2,
        isReady: true,
        simulated: false,
      });
      expect(await listClusters('?clusterLabel=nobody-has-this')).toMatchObject({ data: [], total: 0 });

      const removed = await removeLabel('gpu', ['edge-b']).expect(200);
      expect(removed.body).toEqual({ code: 200, message: 'success' });
      expect(names(await listClusters('?clusterLabel=gpu'))).toEqual(['edge-a']);
      expect((await t.api().get('/v1/cluster/label/edge-b').set(auth(admin)).expect(200)).body.total).toBe(0);

      await removeLabel('gpu', ['edge-a']).expect(200);
      await removeLabel('Beijing.North-1', ['edge-a']).expect(200);
      expect((await t.api().get('/v1/cluster/label').set(auth(admin)).expect(200)).body).toEqual({
        code: 200,
        message: 'success',
        data: [],
        total: 0,
      });
      expect(await listClusters('?clusterLabel=gpu')).toMatchObject({ data: [], total: 0 });
    });

    it('GET /v1/cluster/label/{clusterName} pages: default 10, pageSize=0 is no limit', async () => {
      const labels = Array.from({ length: 12 }, (_, index) => `l${String(index).padStart(2, '0')}`);
      for (const label of labels) await addLabel(label, ['edge-c']).expect(200);
      try {
        const first = await t.api().get('/v1/cluster/label/edge-c').set(auth(admin)).expect(200);
        expect(first.body.total).toBe(12);
        expect(first.body.data).toHaveLength(10);
        const second = await t.api().get('/v1/cluster/label/edge-c?page=2').set(auth(admin)).expect(200);
        expect(second.body.data).toHaveLength(2);
        const seen = [...first.body.data, ...second.body.data].map(
          (row: { clusterLabel: string }) => row.clusterLabel,
        );
        expect(seen.sort()).toEqual(labels);
        const unlimited = await t
          .api()
          .get('/v1/cluster/label/edge-c?pageSize=0')
          .set(auth(admin))
          .expect(200);
        expect(unlimited.body.data).toHaveLength(12);
        const small = await t
          .api()
          .get('/v1/cluster/label/edge-c?page=3&pageSize=5')
          .set(auth(admin))
          .expect(200);
        expect(small.body).toMatchObject({ total: 12 });
        expect(small.body.data).toHaveLength(2);
        await t.api().get('/v1/cluster/label/edge-c?pageSize=-1').set(auth(admin)).expect(422);
      } finally {
        for (const label of labels) await removeLabel(label, ['edge-c']).expect(200);
      }
    });

    it('accepts label names at the edges of the rule', async () => {
      for (const label of ['a', '9', 'x'.repeat(63), 'A.b-9']) {
        await addLabel(label, ['edge-b']).expect(200);
        await removeLabel(label, ['edge-b']).expect(200);
      }
    });

    it.each(BAD_LABELS.map((label) => [JSON.stringify(label), label]))(
      '422 for the label name %s',
      async (_shown, label) => {
        const add = await addLabel(label, ['edge-a']).expect(422);
        expect(add.body).toEqual({ code: 422, message: expect.stringContaining('clusterLabel') });
        const remove = await removeLabel(label, ['edge-a']).expect(422);
        expect(remove.body.message).toContain('clusterLabel');
      },
    );

    it('422 for a missing or empty cluster list', async () => {
      expect(
        (await t.api().post('/v1/cluster/label').set(auth(admin)).send({ clusterLabel: 'x' }).expect(422))
          .body.message,
      ).toContain('clusterName');
      expect((await addLabel('x', []).expect(422)).body.message).toContain('clusterName');
    });

    it('404 for an unknown cluster, and nothing is labeled', async () => {
      const response = await addLabel('partial', ['edge-a', 'no-such-cluster']).expect(404);
      expect(response.body).toEqual({ code: 404, message: expect.stringContaining('no-such-cluster') });
      expect((await t.api().get('/v1/cluster/label/edge-a').set(auth(admin)).expect(200)).body.total).toBe(0);
      await removeLabel('partial', ['no-such-cluster']).expect(404);
      const get = await t.api().get('/v1/cluster/label/no-such-cluster').set(auth(admin)).expect(404);
      expect(get.body).toEqual({ code: 404, message: expect.stringContaining('no-such-cluster') });
    });
  });

  describe('GET /v1/node', () => {
    it('maps every Node of every cluster as SPEC §4 says', async () => {
      const body = await listNodes('?pageSize=100');
      expect(body).toMatchObject({ code: 200, message: 'success', total: 6, meta: { readyNodeCount: 6 } });
      expect(byName(body.data)).toEqual(byName(ALL_NODES));
    });

    it('pages by 10 by default', async () => {
      const body = await listNodes();
      expect(body.total).toBe(6);
      expect(body.data).toHaveLength(6);
      const pages = [1, 2, 3].map((page) => listNodes(`?page=${page}&pageSize=2`));
      const rows = (await Promise.all(pages)).flatMap((page) => {
        expect(page.total).toBe(6);
        expect(page.data).toHaveLength(2);
        return page.data;
      });
      expect(byName(rows)).toEqual(byName(ALL_NODES));
      for (const query of ['?page=0', '?pageSize=-1', '?pageSize=abc'])
        await t.api().get(`/v1/node${query}`).set(auth(admin)).expect(422);
    });

    it('field= keeps only the named fields; an unknown field is 422', async () => {
      const body = await listNodes('?field=nodeName,ip,gpu&pageSize=100');
      expect(body.total).toBe(6);
      expect(body.meta).toEqual({ readyNodeCount: 6 });
      const expected = ALL_NODES.map(({ nodeName, ip, gpu }) => ({ nodeName, ip, gpu }));
      const sort = (rows: { nodeName: string; ip: string }[]) =>
        [...rows].sort((x, y) => x.ip.localeCompare(y.ip));
      expect(sort(body.data)).toEqual(sort(expected));
      for (const row of body.data) expect(Object.keys(row).sort()).toEqual(['gpu', 'ip', 'nodeName']);

      const single = await listNodes('?field=memory&nodeName=a-gpu');
      expect(single.data).toEqual([{ memory: 16303548 * KI }]);

      for (const query of ['?field=password', '?field=nodeName,bogus', '?field=kubeconfig']) {
        const response = await t.api().get(`/v1/node${query}`).set(auth(admin)).expect(422);
        expect(response.body).toEqual({ code: 422, message: expect.stringContaining('field') });
      }
    });

    it('filters by clusterName and nodeName', async () => {
      const ofA = await listNodes('?clusterName=edge-a');
      expect(ofA).toMatchObject({ total: 2, meta: { readyNodeCount: 2 } });
      expect(byName(ofA.data)).toEqual(byName(A_NODES.map((spec) => expectedNode('edge-a', spec))));

      const one = await listNodes('?nodeName=node-1');
      expect(one).toMatchObject({ total: 1, meta: { readyNodeCount: 1 } });
      expect(one.data).toEqual([C_NODES[1]]);

      expect(await listNodes('?clusterName=edge-a&nodeName=node-1')).toMatchObject({
        data: [],
        total: 0,
        meta: { readyNodeCount: 0 },
      });
      expect(await listNodes('?clusterName=no-such-cluster')).toMatchObject({ data: [], total: 0 });
    });

    it('meta.readyNodeCount and isReady follow the Ready condition after a sync', async () => {
      c.setNodeReady('node-2', false);
      await syncCluster(t, await clusterIdOf(t, admin, 'edge-c'));
      try {
        const all = await listNodes('?pageSize=100');
        expect(all).toMatchObject({ total: 6, meta: { readyNodeCount: 5 } });
        expect(all.data.find((row: ExpectedNode) => row.nodeName === 'node-2')).toEqual({
          ...C_NODES[2],
          isReady: false,
        });
        expect(await listNodes('?clusterName=edge-c')).toMatchObject({
          total: 3,
          meta: { readyNodeCount: 2 },
        });
        expect(await listNodes('?clusterName=edge-a')).toMatchObject({
          total: 2,
          meta: { readyNodeCount: 2 },
        });
        // The cluster answered, so it stays ready: one not-ready node does not make the cluster not ready.
        const clusters = await listClusters();
        expect(
          clusters.data.find((row: { clusterName: string }) => row.clusterName === 'edge-c'),
        ).toMatchObject({ nodeCount: 3, isReady: true });
      } finally {
        c.setNodeReady('node-2', true);
        await syncCluster(t, await clusterIdOf(t, admin, 'edge-c'));
      }
      expect((await listNodes()).meta).toEqual({ readyNodeCount: 6 });
    });
  });

  describe('node labels', () => {
    const addLabel = (body: Record<string, unknown>, token = admin) =>
      t.api().post('/v1/node/label').set(auth(token)).send(body);
    const removeLabel = (body: Record<string, unknown>, token = admin) =>
      t.api().delete('/v1/node/label').set(auth(token)).send(body);
    const nodeLabels = (cluster: FakeCluster, name: string): Record<string, string> =>
      cluster.get('v1', 'Node', undefined, name).metadata.labels;
    const labelNames = async (query = '') =>
      (await t.api().get(`/v1/node/label${query}`).set(auth(admin)).expect(200)).body;

    it('POST sets ote-stack/<label>: "true" on the Node objects; GET lists it and filters by it; DELETE removes it', async () => {
      const before = nodeLabels(a, 'a-gpu');
      expect(before).toMatchObject({ zone: 'north', 'kubernetes.io/hostname': 'a-gpu' });
      const added = await addLabel({
        nodeLabel: 'camera',
        clusterName: 'edge-a',
        nodeName: ['a-gpu', 'a-cpu'],
      }).expect(200);
      expect(added.body).toEqual({ code: 200, message: 'success' });
      for (const name of ['a-gpu', 'a-cpu']) expect(nodeLabels(a, name)['ote-stack/camera']).toBe('true');
      // A merge patch: the node's other labels stay.
      expect(nodeLabels(a, 'a-gpu')).toEqual({ ...before, 'ote-stack/camera': 'true' });
      // Only edge-a's nodes were touched.
      for (const cluster of [b, c])
        expect(
          cluster.requestLog.filter(
            (entry) => entry.path.startsWith('/api/v1/nodes') && entry.method !== 'GET',
          ),
        ).toEqual([]);

      const filtered = await listNodes('?nodeLabel=camera');
      expect(filtered).toMatchObject({ total: 2, meta: { readyNodeCount: 2 } });
      expect(byName(filtered.data)).toEqual(byName(A_NODES.map((spec) => expectedNode('edge-a', spec))));
      // `all` is every node, as for clusters and deployments.
      expect((await listNodes('?nodeLabel=all')).total).toBe((await listNodes('')).total);

      expect(await labelNames('?clusterName=edge-a')).toEqual({
        code: 200,
        message: 'success',
        data: ['camera'],
        total: 1,
      });
      // edge-b's node came with ote-stack/preset: "true" of its own; the list is read from the clusters.
      expect((await labelNames('?clusterName=edge-b')).data).toEqual(['preset']);
      expect(await labelNames('?clusterName=edge-c')).toEqual({
        code: 200,
        message: 'success',
        data: [],
        total: 0,
      });
      const all = await labelNames();
      expect([...all.data].sort()).toEqual(['camera', 'preset']);
      expect(all.total).toBe(2);

      const removed = await removeLabel({
        nodeLabel: 'camera',
        clusterName: 'edge-a',
        nodeName: ['a-cpu'],
      }).expect(200);
      expect(removed.body).toEqual({ code: 200, message: 'success' });
      expect(nodeLabels(a, 'a-cpu')).not.toHaveProperty('ote-stack/camera');
      expect(nodeLabels(a, 'a-gpu')['ote-stack/camera']).toBe('true');
      const remaining = await listNodes('?nodeLabel=camera');
      expect(remaining.total).toBe(1);
      expect(remaining.data[0]).toEqual(expectedNode('edge-a', A_NODES[0]));
      expect((await labelNames('?clusterName=edge-a')).data).toEqual(['camera']);

      await removeLabel({ nodeLabel: 'camera', clusterName: 'edge-a', nodeName: ['a-gpu'] }).expect(200);
      expect(nodeLabels(a, 'a-gpu')).toEqual(before);
      expect((await labelNames('?clusterName=edge-a')).data).toEqual([]);
      expect(await listNodes('?nodeLabel=camera')).toMatchObject({
        data: [],
        total: 0,
        meta: { readyNodeCount: 0 },
      });
    });

    it('a label set on the cluster itself shows after a sync', async () => {
      const node = c.get('v1', 'Node', undefined, 'node-0');
      node.metadata.labels['ote-stack/outside'] = 'true';
      c.apply(node);
      await syncCluster(t, await clusterIdOf(t, admin, 'edge-c'));
      expect((await labelNames('?clusterName=edge-c')).data).toEqual(['outside']);
      expect((await listNodes('?nodeLabel=outside')).data).toEqual([C_NODES[0]]);
      await removeLabel({ nodeLabel: 'outside', clusterName: 'edge-c', nodeName: ['node-0'] }).expect(200);
      expect(nodeLabels(c, 'node-0')).not.toHaveProperty('ote-stack/outside');
    });

    /**
     * Runs `change` while a sync of `clusterName` holds the node list it read before the change, then
     * lets that sync write what it read.
     */
    const whileSyncHoldsItsList = async (clusterName: string, change: () => Promise<unknown>) => {
      const clusterId = await clusterIdOf(t, admin, clusterName);
      const connector = t.app.get(ClusterConnector);
      const clientsFor = connector.clientsFor.bind(connector);
      const held = gate();
      const spy = jest.spyOn(connector, 'clientsFor').mockImplementation((cluster) => {
        const clients = clientsFor(cluster);
        if (cluster.id !== clusterId) return clients;
        spy.mockRestore();
        const core = Object.create(clients.core) as typeof clients.core;
        core.listNode = async (...args) => {
          const answer = await clients.core.listNode(...args);
          held.entered();
          await held.opened;
          return answer;
        };
        return { ...clients, core };
      });
      try {
        const synced = syncCluster(t, clusterId);
        await held.reached;
        await change();
        held.open();
        await synced;
      } finally {
        spy.mockRestore();
        held.open();
      }
    };

    it('a label set or removed while a sync is reading the nodes is not undone by that sync', async () => {
      await whileSyncHoldsItsList('edge-b', () =>
        addLabel({ nodeLabel: 'racing', clusterName: 'edge-b', nodeName: ['b-1'] }).expect(200),
      );
      expect((await labelNames('?clusterName=edge-b')).data).toEqual(['preset', 'racing']);
      expect((await listNodes('?nodeLabel=racing')).total).toBe(1);

      await whileSyncHoldsItsList('edge-b', () =>
        removeLabel({ nodeLabel: 'racing', clusterName: 'edge-b', nodeName: ['b-1'] }).expect(200),
      );
      expect((await labelNames('?clusterName=edge-b')).data).toEqual(['preset']);
      expect((await listNodes('?nodeLabel=racing')).total).toBe(0);

      // The next sync reads the cluster as it is, and changes nothing.
      await syncCluster(t, await clusterIdOf(t, admin, 'edge-b'));
      expect((await labelNames('?clusterName=edge-b')).data).toEqual(['preset']);
    });

    it.each(BAD_LABELS.map((label) => [JSON.stringify(label), label]))(
      '422 for the label name %s',
      async (_shown, nodeLabel) => {
        const add = await addLabel({ nodeLabel, clusterName: 'edge-a', nodeName: ['a-gpu'] }).expect(422);
        expect(add.body).toEqual({ code: 422, message: expect.stringContaining('nodeLabel') });
        await removeLabel({ nodeLabel, clusterName: 'edge-a', nodeName: ['a-gpu'] }).expect(422);
        expect(Object.keys(nodeLabels(a, 'a-gpu')).filter((key) => key.startsWith('ote-stack/'))).toEqual([]);
      },
    );

    it('422 naming missing fields', async () => {
      const response = await addLabel({}).expect(422);
      for (const field of ['nodeLabel', 'clusterName', 'nodeName'])
        expect(response.body.message).toContain(field);
      expect(
        (await addLabel({ nodeLabel: 'x', clusterName: 'edge-a', nodeName: [] }).expect(422)).body.message,
      ).toContain('nodeName');
    });

    it('404 for an unknown cluster or node, and no node is patched', async () => {
      const unknownCluster = await addLabel({
        nodeLabel: 'x',
        clusterName: 'no-such-cluster',
        nodeName: ['a-gpu'],
      }).expect(404);
      expect(unknownCluster.body).toEqual({ code: 404, message: expect.stringContaining('no-such-cluster') });
      const nodeWrites = () =>
        a.requestLog.filter((entry) => entry.path.startsWith('/api/v1/nodes') && entry.method !== 'GET')
          .length;
      const writesBefore = nodeWrites();
      const unknownNode = await addLabel({
        nodeLabel: 'x',
        clusterName: 'edge-a',
        nodeName: ['a-gpu', 'ghost'],
      }).expect(404);
      expect(unknownNode.body).toEqual({ code: 404, message: expect.stringContaining('ghost') });
      // b-1 lives in edge-b, not in edge-a.
      await addLabel({ nodeLabel: 'x', clusterName: 'edge-a', nodeName: ['b-1'] }).expect(404);
      await removeLabel({ nodeLabel: 'x', clusterName: 'edge-a', nodeName: ['ghost'] }).expect(404);
      await removeLabel({ nodeLabel: 'x', clusterName: 'no-such-cluster', nodeName: ['a-gpu'] }).expect(404);
      expect(nodeWrites()).toBe(writesBefore);
      expect(nodeLabels(a, 'a-gpu')).not.toHaveProperty('ote-stack/x');
      await t.api().get('/v1/node/label?clusterName=no-such-cluster').set(auth(admin)).expect(404);
    });
  });

  describe('roles', () => {
    it('a general user and a business administrator read clusters and nodes but may not write', async () => {
      for (const token of [general.token, business.admin.token]) {
        expect((await listClusters('', token)).total).toBe(3);
        expect((await listNodes('?pageSize=100', token)).total).toBe(6);
        await t.api().get('/v1/cluster/label').set(auth(token)).expect(200);
        await t.api().get('/v1/cluster/label/edge-a').set(auth(token)).expect(200);
        await t.api().get('/v1/node/label?clusterName=edge-a').set(auth(token)).expect(200);

        await t
          .api()
          .post('/v1/cluster')
          .set(auth(token))
          .send({ clusterName: 'mine', kubeconfig: b.kubeconfig })
          .expect(403);
        await t.api().delete('/v1/cluster/edge-b').set(auth(token)).expect(403);
        await t
          .api()
          .post('/v1/cluster/label')
          .set(auth(token))
          .send({ clusterLabel: 'x', clusterName: ['edge-a'] })
          .expect(403);
        await t
          .api()
          .delete('/v1/cluster/label')
          .set(auth(token))
          .send({ clusterLabel: 'x', clusterName: ['edge-a'] })
          .expect(403);
        await t
          .api()
          .post('/v1/node/label')
          .set(auth(token))
          .send({ nodeLabel: 'x', clusterName: 'edge-a', nodeName: ['a-gpu'] })
          .expect(403);
        await t
          .api()
          .delete('/v1/node/label')
          .set(auth(token))
          .send({ nodeLabel: 'x', clusterName: 'edge-a', nodeName: ['a-gpu'] })
          .expect(403);
      }
      expect(nodeLabels(a, 'a-gpu')).not.toHaveProperty('ote-stack/x');
      expect((await t.api().get('/v1/cluster/label/edge-a').set(auth(admin)).expect(200)).body.total).toBe(0);
      expect((await listClusters()).total).toBe(3);
    });

    it('a pending user gets 403 and no token gets 401', async () => {
      const pending = await registerUser(t, { approve: false });
      for (const path of [
        '/v1/cluster',
        '/v1/node',
        '/v1/cluster/label',
        '/v1/cluster/label/edge-a',
        '/v1/node/label',
      ]) {
        const response = await t.api().get(path).set(auth(pending.token)).expect(403);
        expect(response.body.code).toBe(403);
        await t.api().get(path).expect(401);
      }
      await t
        .api()
        .post('/v1/node/label')
        .set(auth(pending.token))
        .send({ nodeLabel: 'x', clusterName: 'edge-a', nodeName: ['a-gpu'] })
        .expect(403);
    });

    function nodeLabels(cluster: FakeCluster, name: string): Record<string, string> {
      return cluster.get('v1', 'Node', undefined, name).metadata.labels;
    }
  });

  describe('DELETE /v1/cluster/{clusterName}', () => {
    it('forgets a cluster with its nodes and labels; 404 afterwards', async () => {
      await registerCluster(t, admin, 'doomed', b);
      await t
        .api()
        .post('/v1/cluster/label')
        .set(auth(admin))
        .send({ clusterLabel: 'only-doomed', clusterName: ['doomed'] })
        .expect(200);
      expect((await listNodes('?clusterName=doomed')).total).toBe(1);

      const response = await t.api().delete('/v1/cluster/doomed').set(auth(admin)).expect(200);
      expect(response.body).toEqual({ code: 200, message: 'success' });
      const clusters = await listClusters();
      expect(clusters.total).toBe(3);
      expect(clusters.data.map((row: { clusterName: string }) => row.clusterName)).not.toContain('doomed');
      expect(await listNodes('?clusterName=doomed')).toMatchObject({ data: [], total: 0 });
      expect((await listNodes()).total).toBe(6);
      expect((await t.api().get('/v1/cluster/label').set(auth(admin)).expect(200)).body.data).not.toContain(
        'only-doomed',
      );
      await t.api().get('/v1/cluster/label/doomed').set(auth(admin)).expect(404);
      const again = await t.api().delete('/v1/cluster/doomed').set(auth(admin)).expect(404);
      expect(again.body).toEqual({ code: 404, message: expect.stringContaining('doomed') });
      // The cluster itself is untouched: forgetting is not deleting anything in it.
      expect(b.get('v1', 'Node', undefined, 'b-1')).toBeDefined();
      // The name is free again.
      await registerCluster(t, admin, 'doomed', b);
      await t.api().delete('/v1/cluster/doomed').set(auth(admin)).expect(200);
    });
  });

  describe('secrets', () => {
    it('no route returns a kubeconfig or a bearer token, in successes or in errors', async () => {
      const tokens = [a, b, c].map((cluster) => cluster.token);
      const responses: Response[] = [];
      const hit = async (response: Promise<Response>) => {
        responses.push(await response);
      };
      const as = (token: string) => auth(token);

      // Registration, successful and failing in every way, including malformed YAML around the token.
      await hit(
        t
          .api()
          .post('/v1/cluster')
          .set(as(admin))
          .send({ clusterName: 'secret-probe', kubeconfig: a.kubeconfig }),
      );
      await hit(
        t
          .api()
          .post('/v1/cluster')
          .set(as(admin))
          .send({ clusterName: 'secret-probe', kubeconfig: a.kubeconfig }),
      );
      await hit(
        t
          .api()
          .post('/v1/cluster')
          .set(as(admin))
          .send({ clusterName: 'bad token', kubeconfig: a.kubeconfig }),
      );
      await hit(
        t
          .api()
          .post('/v1/cluster')
          .set(as(admin))
          .send({ clusterName: 'broken', kubeconfig: a.kubeconfig.replace(`"${a.token}"`, `"${a.token}`) }),
      );
      await hit(
        t
          .api()
          .post('/v1/cluster')
          .set(as(admin))
          .send({ clusterName: 'broken', kubeconfig: `${a.kubeconfig}\n  - ${a.token}: [\n` }),
      );
      await hit(
        t
          .api()
          .post('/v1/cluster')
          .set(as(admin))
          .send({ clusterName: 'broken', kubeconfig: `token: ${b.token}\n\t: {` }),
      );
      await hit(
        t
          .api()
          .post('/v1/cluster')
          .set(as(admin))
          .send({
            clusterName: 'refused',
            kubeconfig: a.kubeconfig.replace(a.url, `http://127.0.0.1:${await closedPort()}`),
          }),
      );
      await hit(
        t
          .api()
          .post('/v1/cluster')
          .set(as(admin))
          .send({
            clusterName: 'denied',
            kubeconfig: c.kubeconfig.replace(c.token, a.token.split('').reverse().join('')),
          }),
      );
      await hit(
        t
          .api()
          .post('/v1/cluster')
          .set(as(general.token))
          .send({ clusterName: 'x', kubeconfig: a.kubeconfig }),
      );

      for (const query of ['', '?clusterLabel=all', '?pageSize=0', '?page=1&pageSize=1'])
        await hit(t.api().get(`/v1/cluster${query}`).set(as(admin)));
      await hit(
        t
          .api()
          .post('/v1/cluster/label')
          .set(as(admin))
          .send({ clusterLabel: 'probe', clusterName: ['secret-probe'] }),
      );
      await hit(t.api().get('/v1/cluster/label').set(as(admin)));
      await hit(t.api().get('/v1/cluster/label/secret-probe').set(as(admin)));
      await hit(
        t
          .api()
          .delete('/v1/cluster/label')
          .set(as(admin))
          .send({ clusterLabel: 'probe', clusterName: ['secret-probe'] }),
      );
      for (const query of [
        '',
        '?pageSize=100',
        '?clusterName=secret-probe',
        '?field=kubeconfig',
        '?field=token',
      ])
        await hit(t.api().get(`/v1/node${query}`).set(as(admin)));
      await hit(
        t
          .api()
          .post('/v1/node/label')
          .set(as(admin))
          .send({ nodeLabel: 'probe', clusterName: 'secret-probe', nodeName: ['a-gpu'] }),
      );
      await hit(
        t
          .api()
          .post('/v1/node/label')
          .set(as(admin))
          .send({ nodeLabel: 'probe', clusterName: 'secret-probe', nodeName: ['ghost'] }),
      );
      await hit(t.api().get('/v1/node/label?clusterName=secret-probe').set(as(admin)));
      await hit(
        t
          .api()
          .delete('/v1/node/label')
          .set(as(admin))
          .send({ nodeLabel: 'probe', clusterName: 'secret-probe', nodeName: ['a-gpu'] }),
      );

      // A node label patch that the cluster refuses while it is down: the error names the cluster, not its credentials.
      await a.setMode('unreachable');
      try {
        await hit(
          t
            .api()
            .post('/v1/node/label')
            .set(as(admin))
            .send({ nodeLabel: 'probe', clusterName: 'secret-probe', nodeName: ['a-gpu'] }),
        );
      } finally {
        await a.setMode('healthy');
      }
      await hit(t.api().delete('/v1/cluster/secret-probe').set(as(admin)));
      await hit(t.api().delete('/v1/cluster/secret-probe').set(as(admin)));

      expect(responses.filter((response) => response.status === 200).length).toBeGreaterThanOrEqual(15);
      for (const response of responses) {
        const text = response.text;
        // Not the token, nor any part of it long enough to matter (an error may quote a truncated line).
        for (const token of tokens) {
          for (let start = 0; start + 8 <= token.length; start++)
            expect(text).not.toContain(token.slice(start, start + 8));
        }
        expect(text).not.toMatch(/current-context|insecure-skip-tls-verify|apiVersion: v1/);
        expect(text).not.toMatch(/at \S+ \(.*:\d+:\d+\)/); // never a stack trace
        if (response.status === 200) expect(text).not.toMatch(/kubeconfig|token/i);
      }
    });

    it('stores the kubeconfig sealed, never in plain text', async () => {
      await registerCluster(t, admin, 'sealed-twice', a);
      try {
        const rows = await queryDatabase<{ name: string; kubeconfig_sealed: string }>(
          t,
          'SELECT name, kubeconfig_sealed FROM clusters ORDER BY name',
        );
        expect(rows.map((row) => row.name)).toEqual(['edge-a', 'edge-b', 'edge-c', 'sealed-twice']);
        for (const row of rows) {
          expect(row.kubeconfig_sealed.length).toBeGreaterThan(0);
          for (const cluster of [a, b, c]) {
            expect(row.kubeconfig_sealed).not.toContain(cluster.token);
            expect(row.kubeconfig_sealed).not.toContain(cluster.url);
            expect(row.kubeconfig_sealed).not.toContain(Buffer.from(cluster.token).toString('base64'));
          }
          expect(row.kubeconfig_sealed).not.toMatch(/apiVersion|current-context|clusters:/);
          expect(row.kubeconfig_sealed).not.toContain(
            Buffer.from('apiVersion').toString('base64').slice(0, 12),
          );
        }
        // The same kubeconfig sealed twice gives two different texts (a fresh nonce each time).
        const sealedA = rows
          .filter((row) => row.name === 'edge-a' || row.name === 'sealed-twice')
          .map((row) => row.kubeconfig_sealed);
        expect(sealedA[0]).not.toBe(sealedA[1]);
        // Nothing else in the database holds the token either.
        const dump = await queryDatabase<{ text: string }>(
          t,
          `SELECT string_agg(c::text, '\n') AS text FROM clusters c`,
        );
        for (const cluster of [a, b, c]) expect(dump[0].text).not.toContain(cluster.token);
      } finally {
        await t.api().delete('/v1/cluster/sealed-twice').set(auth(admin)).expect(200);
      }
    });
  });
});
