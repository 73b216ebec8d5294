import * as k8s from '@kubernetes/client-node';
import { startFakeCluster, type FakeCluster, __internals } from './index';

type J = any;

interface Res {
  status: number;
  body: J;
}

async function call(
  c: FakeCluster,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  token: string | null = c.token,
): Promise<Res> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = contentType;
  const r = await fetch(c.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed: J = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* plain text */
  }
  return { status: r.status, body: parsed };
}

const podsOf = (c: FakeCluster, ns: string, labelKey: string, labelValue: string) =>
  c.list('v1', 'Pod', ns).filter((p) => p.metadata.labels?.[labelKey] === labelValue);

function deployment(
  name: string,
  opts: { replicas?: number; image?: string; nodeSelector?: Record<string, string> } = {},
): J {
  const labels = { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': 'demo' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: { 'app.kubernetes.io/instance': name } },
      template: {
        metadata: { labels },
        spec: {
          ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
          containers: [
            {
              name: 'main',
              image: opts.image ?? 'nginx:1.25',
              ports: [{ containerPort: 80 }],
              resources: { requests: { cpu: '100m', memory: '64Mi' } },
            },
          ],
        },
      },
    },
  };
}

function expectStatus(res: Res, code: number, reason: string): void {
  expect(res.status).toBe(code);
  expect(res.body).toMatchObject({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    reason,
    code,
  });
  expect(typeof res.body.message).toBe('string');
}

describe('fake kube-apiserver over raw HTTP', () => {
  let c: FakeCluster;
  beforeEach(async () => {
    c = await startFakeCluster({ name: 'edge-a', nodes: 3, failingImages: ['registry.local/broken'] });
  });
  afterEach(async () => {
    await c.stop();
  });

  test('kubeconfig points at the listener with a bearer token', () => {
    expect(c.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(c.kubeconfig).toContain(`server: "${c.url}"`);
    expect(c.kubeconfig).toContain(`token: "${c.token}"`);
    expect(c.kubeconfig).toContain('current-context: "edge-a"');
  });

  test('keeps an idle connection open as kube-apiserver does, without a Keep-Alive hint', async () => {
    const r = await fetch(`${c.url}/version`, { headers: { authorization: `Bearer ${c.token}` } });
    await r.text();
    expect(r.headers.get('connection')).toBe('keep-alive');
    // Node's http.Server would add `Keep-Alive: timeout=5`; kube-apiserver (Go) says nothing.
    expect(r.headers.get('keep-alive')).toBeNull();
    expect(c.openConnections).toBe(1);
  });

  test('401 Status without or with a wrong bearer token', async () => {
    expectStatus(await call(c, 'GET', '/api/v1/nodes', undefined, undefined, null), 401, 'Unauthorized');
    expectStatus(await call(c, 'GET', '/version', undefined, undefined, 'nope'), 401, 'Unauthorized');
    const ok = await call(c, 'GET', '/version');
    expect(ok.status).toBe(200);
    expect(ok.body.gitVersion).toMatch(/^v1\./);
    expect(c.requestLog.filter((l) => l.status === 401)).toHaveLength(2);
  });

  test('discovery documents', async () => {
    expect((await call(c, 'GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const core = (await call(c, 'GET', '/api/v1')).body;
    expect(core).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    expect(core.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'pods',
          namespaced: true,
          kind: 'Pod',
          verbs: expect.arrayContaining(['create', 'list']),
        }),
      ]),
    );
    expect(core.resources).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'nodes', namespaced: false, kind: 'Node' })]),
    );
    const groups = (await call(c, 'GET', '/apis')).body;
    expect(groups.kind).toBe('APIGroupList');
    const names = groups.groups.map((g: J) => g.name);
    for (const g of [
      'apps',
      'autoscaling',
      'batch',
      'networking.k8s.io',
      'rbac.authorization.k8s.io',
      'policy',
    ])
      expect(names).toContain(g);
    for (const gv of [
      'apps/v1',
      'autoscaling/v2',
      'batch/v1',
      'networking.k8s.io/v1',
      'rbac.authorization.k8s.io/v1',
      'policy/v1',
    ]) {
      const r = await call(c, 'GET', `/apis/${gv}`);
      expect(r.status).toBe(200);
      expect(r.body.groupVersion).toBe(gv);
    }
    const apps = (await call(c, 'GET', '/apis/apps/v1')).body.resources;
    expect(apps[0]).toBeDefined();
    expect(apps.find((r: J) => r.kind === 'Deployment').name).toBe('deployments');
    expect((await call(c, 'GET', '/apis/nothing.example.com/v1')).status).toBe(404);
  });

  test('nodes are seeded with capacity, addresses, nodeInfo and Ready', async () => {
    const list = await call(c, 'GET', '/api/v1/nodes');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ kind: 'NodeList', apiVersion: 'v1' });
    expect(typeof list.body.metadata.resourceVersion).toBe('string');
    expect(list.body.items.map((n: J) => n.metadata.name)).toEqual(['node-0', 'node-1', 'node-2']);
    const n = list.body.items[0];
    expect(n.kind).toBeUndefined(); // real lists omit per-item kind
    expect(n.status.capacity.cpu).toBe('4');
    expect(n.status.addresses).toContainEqual({ type: 'InternalIP', address: '10.0.0.2' });
    expect(n.status.nodeInfo).toMatchObject({ operatingSystem: 'linux' });
    expect(n.status.conditions.find((x: J) => x.type === 'Ready').status).toBe('True');
    expect(n.metadata.labels['kubernetes.io/hostname']).toBe('node-0');
    const gpu = await startFakeCluster({
      nodes: [{ name: 'g1', gpu: 2, memory: '16Gi', cpu: '8', ready: false, labels: { zone: 'a' } }],
    });
    try {
      const g = gpu.get('v1', 'Node', undefined, 'g1');
      expect(g.status.capacity).toMatchObject({ cpu: '8', memory: '16Gi', 'nvidia.com/gpu': '2' });
      expect(g.status.conditions.find((x: J) => x.type === 'Ready').status).toBe('False');
      expect(g.metadata.labels.zone).toBe('a');
    } finally {
      await gpu.stop();
    }
  });

  test('namespaces: create, duplicate, invalid, get, delete with cascade', async () => {
    const created = await call(c, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'ns1' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name: 'ns1' },
      status: { phase: 'Active' },
    });
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.metadata.creationTimestamp).toMatch(/Z$/);

    const dup = await call(c, 'POST', '/api/v1/namespaces', { metadata: { name: 'ns1' } });
    expectStatus(dup, 409, 'AlreadyExists');
    expect(dup.body.details).toEqual({ name: 'ns1', kind: 'namespaces' });
    expect(dup.body.message).toBe('namespaces "ns1" already exists');

    const bad = await call(c, 'POST', '/api/v1/namespaces', { metadata: { name: 'Bad_Name' } });
    expectStatus(bad, 422, 'Invalid');
    expect(bad.body.details).toMatchObject({
      name: 'Bad_Name',
      kind: 'Namespace',
      causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name' }],
    });
    const noName = await call(c, 'POST', '/api/v1/namespaces', { metadata: {} });
    expectStatus(noName, 422, 'Invalid');
    expect(noName.body.details.causes[0]).toMatchObject({
      reason: 'FieldValueRequired',
      field: 'metadata.name',
    });

    const missing = await call(c, 'GET', '/api/v1/namespaces/nope');
    expectStatus(missing, 404, 'NotFound');
    expect(missing.body.details).toEqual({ name: 'nope', kind: 'namespaces' });

    const cm = await call(c, 'POST', '/api/v1/namespaces/ns1/configmaps', {
      metadata: { name: 'cfg' },
      data: { a: 'b' },
    });
    expect(cm.status).toBe(201);
    await call(c, 'POST', '/apis/apps/v1/namespaces/ns1/deployments', deployment('web', { replicas: 2 }));
    expect(podsOf(c, 'ns1', 'app.kubernetes.io/instance', 'web')).toHaveLength(2);

    const del = await call(c, 'DELETE', '/api/v1/namespaces/ns1');
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ kind: 'Namespace', status: { phase: 'Terminating' } });
    expect(del.body.metadata.deletionTimestamp).toBeDefined();
    expectStatus(await call(c, 'GET', '/api/v1/namespaces/ns1'), 404, 'NotFound');
    expect(c.list('v1', 'ConfigMap', 'ns1')).toHaveLength(0);
    expect(c.list('v1', 'Pod', 'ns1')).toHaveLength(0);
    expect(c.list('apps/v1', 'ReplicaSet', 'ns1')).toHaveLength(0);
    expectStatus(await call(c, 'DELETE', '/api/v1/namespaces/ns1'), 404, 'NotFound');
    expectStatus(await call(c, 'DELETE', '/api/v1/namespaces/default'), 403, 'Forbidden');
  });

  test('create in a missing namespace is 404; generateName; kind mismatch is 400', async () => {
    const r = await call(c, 'POST', '/api/v1/namespaces/ghost/configmaps', { metadata: { name: 'x' } });
    expectStatus(r, 404, 'NotFound');
    expect(r.body.message).toBe('namespaces "ghost" not found');
    const g = await call(c, 'POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { generateName: 'gen-' },
    });
    expect(g.status).toBe(201);
    expect(g.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expectStatus(
      await call(c, 'POST', '/api/v1/namespaces/default/configmaps', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'y' },
      }),
      400,
      'BadRequest',
    );
    expectStatus(
      await call(c, 'POST', '/api/v1/namespaces/default/configmaps', '{not json'),
      400,
      'BadRequest',
    );
    expectStatus(
      await call(c, 'POST', '/api/v1/namespaces/default/configmaps', {
        metadata: { name: 'z', labels: { ok: true } },
      }),
      400,
      'BadRequest',
    );
    expectStatus(
      await call(c, 'POST', '/api/v1/namespaces/default/configmaps', {
        metadata: { name: 'z', labels: { 'bad key!': 'v' } },
      }),
      422,
      'Invalid',
    );
    expectStatus(await call(c, 'POST', '/api/v1/pods', { metadata: { name: 'x' } }), 405, 'MethodNotAllowed');
    expect((await call(c, 'GET', '/api/v1/widgets')).status).toBe(404);
  });

  test('replace: 404 when missing, 409 on stale resourceVersion, no-op keeps resourceVersion', async () => {
    expectStatus(
      await call(c, 'PUT', '/api/v1/namespaces/default/configmaps/none', { metadata: { name: 'none' } }),
      404,
      'NotFound',
    );
    const cr = await call(c, 'POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'cfg' },
      data: { a: '1' },
    });
    const rv1 = cr.body.metadata.resourceVersion;
    const up = await call(c, 'PUT', '/api/v1/namespaces/default/configmaps/cfg', {
      ...cr.body,
      data: { a: '2' },
    });
    expect(up.status).toBe(200);
    expect(Number(up.body.metadata.resourceVersion)).toBeGreaterThan(Number(rv1));
    expect(up.body.metadata.uid).toBe(cr.body.metadata.uid);
    const stale = await call(c, 'PUT', '/api/v1/namespaces/default/configmaps/cfg', {
      ...cr.body,
      data: { a: '3' },
    });
    expectStatus(stale, 409, 'Conflict');
    expect(stale.body.message).toContain('the object has been modified');
    const noop = await call(c, 'PUT', '/api/v1/namespaces/default/configmaps/cfg', {
      metadata: { name: 'cfg' },
      data: { a: '2' },
    });
    expect(noop.body.metadata.resourceVersion).toBe(up.body.metadata.resourceVersion);
    expectStatus(
      await call(c, 'PUT', '/api/v1/namespaces/default/configmaps/cfg', { metadata: { name: 'other' } }),
      400,
      'BadRequest',
    );
    const del = await call(c, 'DELETE', '/api/v1/namespaces/default/configmaps/cfg');
    expect(del.body).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'cfg', kind: 'configmaps' },
    });
    expectStatus(await call(c, 'DELETE', '/api/v1/namespaces/default/configmaps/cfg'), 404, 'NotFound');
  });

  test('label and field selectors', async () => {
    await call(c, 'POST', '/api/v1/namespaces', { metadata: { name: 'other' } });
    const mk = (ns: string, name: string, labels: Record<string, string>) =>
      call(c, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name, labels } });
    await mk('default', 'a', { app: 'web', tier: 'front' });
    await mk('default', 'b', { app: 'web', tier: 'back' });
    await mk('default', 'c', { app: 'db' });
    await mk('other', 'd', { app: 'web', tier: 'front' });
    const names = async (path: string, sel: string) =>
      (await call(c, 'GET', `${path}?labelSelector=${encodeURIComponent(sel)}`)).body.items
        .map((i: J) => i.metadata.name)
        .sort();
    const base = '/api/v1/namespaces/default/configmaps';
    expect(await names(base, 'app=web')).toEqual(['a', 'b']);
    expect(await names(base, 'app==web')).toEqual(['a', 'b']);
    expect(await names(base, 'app!=web')).toEqual(['c', 'kube-root-ca.crt']);
    expect(await names(base, 'tier in (front,back)')).toEqual(['a', 'b']);
    expect(await names(base, 'app notin (web)')).toEqual(['c', 'kube-root-ca.crt']);
    expect(await names(base, 'tier')).toEqual(['a', 'b']);
    expect(await names(base, '!tier')).toEqual(['c', 'kube-root-ca.crt']);
    expect(await names(base, 'app=web,tier=front')).toEqual(['a']);
    expect(await names(base, 'app in (web, db), !tier')).toEqual(['c']);
    expect(await names('/api/v1/configmaps', 'app=web,tier=front')).toEqual(['a', 'd']);
    expectStatus(
      await call(c, 'GET', `${base}?labelSelector=${encodeURIComponent('app in web')}`),
      400,
      'BadRequest',
    );
    const f = await call(
      c,
      'GET',
      `/api/v1/configmaps?fieldSelector=${encodeURIComponent('metadata.name=d')}`,
    );
    expect(f.body.items.map((i: J) => i.metadata.namespace)).toEqual(['other']);
    const f2 = await call(
      c,
      'GET',
      `/api/v1/configmaps?fieldSelector=${encodeURIComponent('metadata.namespace=other,metadata.name!=kube-root-ca.crt')}`,
    );
    expect(f2.body.items.map((i: J) => i.metadata.name)).toEqual(['d']);
    expectStatus(await call(c, 'GET', `${base}?fieldSelector=spec.foo%3Dbar`), 400, 'BadRequest');
    const page = await call(c, 'GET', `${base}?limit=2`);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.metadata.continue).toBeTruthy();
    const page2 = await call(
      c,
      'GET',
      `${base}?limit=2&continue=${encodeURIComponent(page.body.metadata.continue)}`,
    );
    expect(page2.body.items.map((i: J) => i.metadata.name)).toEqual(['c', 'kube-root-ca.crt']);
  });

  test('merge patch on node labels (null removes), JSON patch with ~1 escaping', async () => {
    const mp = await call(
      c,
      'PATCH',
      '/api/v1/nodes/node-1',
      { metadata: { labels: { 'ote-stack/gpu': 'true', keep: 'x' } } },
      'application/merge-patch+json',
    );
    expect(mp.status).toBe(200);
    expect(mp.body.metadata.labels).toMatchObject({
      'ote-stack/gpu': 'true',
      keep: 'x',
      'kubernetes.io/hostname': 'node-1',
    });
    const rm = await call(
      c,
      'PATCH',
      '/api/v1/nodes/node-1',
      { metadata: { labels: { 'ote-stack/gpu': null } } },
      'application/merge-patch+json',
    );
    expect(rm.body.metadata.labels['ote-stack/gpu']).toBeUndefined();
    expect(rm.body.metadata.labels.keep).toBe('x');

    const jp = await call(
      c,
      'PATCH',
      '/api/v1/nodes/node-2',
      [
        { op: 'add', path: '/metadata/labels/ote-stack~1edge', value: 'true' },
        { op: 'test', path: '/metadata/labels/ote-stack~1edge', value: 'true' },
        { op: 'copy', from: '/metadata/labels/ote-stack~1edge', path: '/metadata/labels/copied' },
        { op: 'move', from: '/metadata/labels/copied', path: '/metadata/labels/moved' },
        { op: 'replace', path: '/metadata/labels/moved', value: 'yes' },
      ],
      'application/json-patch+json',
    );
    expect(jp.status).toBe(200);
    expect(jp.body.metadata.labels).toMatchObject({ 'ote-stack/edge': 'true', moved: 'yes' });
    expect(jp.body.metadata.labels.copied).toBeUndefined();
    const jr = await call(
      c,
      'PATCH',
      '/api/v1/nodes/node-2',
      [{ op: 'remove', path: '/metadata/labels/ote-stack~1edge' }],
      'application/json-patch+json',
    );
    expect(jr.body.metadata.labels['ote-stack/edge']).toBeUndefined();
    const failTest = await call(
      c,
      'PATCH',
      '/api/v1/nodes/node-2',
      [{ op: 'test', path: '/metadata/name', value: 'x' }],
      'application/json-patch+json',
    );
    expectStatus(failTest, 422, 'Invalid');
    expectStatus(
      await call(
        c,
        'PATCH',
        '/api/v1/nodes/node-2',
        [{ op: 'remove', path: '/metadata/labels/absent' }],
        'application/json-patch+json',
      ),
      422,
      'Invalid',
    );
    expectStatus(
      await call(c, 'PATCH', '/api/v1/nodes/node-9', { metadata: {} }, 'application/merge-patch+json'),
      404,
      'NotFound',
    );
    expectStatus(
      await call(c, 'PATCH', '/api/v1/nodes/node-2', { metadata: {} }, 'text/plain'),
      415,
      'UnsupportedMediaType',
    );
    const stale = await call(
      c,
      'PATCH',
      '/api/v1/nodes/node-2',
      { metadata: { resourceVersion: '1', labels: { a: 'b' } } },
      'application/merge-patch+json',
    );
    expectStatus(stale, 409, 'Conflict');
    // label values must be valid
    expectStatus(
      await call(
        c,
        'PATCH',
        '/api/v1/nodes/node-2',
        { metadata: { labels: { a: 'not valid!' } } },
        'application/merge-patch+json',
      ),
      422,
      'Invalid',
    );
  });

  test('strategic merge patch merges containers by name; apply patch needs fieldManager', async () => {
    await call(c, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('smp'));
    const r = await call(
      c,
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/smp',
      { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.26' }] } } } },
      'application/strategic-merge-patch+json',
    );
    expect(r.status).toBe(200);
    const ct = r.body.spec.template.spec.containers;
    expect(ct).toHaveLength(1);
    expect(ct[0]).toMatchObject({
      name: 'main',
      image: 'nginx:1.26',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    });
    expect(r.body.metadata.generation).toBe(2);
    const ssaNoManager = await call(
      c,
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/ssa',
      deployment('ssa'),
      'application/apply-patch+yaml',
    );
    expectStatus(ssaNoManager, 422, 'Invalid');
    const ssa = await call(
      c,
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/ssa?fieldManager=test',
      deployment('ssa'),
      'application/apply-patch+yaml',
    );
    expect(ssa.status).toBe(201);
    const ssa2 = await call(
      c,
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/ssa?fieldManager=test',
      deployment('ssa', { replicas: 2 }),
      'application/apply-patch+yaml',
    );
    expect(ssa2.status).toBe(200);
    expect(ssa2.body.spec.replicas).toBe(2);
  });

  test('deployment: pods, ReplicaSet, round-robin scheduling, status, defaults', async () => {
    const r = await call(
      c,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('web', { replicas: 3 }),
    );
    expect(r.status).toBe(201);
    expect(r.body.metadata.generation).toBe(1);
    expect(r.body.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
    });
    expect(r.body.spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');

    const pods = podsOf(c, 'default', 'app.kubernetes.io/instance', 'web');
    expect(pods).toHaveLength(3);
    const rs = c.list('apps/v1', 'ReplicaSet', 'default');
    expect(rs).toHaveLength(1);
    const hash = rs[0].metadata.labels['pod-template-hash'];
    expect(rs[0].metadata.name).toBe(`web-${hash}`);
    expect(rs[0].metadata.ownerReferences[0]).toMatchObject({
      kind: 'Deployment',
      name: 'web',
      controller: true,
    });
    for (const p of pods) {
      expect(p.metadata.name).toMatch(new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      expect(p.metadata.ownerReferences[0]).toMatchObject({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: `web-${hash}`,
      });
      expect(p.status.phase).toBe('Running');
      expect(p.status.containerStatuses[0]).toMatchObject({
        ready: true,
        restartCount: 0,
        state: { running: {} },
      });
      expect(p.status.conditions.find((x: J) => x.type === 'Ready').status).toBe('True');
    }
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(3);

    const log = await call(c, 'GET', `/api/v1/namespaces/default/pods/${pods[0].metadata.name}/log`);
    expect(log.status).toBe(200);
    expect(log.body).toContain('nginx:1.25');

    const d = (await call(c, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).body;
    expect(d.status).toMatchObject({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(d.status.conditions.find((x: J) => x.type === 'Available').status).toBe('True');
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');

    const sel = await call(
      c,
      'GET',
      `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent('app.kubernetes.io/instance=web')}`,
    );
    expect(sel.body.items).toHaveLength(3);
    const onNode = await call(
      c,
      'GET',
      `/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=node-0')}`,
    );
    expect(onNode.body.items).toHaveLength(1);

    // new template => new ReplicaSet, old pods gone
    const cur = d;
    cur.spec.template.spec.containers[0].image = 'nginx:1.27';
    const up = await call(c, 'PUT', '/apis/apps/v1/namespaces/default/deployments/web', cur);
    expect(up.status).toBe(200);
    expect(up.body.metadata.generation).toBe(2);
    const pods2 = podsOf(c, 'default', 'app.kubernetes.io/instance', 'web');
    expect(pods2).toHaveLength(3);
    expect(pods2.every((p) => p.spec.containers[0].image === 'nginx:1.27')).toBe(true);
    expect(c.list('apps/v1', 'ReplicaSet', 'default')).toHaveLength(2);
    expect(
      c.get('apps/v1', 'Deployment', 'default', 'web').metadata.annotations[
        'deployment.kubernetes.io/revision'
      ],
    ).toBe('2');

    // scale down through a merge patch, and through the scale subresource
    await call(
      c,
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/web',
      { spec: { replicas: 1 } },
      'application/merge-patch+json',
    );
    expect(podsOf(c, 'default', 'app.kubernetes.io/instance', 'web')).toHaveLength(1);
    const sc = await call(c, 'PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale', {
      spec: { replicas: 2 },
    });
    expect(sc.body).toMatchObject({ kind: 'Scale', spec: { replicas: 2 } });
    expect(podsOf(c, 'default', 'app.kubernetes.io/instance', 'web')).toHaveLength(2);

    // delete: dependants are garbage collected
    const del = await call(c, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/web');
    expect(del.body).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'web', group: 'apps', kind: 'deployments' },
    });
    expect(podsOf(c, 'default', 'app.kubernetes.io/instance', 'web')).toHaveLength(0);
    expect(c.list('apps/v1', 'ReplicaSet', 'default')).toHaveLength(0);
  });

  test('validation of workloads mirrors the API server', async () => {
    const noSel = deployment('bad');
    delete noSel.spec.selector;
    const r1 = await call(c, 'POST', '/apis/apps/v1/namespaces/default/deployments', noSel);
    expectStatus(r1, 422, 'Invalid');
    expect(r1.body.details).toMatchObject({ name: 'bad', group: 'apps', kind: 'Deployment' });
    const mismatch = deployment('bad');
    mismatch.spec.selector.matchLabels = { other: 'x' };
    const r2 = await call(c, 'POST', '/apis/apps/v1/namespaces/default/deployments', mismatch);
    expectStatus(r2, 422, 'Invalid');
    expect(r2.body.details.causes[0].field).toBe('spec.template.metadata.labels');
    const badRes = deployment('bad');
    badRes.spec.template.spec.containers[0].resources = { requests: { cpu: '2' }, limits: { cpu: '1' } };
    expectStatus(
      await call(c, 'POST', '/apis/apps/v1/namespaces/default/deployments', badRes),
      422,
      'Invalid',
    );
    const badQty = deployment('bad');
    badQty.spec.template.spec.containers[0].resources = { requests: { cpu: 'lots' } };
    expectStatus(
      await call(c, 'POST', '/apis/apps/v1/namespaces/default/deployments', badQty),
      400,
      'BadRequest',
    );
    const canon = deployment('canon');
    canon.spec.template.spec.containers[0].resources = {
      requests: { cpu: 0.5, memory: '1024Mi' },
      limits: { cpu: '1000m', memory: '2Gi' },
    };
    const ok = await call(c, 'POST', '/apis/apps/v1/namespaces/default/deployments', canon);
    expect(ok.status).toBe(201);
    expect(ok.body.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: '1', memory: '2Gi' },
    });
    const sec = await call(c, 'POST', '/api/v1/namespaces/default/secrets', {
      metadata: { name: 'pull' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from('nope').toString('base64') },
    });
    expectStatus(sec, 422, 'Invalid');
    const sec2 = await call(c, 'POST', '/api/v1/namespaces/default/secrets', {
      metadata: { name: 'pull' },
      type: 'kubernetes.io/dockerconfigjson',
      stringData: { '.dockerconfigjson': '{"auths":{}}' },
    });
    expect(sec2.status).toBe(201);
    expect(sec2.body.data['.dockerconfigjson']).toBe(Buffer.from('{"auths":{}}').toString('base64'));
    expect(sec2.body.stringData).toBeUndefined();
  });

  test('nodeSelector with no matching node leaves pods Pending; labelling a node schedules them', async () => {
    await call(
      c,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('sel', { replicas: 2, nodeSelector: { 'ote-stack/edge': 'true' } }),
    );
    let pods = podsOf(c, 'default', 'app.kubernetes.io/instance', 'sel');
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.spec.nodeName).toBeUndefined();
      expect(p.status.phase).toBe('Pending');
      expect(p.status.conditions[0]).toMatchObject({
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
      });
      expect(p.status.conditions[0].message).toContain("didn't match Pod's node affinity/selector");
    }
    const d = c.get('apps/v1', 'Deployment', 'default', 'sel');
    expect(d.status.readyReplicas).toBeUndefined();
    expect(d.status.unavailableReplicas).toBe(2);
    await call(
      c,
      'PATCH',
      '/api/v1/nodes/node-2',
      { metadata: { labels: { 'ote-stack/edge': 'true' } } },
      'application/merge-patch+json',
    );
    pods = podsOf(c, 'default', 'app.kubernetes.io/instance', 'sel');
    expect(pods.map((p) => p.spec.nodeName)).toEqual(['node-2', 'node-2']);
    expect(pods.every((p) => p.status.phase === 'Running')).toBe(true);
    expect(c.get('apps/v1', 'Deployment', 'default', 'sel').status.readyReplicas).toBe(2);
  });

  test('GPU requests are checked against node capacity', async () => {
    const dep = deployment('gpu');
    dep.spec.template.spec.containers[0].resources = { limits: { 'nvidia.com/gpu': '1' } };
    await call(c, 'POST', '/apis/apps/v1/namespaces/default/deployments', dep);
    const [p] = podsOf(c, 'default', 'app.kubernetes.io/instance', 'gpu');
    expect(p.status.phase).toBe('Pending');
    expect(p.status.conditions[0].message).toContain('Insufficient nvidia.com/gpu');
    c.addNode({ name: 'gpu-node', gpu: 1 });
    expect(c.get('v1', 'Pod', 'default', p.metadata.name).spec.nodeName).toBe('gpu-node');
  });

  test('crash mode, recovery, failing images, node readiness', async () => {
    await c.setMode('crash');
    await call(c, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('cr', { replicas: 2 }));
    let pods = podsOf(c, 'default', 'app.kubernetes.io/instance', 'cr');
    for (const p of pods) {
      expect(p.status.phase).toBe('Running');
      const cs = p.status.containerStatuses[0];
      expect(cs.ready).toBe(false);
      expect(cs.state.waiting.reason).toBe('CrashLoopBackOff');
      expect(cs.restartCount).toBeGreaterThan(0);
    }
    expect(c.get('apps/v1', 'Deployment', 'default', 'cr').status.readyReplicas).toBeUndefined();
    await c.setMode('healthy');
    pods = podsOf(c, 'default', 'app.kubernetes.io/instance', 'cr');
    for (const p of pods) {
      const cs = p.status.containerStatuses[0];
      expect(cs.ready).toBe(true);
      expect(cs.state.running).toBeDefined();
      expect(cs.restartCount).toBeGreaterThan(0);
      expect(cs.lastState.terminated.reason).toBe('Error');
    }
    expect(c.get('apps/v1', 'Deployment', 'default', 'cr').status).toMatchObject({
      readyReplicas: 2,
      availableReplicas: 2,
    });

    await call(
      c,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('broken', { image: 'registry.local/broken:1.0' }),
    );
    const [b] = podsOf(c, 'default', 'app.kubernetes.io/instance', 'broken');
    expect(b.status.phase).toBe('Pending');
    expect(b.status.containerStatuses[0].state.waiting.reason).toBe('ErrImagePull');

    const victim = pods[0];
    c.setNodeReady(victim.spec.nodeName, false);
    const after = c.get('v1', 'Pod', 'default', victim.metadata.name);
    expect(after.status.conditions.find((x: J) => x.type === 'Ready').status).toBe('False');
    expect(c.get('apps/v1', 'Deployment', 'default', 'cr').status.readyReplicas).toBe(1);
    const node = c.get('v1', 'Node', undefined, victim.spec.nodeName);
    expect(node.status.conditions.find((x: J) => x.type === 'Ready').status).toBe('False');
    c.setNodeReady(victim.spec.nodeName, true);
    expect(c.get('apps/v1', 'Deployment', 'default', 'cr').status.readyReplicas).toBe(2);

    // a removed node takes its pods with it; the ReplicaSet replaces them elsewhere
    c.removeNode(victim.spec.nodeName);
    const now = podsOf(c, 'default', 'app.kubernetes.io/instance', 'cr');
    expect(now).toHaveLength(2);
    expect(now.every((p) => p.spec.nodeName !== victim.spec.nodeName)).toBe(true);
  });

  test('DaemonSet, StatefulSet, Job, HPA', async () => {
    // apply() seeds objects directly; controllers run as for an API write
    c.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'seeded' } });
    c.apply(deployment('pre', { replicas: 2 }));
    expect(podsOf(c, 'default', 'app.kubernetes.io/instance', 'pre')).toHaveLength(2);
    expect(c.remove('apps/v1', 'Deployment', 'default', 'pre')).toBe(true);
    expect(podsOf(c, 'default', 'app.kubernetes.io/instance', 'pre')).toHaveLength(0);
    await call(
      c,
      'PATCH',
      '/api/v1/nodes/node-0',
      { metadata: { labels: { 'ote-stack/edge': 'true' } } },
      'application/merge-patch+json',
    );
    await call(
      c,
      'PATCH',
      '/api/v1/nodes/node-1',
      { metadata: { labels: { 'ote-stack/edge': 'true' } } },
      'application/merge-patch+json',
    );
    const ds = deployment('agent');
    ds.kind = 'DaemonSet';
    delete ds.spec.replicas;
    ds.spec.template.spec.nodeSelector = { 'ote-stack/edge': 'true' };
    expect((await call(c, 'POST', '/apis/apps/v1/namespaces/default/daemonsets', ds)).status).toBe(201);
    const dsPods = podsOf(c, 'default', 'app.kubernetes.io/instance', 'agent');
    expect(dsPods.map((p) => p.spec.nodeName).sort()).toEqual(['node-0', 'node-1']);
    expect(c.get('apps/v1', 'DaemonSet', 'default', 'agent').status).toMatchObject({
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      numberReady: 2,
      numberAvailable: 2,
    });
    await call(
      c,
      'PATCH',
      '/api/v1/nodes/node-2',
      { metadata: { labels: { 'ote-stack/edge': 'true' } } },
      'application/merge-patch+json',
    );
    expect(c.get('apps/v1', 'DaemonSet', 'default', 'agent').status.desiredNumberScheduled).toBe(3);

    const sts = deployment('db', { replicas: 3 });
    sts.kind = 'StatefulSet';
    sts.spec.serviceName = 'db';
    expect((await call(c, 'POST', '/apis/apps/v1/namespaces/default/statefulsets', sts)).status).toBe(201);
    expect(podsOf(c, 'default', 'app.kubernetes.io/instance', 'db').map((p) => p.metadata.name)).toEqual([
      'db-0',
      'db-1',
      'db-2',
    ]);
    expect(c.get('apps/v1', 'StatefulSet', 'default', 'db').status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
    });

    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'busybox' }] } } },
    };
    expect((await call(c, 'POST', '/apis/batch/v1/namespaces/default/jobs', job)).status).toBe(201);
    const [jp] = c.list('v1', 'Pod', 'default').filter((p) => p.metadata.labels?.['job-name'] === 'migrate');
    expect(jp.status.phase).toBe('Succeeded');
    const j = c.get('batch/v1', 'Job', 'default', 'migrate');
    expect(j.status.succeeded).toBe(1);
    expect(j.status.conditions.find((x: J) => x.type === 'Complete').status).toBe('True');
    const badJob = {
      ...job,
      metadata: { name: 'bad' },
      spec: { template: { spec: { containers: [{ name: 'm', image: 'busybox' }] } } },
    };
    expectStatus(await call(c, 'POST', '/apis/batch/v1/namespaces/default/jobs', badJob), 422, 'Invalid');

    await call(
      c,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('scaled', { replicas: 1 }),
    );
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'scaled' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'scaled' },
        minReplicas: 2,
        maxReplicas: 4,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
          },
        ],
      },
    };
    expect(
      (await call(c, 'POST', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', hpa)).status,
    ).toBe(201);
    expect(podsOf(c, 'default', 'app.kubernetes.io/instance', 'scaled')).toHaveLength(2);
    const badHpa = { ...hpa, metadata: { name: 'bad' }, spec: { ...hpa.spec, minReplicas: 5 } };
    expectStatus(
      await call(c, 'POST', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', badHpa),
      422,
      'Invalid',
    );
  });

  test('unreachable mode fails fast and recovers on the same URL', async () => {
    const url = c.url;
    await c.setMode('unreachable');
    const t0 = Date.now();
    await expect(
      fetch(`${url}/version`, { headers: { authorization: `Bearer ${c.token}` } }),
    ).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(2000);
    await c.setMode('healthy');
    expect(c.url).toBe(url);
    expect((await call(c, 'GET', '/version')).status).toBe(200);
  });

  test('several clusters are independent', async () => {
    const other = await startFakeCluster({ name: 'edge-b', nodes: 1 });
    try {
      expect(other.url).not.toBe(c.url);
      await call(other, 'POST', '/api/v1/namespaces', { metadata: { name: 'only-b' } });
      expect(other.get('v1', 'Namespace', undefined, 'only-b')).toBeDefined();
      expect(c.get('v1', 'Namespace', undefined, 'only-b')).toBeUndefined();
      expectStatus(
        await call(other, 'GET', '/api/v1/nodes', undefined, undefined, c.token),
        401,
        'Unauthorized',
      );
    } finally {
      await other.stop();
    }
  });

  test('requestLog records method, path and status', async () => {
    c.requestLog.length = 0;
    await call(c, 'GET', '/api/v1/nodes?limit=5');
    await call(c, 'GET', '/api/v1/namespaces/nope');
    expect(c.requestLog).toEqual([
      { method: 'GET', path: '/api/v1/nodes?limit=5', status: 200 },
      { method: 'GET', path: '/api/v1/namespaces/nope', status: 404 },
    ]);
    expect(c.requestLog.some((l) => l.method !== 'GET')).toBe(false);
  });
});

describe('fake kube-apiserver through @kubernetes/client-node', () => {
  let c: FakeCluster;
  let kc: k8s.KubeConfig;
  beforeAll(async () => {
    c = await startFakeCluster({
      name: 'edge-k',
      nodes: [{ name: 'n1', cpu: '8', memory: '16Gi', gpu: 1 }, { name: 'n2' }],
    });
    kc = new k8s.KubeConfig();
    kc.loadFromString(c.kubeconfig);
  });
  afterAll(async () => {
    await c.stop();
  });

  test('CoreV1Api: listNode, createNamespace, readNamespace, 404 as ApiException', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.metadata?.name)).toEqual(['n1', 'n2']);
    expect(nodes.items[0]?.status?.capacity?.['nvidia.com/gpu']).toBe('1');
    const ns = await core.createNamespace({ body: { metadata: { name: 'ns42' } } });
    expect(ns.metadata?.name).toBe('ns42');
    const read = await core.readNamespace({ name: 'ns42' });
    expect(read.status?.phase).toBe('Active');
    await expect(core.readNamespace({ name: 'missing' })).rejects.toMatchObject({ code: 404 });
    try {
      await core.createNamespace({ body: { metadata: { name: 'ns42' } } });
      throw new Error('expected 409');
    } catch (e) {
      expect(e).toBeInstanceOf(k8s.ApiException);
      const body = (e as k8s.ApiException<unknown>).body;
      const parsed = typeof body === 'string' ? JSON.parse(body) : body;
      expect(parsed).toMatchObject({ reason: 'AlreadyExists', code: 409 });
    }
  });

  test('patchNode with a merge patch via setHeaderOptions', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const mergeOpts = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    const n = await core.patchNode(
      { name: 'n1', body: { metadata: { labels: { 'ote-stack/gpu': 'true' } } } },
      mergeOpts,
    );
    expect(n.metadata?.labels?.['ote-stack/gpu']).toBe('true');
    const n2 = await core.patchNode(
      { name: 'n1', body: { metadata: { labels: { 'ote-stack/gpu': null } } } },
      mergeOpts,
    );
    expect(n2.metadata?.labels?.['ote-stack/gpu']).toBeUndefined();
    const patches = c.requestLog.filter((l) => l.method === 'PATCH');
    expect(patches.every((l) => l.status === 200)).toBe(true);
    // without the header option client-node sends application/json-patch+json: the body must then be a JSON patch
    const n3 = await core.patchNode({
      name: 'n1',
      body: [{ op: 'add', path: '/metadata/labels/ote-stack~1x', value: 'true' }],
    });
    expect(n3.metadata?.labels?.['ote-stack/x']).toBe('true');
  });

  test('AppsV1Api createNamespacedDeployment runs pods', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const created = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: deployment('api', { replicas: 2 }),
    });
    expect(created.metadata?.uid).toBeDefined();
    const d = await apps.readNamespacedDeployment({ name: 'api', namespace: 'default' });
    expect(d.status?.readyReplicas).toBe(2);
    const pods = await core.listNamespacedPod({
      namespace: 'default',
      labelSelector: 'app.kubernetes.io/instance=api',
    });
    expect(pods.items).toHaveLength(2);
    expect(pods.items.every((p) => p.status?.phase === 'Running')).toBe(true);
    await apps.deleteNamespacedDeployment({ name: 'api', namespace: 'default' });
    const after = await core.listNamespacedPod({
      namespace: 'default',
      labelSelector: 'app.kubernetes.io/instance=api',
    });
    expect(after.items).toHaveLength(0);
  });

  test('KubernetesObjectApi: generic create/read/replace/patch/list/delete for chart kinds', async () => {
    const client = k8s.KubernetesObjectApi.makeApiClient(kc);
    const objs: k8s.KubernetesObject[] = [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'chart-sa', namespace: 'default' } },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'chart-cm', namespace: 'default' },
        data: { k: 'v' },
      } as k8s.KubernetesObject,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'chart-svc', namespace: 'default' },
        spec: { selector: { app: 'chart' }, ports: [{ port: 80 }] },
      } as k8s.KubernetesObject,
      deployment('chart-app'),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'chart-role', namespace: 'default' },
        rules: [],
      } as k8s.KubernetesObject,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'chart-cr' },
        rules: [],
      } as k8s.KubernetesObject,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'chart-rb', namespace: 'default' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'chart-role' },
        subjects: [{ kind: 'ServiceAccount', name: 'chart-sa', namespace: 'default' }],
      } as k8s.KubernetesObject,
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'chart-pdb', namespace: 'default' },
        spec: { minAvailable: 1, selector: { matchLabels: { app: 'chart' } } },
      } as k8s.KubernetesObject,
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'chart-ing', namespace: 'default' },
        spec: {
          rules: [
            {
              host: 'a.example.com',
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'chart-svc', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      } as k8s.KubernetesObject,
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'chart-cron', namespace: 'default' },
        spec: {
          schedule: '*/5 * * * *',
          jobTemplate: {
            spec: {
              template: {
                spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] },
              },
            },
          },
        },
      } as k8s.KubernetesObject,
    ];
    for (const o of objs) {
      const created = await client.create(o);
      expect(created.metadata?.uid).toBeDefined();
      const read = await client.read({
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.metadata?.name ?? '', namespace: o.metadata?.namespace ?? '' },
      });
      expect(read.metadata?.name).toBe(o.metadata?.name);
    }
    expect(podsOf(c, 'default', 'app.kubernetes.io/instance', 'chart-app')).toHaveLength(1);

    // replace with the read-back object (resourceVersion included), then a strategic-merge patch (the default strategy)
    const cm = await client.read({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'chart-cm', namespace: 'default' },
    });
    (cm as J).data = { k: 'v2' };
    const replaced = await client.replace(cm);
    expect((replaced as J).data.k).toBe('v2');
    const patched = await client.patch({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'chart-cm', namespace: 'default' },
      data: { extra: 'x' },
    } as k8s.KubernetesObject);
    expect((patched as J).data).toEqual({ k: 'v2', extra: 'x' });
    const merged = await client.patch(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'chart-cm', namespace: 'default' },
        data: { extra: null },
      } as unknown as k8s.KubernetesObject,
      undefined,
      undefined,
      undefined,
      undefined,
      k8s.PatchStrategy.MergePatch,
    );
    expect((merged as J).data).toEqual({ k: 'v2' });
    const applied = await client.patch(
      deployment('chart-app', { replicas: 3 }),
      undefined,
      undefined,
      'ote-stack',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect((applied as J).spec.replicas).toBe(3);
    expect(podsOf(c, 'default', 'app.kubernetes.io/instance', 'chart-app')).toHaveLength(3);

    const list = await client.list('v1', 'ConfigMap', 'default');
    expect(list.items.map((i) => i.metadata?.name)).toContain('chart-cm');

    await expect(
      client.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope', namespace: 'default' } }),
    ).rejects.toMatchObject({ code: 404 });
    await expect(client.create(objs[1] as k8s.KubernetesObject)).rejects.toMatchObject({ code: 409 });

    for (const o of [...objs].reverse()) await client.delete(o);
    expect(podsOf(c, 'default', 'app.kubernetes.io/instance', 'chart-app')).toHaveLength(0);
    expect(c.get('rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, 'chart-cr')).toBeUndefined();
  });

  test('latencyMs holds each answer back by that long, and can be changed at any time', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const timed = async () => {
      const t0 = performance.now();
      await core.listNode();
      return performance.now() - t0;
    };
    c.latencyMs = 150;
    try {
      expect(await timed()).toBeGreaterThanOrEqual(145);
    } finally {
      c.latencyMs = 0;
    }
    expect(await timed()).toBeLessThan(145);
  });

  test('connection errors surface quickly through client-node when unreachable', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await c.setMode('unreachable');
    const t0 = Date.now();
    await expect(core.listNode()).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(3000);
    await c.setMode('healthy');
    const nodes = await core.listNode();
    expect(nodes.items).toHaveLength(2);
  });
});

describe('helpers', () => {
  test('quantity canonicalization', () => {
    const q = __internals.canonicalQuantity;
    expect(q('0.5')).toBe('500m');
    expect(q('1000m')).toBe('1');
    expect(q('1024Mi')).toBe('1Gi');
    expect(q('1536Mi')).toBe('1536Mi');
    expect(q(2)).toBe('2');
    expect(q('1.5Ki')).toBe('1536');
    expect(q('128974848')).toBe('128974848');
    expect(q('129e6')).toBe('129e6');
    expect(q('abc')).toBeUndefined();
  });

  test('RFC 7386 examples', () => {
    const mp = __internals.mergePatch;
    expect(mp({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mp({ a: 'b' }, { b: 'c' })).toEqual({ a: 'b', b: 'c' });
    expect(mp({ a: 'b' }, { a: null })).toEqual({});
    expect(mp({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(mp({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
    expect(mp({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });
});
