import { ReleaseService } from '../src/release/release.service';
import { FakeCluster } from './fake-kube';
import { CHART_YAML, ChartFiles, chartArchive, WEB_CHART } from './support/charts';
import { clusterIdOf, labelClusters } from './support/clusters';
import { eventually } from './support/eventually';
import { holdFirstPendingMove } from './support/gate';
import { createApp, deploymentByName, startWithClusters, decideDeploy } from './support/deploys';
import { waitForStatus } from './support/deploys';
import { approvedBusiness, auth, loginAdmin, subUser, TestBusiness, TestUser } from './support/factories';
import { TestApp } from './support/test-app';

/** Seed 000's ReleaseResp field names, exactly. */
const RELEASE_FIELDS = [
  'chart_name',
  'chart_public',
  'chart_version',
  'cluster_id',
  'cluster_name',
  'create_at',
  'description',
  'name',
  'namespace',
  'parameters',
  'resources',
  'status',
  'status_description',
  'update_at',
  'values',
  'version',
];

/** WEB_CHART 0.2.0: the Service is gone and an extra ConfigMap appears. */
const WEB_CHART_V2: ChartFiles = {
  ...Object.fromEntries(Object.entries(WEB_CHART).filter(([path]) => path !== 'templates/service.yaml')),
  'Chart.yaml': CHART_YAML('demo', '0.2.0'),
  'templates/extra.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\ndata:\n  a: b\n',
};

describe('chart applications and their releases', () => {
  let t: TestApp;
  let clusters: FakeCluster[];
  let business: TestBusiness;
  let user: TestUser;
  let other: TestBusiness;
  let clusterIds: string[];
  beforeAll(async () => {
    ({ t, clusters } = await startWithClusters(['edge-a', 'edge-b']));
    business = await approvedBusiness(t);
    user = await subUser(t, business);
    other = await approvedBusiness(t);
    const admin = await loginAdmin(t);
    clusterIds = await Promise.all(clusters.map((cluster) => clusterIdOf(t, admin, cluster.name)));
    await t.waitForQuietQueues();
  });
  afterAll(async () => {
    await t.close();
    await Promise.all(clusters.map((cluster) => cluster.stop()));
  });

  const namespace = () => `ns${business.id}`;
  const upload = (token: string, appName: string, version: string, archive: Buffer) =>
    t
      .api()
      .post('/v1/app/chart')
      .set(auth(token))
      .field('appName', appName)
      .field('version', version)
      .attach('chart', archive, `${appName}.tgz`);
  /** Uploads a chart that renders, and waits for the package worker to decide its version. */
  const uploaded = async (token: string, appName: string, version: string, archive: Buffer) => {
    await upload(token, appName, version, archive).expect(200);
    return eventually(
      async () =>
        (
          await t
            .api()
            .get(`/v1/app?appName=${appName}&appNameMode=strict&version=${version}`)
            .set(auth(token))
            .expect(200)
        ).body.data[0],
      (app) => app?.status !== 0,
      { what: `chart ${appName} ${version} verified` },
    );
  };
  const appId = async (appName: string, version: string) =>
    (
      await t
        .api()
        .get(`/v1/app?appName=${appName}&appNameMode=strict&version=${version}`)
        .set(auth(business.admin.token))
        .expect(200)
    ).body.data[0].id as number;
  const releases = async (token: string, clusterId: string, query = '') =>
    (await t.api().get(`/cce/cam/v3/clusters/${clusterId}/releases${query}`).set(auth(token)).expect(200))
      .body as Record<string, any>[];
  /** History rows of the revisions a later one replaced, newest first. */
  const superseded = (...numbers: number[]) => numbers.map((revision) => [revision, 'SUPERSEDED']);
  /** The pending audit of deployment `id` (with its diff), as the business administrator sees it. */
  const pendingAudit = async (id: number) => {
    const audits = await t
      .api()
      .get('/v1/admin/deploy?pageSize=100')
      .set(auth(business.admin.token))
      .expect(200);
    return audits.body.data.find((row: any) => row.deployId === id && row.status === 0);
  };
  const revisions = async (clusterId: string, name: string) =>
    (await releases(business.admin.token, clusterId))
      .filter((release) => release.name === name)
      .map((release) => [release.version, release.status]);
  /** Deploys as the business administrator, to every cluster unless `cluster` names a label. */
  const deploy = async (
    deployName: string,
    appName: string,
    version: string,
    values?: object,
    cluster?: string,
  ) => {
    await t
      .api()
      .post('/v1/deploy')
      .set(auth(business.admin.token))
      .send({ deployName, appName, version, ...(values ? { values } : {}), ...(cluster ? { cluster } : {}) })
      .expect(200);
    return (await deploymentByName(t, business.admin.token, deployName)).id as number;
  };
  const change = async (id: number, method: 'post' | 'put', version: string, values?: object) => {
    await t
      .api()
      [method](`/v1/deploy/id/${id}`)
      .set(auth(business.admin.token))
      .send({ version, ...(values ? { values } : {}) })
      .expect(200);
    return waitForStatus(t, business.admin.token, id, [5, 6, 7, 8]);
  };
  const objectsIn = (cluster: FakeCluster) =>
    [
      ...cluster.list('apps/v1', 'Deployment', namespace()),
      ...cluster.list('v1', 'Service', namespace()),
      ...cluster
        .list('v1', 'ConfigMap', namespace())
        .filter((map) => map.metadata.name !== 'kube-root-ca.crt'),
    ]
      .map((object) => `${object.kind}/${object.metadata.name}`)
      .sort();

  it('an uploaded chart is an available application version of deployType chart', async () => {
    await uploaded(user.token, 'shop', '1.0', chartArchive(WEB_CHART));
    await uploaded(business.admin.token, 'shop', '1.1', chartArchive(WEB_CHART_V2));
    const list = await t
      .api()
      .get('/v1/app?appName=shop&appNameMode=strict')
      .set(auth(user.token))
      .expect(200);
    expect(list.body.data).toEqual([
      expect.objectContaining({
        appName: 'shop',
        version: '1.0',
        deployType: 'chart',
        status: 1,
        image: 'nginx:1.25',
      }),
      expect.objectContaining({ appName: 'shop', version: '1.1', deployType: 'chart', status: 1 }),
    ]);
    await upload(user.token, 'shop', '1.0', chartArchive(WEB_CHART)).expect(409);
  });

  it('deploys every rendered object to every cluster, recorded as revision 1 of a release', async () => {
    const id = await deploy('store', 'shop', '1.0', { greeting: 'hello edge' });
    const done = await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8]);
    expect(done.status).toBe(5);
    for (const cluster of clusters) {
      expect(objectsIn(cluster)).toEqual([
        'ConfigMap/store-config',
        'Deployment/store-web',
        'Service/store-web',
      ]);
      const workload = cluster.get('apps/v1', 'Deployment', namespace(), 'store-web');
      expect(workload.metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'ote-stack',
        'app.kubernetes.io/instance': 'store',
      });
      expect(workload.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'store' });
      expect(cluster.get('v1', 'ConfigMap', namespace(), 'store-config').data).toEqual({
        greeting: 'hello edge',
      });
    }
    for (const [index, clusterId] of clusterIds.entries()) {
      const [release] = await releases(business.admin.token, clusterId);
      expect(Object.keys(release).sort()).toEqual(RELEASE_FIELDS);
      expect(release).toMatchObject({
        chart_name: 'demo',
        chart_public: false,
        chart_version: '0.1.0',
        cluster_id: clusterId,
        cluster_name: clusters[index].name,
        name: 'store',
        namespace: namespace(),
        status: 'DEPLOYED',
        status_description: 'Install complete',
        values: '{"greeting":"hello edge"}',
        version: 1,
      });
      expect(release.create_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  });

  it('an upgrade with new values is revision 2 and supersedes revision 1; secrets in values are masked', async () => {
    const { id } = await deploymentByName(t, business.admin.token, 'store');
    const values = { greeting: 'hi again', image: 'nginx:1.27', auth: { adminPassword: 's3cret' } };
    expect((await change(id, 'post', '1.0', values)).status).toBe(5);
    for (const cluster of clusters) {
      expect(cluster.get('v1', 'ConfigMap', namespace(), 'store-config').data).toEqual({
        greeting: 'hi again',
      });
      const workload = cluster.get('apps/v1', 'Deployment', namespace(), 'store-web');
      expect(workload.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    }
    for (const clusterId of clusterIds) {
      expect(await revisions(clusterId, 'store')).toEqual([
        [2, 'DEPLOYED'],
        [1, 'SUPERSEDED'],
      ]);
      const [latest] = await releases(business.admin.token, clusterId);
      expect(JSON.parse(latest.values)).toEqual({ ...values, auth: { adminPassword: '******' } });
    }
  });

  it('an upgrade to another chart version deletes what it no longer renders; a rollback brings it back', async () => {
    const { id } = await deploymentByName(t, business.admin.token, 'store');
    expect((await change(id, 'post', '1.1')).status).toBe(5);
    // On every cluster: exactly these objects, with the values the deployment runs with carried over.
    const expectOnEveryCluster = (objects: string[]) => {
      for (const cluster of clusters) {
        expect(objectsIn(cluster)).toEqual(objects);
        expect(cluster.get('v1', 'ConfigMap', namespace(), 'store-config').data).toEqual({
          greeting: 'hi again',
        });
      }
    };
    expectOnEveryCluster(['ConfigMap/store-config', 'ConfigMap/store-extra', 'Deployment/store-web']);
    expect((await change(id, 'put', '1.0')).status).toBe(5);
    expectOnEveryCluster(['ConfigMap/store-config', 'Deployment/store-web', 'Service/store-web']);
    for (const clusterId of clusterIds) {
      expect(await revisions(clusterId, 'store')).toEqual([[4, 'DEPLOYED'], ...superseded(3, 2, 1)]);
      const [latest] = await releases(business.admin.token, clusterId);
      expect(latest.status_description).toBe('Rollback to 0.1.0 complete');
    }
  });

  it('the audit record of a pending upgrade carries the diff of the rendered objects', async () => {
    const { id } = await deploymentByName(t, user.token, 'store');
    await t
      .api()
      .post(`/v1/deploy/id/${id}`)
      .set(auth(user.token))
      .send({ version: '1.1', values: { greeting: 'hi again', image: 'nginx:1.29' } })
      .expect(200);
    const audit = await pendingAudit(id);
    expect(audit.diff).toContain('--- store on edge-a, edge-b (running 1.0)');
    expect(audit.diff).toContain('+++ store on edge-a, edge-b (requested 1.1)');
    expect(audit.diff).toMatch(/^-\s+image: nginx:1\.27$/m);
    expect(audit.diff).toMatch(/^\+\s+image: nginx:1\.29$/m);
    expect(audit.diff).toMatch(/^-\s*kind: Service$/m);
    expect(audit.diff).toMatch(/^\+\s+name: store-extra$/m);
    // Disapproved: the running version stays as it was.
    await decideDeploy(t, business.admin.token, audit.id, 2, 'not now').expect(200);
  });

  it('the audit diff of a plain application shows its rendered workload changing', async () => {
    await createApp(t, business.admin.token, { appName: 'plain', isHPA: false, image: 'nginx:1.25' });
    await createApp(t, business.admin.token, {
      appName: 'plain',
      isHPA: false,
      image: 'nginx:1.26',
      version: '1.3',
    });
    const id = await deploy('plain1', 'plain', '1.2');
    await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8]);
    await t.api().post(`/v1/deploy/id/${id}`).set(auth(user.token)).send({ version: '1.3' }).expect(200);
    const audit = await pendingAudit(id);
    expect(audit.diff).toMatch(/^-\s+image: nginx:1\.25$/m);
    expect(audit.diff).toMatch(/^\+\s+image: nginx:1\.26$/m);
    expect(audit.diff).toMatch(/^\+\s+app\.kubernetes\.io\/version: "1\.3"$/m);
    // Values belong to chart applications only.
    await t
      .api()
      .post(`/v1/deploy/id/${id}`)
      .set(auth(business.admin.token))
      .send({ version: '1.3', values: { a: 1 } })
      .expect(422);
  });

  it('lists releases per tenant, filtered by chart_id and namespace; an unknown cluster is 404', async () => {
    const [edgeA] = clusterIds;
    const shop10 = await appId('shop', '1.0');
    const shop11 = await appId('shop', '1.1');
    expect(await releases(other.admin.token, edgeA)).toEqual([]);
    const admin = await loginAdmin(t);
    expect((await releases(admin, edgeA)).map((release) => release.name)).toContain('store');
    expect(
      (await releases(user.token, edgeA, `?chart_id=${shop11}`)).map((release) => release.version),
    ).toEqual([3]);
    expect(
      (await releases(user.token, edgeA, `?chart_id=${shop10}`)).map((release) => release.version),
    ).toEqual([4, 2, 1]);
    expect(await releases(user.token, edgeA, `?namespace=ns${other.id}`)).toEqual([]);
    expect(await releases(user.token, edgeA, `?namespace=${namespace()}`)).toHaveLength(4);
    await t
      .api()
      .get('/cce/cam/v3/clusters/00000000-0000-4000-8000-000000000000/releases')
      .set(auth(user.token))
      .expect(404);
    await t.api().get('/cce/cam/v3/clusters/not-a-uuid/releases').set(auth(user.token)).expect(404);
    await t.api().get(`/cce/cam/v3/clusters/${edgeA}/releases`).expect(401);
  });

  it('chart_id is any decimal id: one no application has, even beyond the id column, lists nothing; a malformed one is 422', async () => {
    const [edgeA] = clusterIds;
    const admin = await loginAdmin(t);
    // There are releases to hide: only the filter empties the list.
    expect((await releases(admin, edgeA)).length).toBeGreaterThan(0);
    for (const chartId of ['1000000000', '2147483647', '2147483648', '3000000000', '99999999999999999999']) {
      for (const token of [admin, user.token])
        expect([chartId, await releases(token, edgeA, `?chart_id=${chartId}`)]).toEqual([chartId, []]);
    }
    for (const chartId of ['12abc', '-1', '1.5', '1e3', '']) {
      const response = await t
        .api()
        .get(`/cce/cam/v3/clusters/${edgeA}/releases?chart_id=${encodeURIComponent(chartId)}`)
        .set(auth(user.token));
      expect([chartId, response.status, response.body]).toEqual([
        chartId,
        422,
        { code: 422, message: expect.stringContaining('chart_id') },
      ]);
    }
  });

  it('a worker stopped between the apply and its release update: the retry finds the placement done and marks the release DEPLOYED', async () => {
    const releasesService = t.app.get(ReleaseService);
    const spy = jest
      .spyOn(releasesService, 'deployed')
      .mockRejectedValueOnce(new Error('worker stopped here'));
    try {
      const id = await deploy('resumed', 'shop', '1.0');
      expect((await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8])).status).toBe(5);
      expect(spy).toHaveBeenCalled();
      for (const clusterId of clusterIds)
        await eventually(
          () => revisions(clusterId, 'resumed'),
          (rows) => rows.length === 1 && rows[0][1] === 'DEPLOYED',
          { what: `the release of resumed DEPLOYED on ${clusterId}`, timeoutMs: 20_000 },
        );
    } finally {
      spy.mockRestore();
    }
  });

  it('deleting the deployment removes every object and ends the release UNINSTALLED', async () => {
    const { id } = await deploymentByName(t, business.admin.token, 'store');
    await t.api().delete(`/v1/deploy/id/${id}`).set(auth(business.admin.token)).expect(200);
    await waitForStatus(t, business.admin.token, id, [9]);
    for (const cluster of clusters)
      expect(objectsIn(cluster).filter((ref) => ref.includes('store'))).toEqual([]);
    for (const clusterId of clusterIds) {
      expect(await revisions(clusterId, 'store')).toEqual([[4, 'UNINSTALLED'], ...superseded(3, 2, 1)]);
    }
  });

  it('a cluster that does not answer keeps its release pending until it does, then DEPLOYED', async () => {
    const [edgeA, edgeB] = clusterIds;
    await clusters[1].setMode('unreachable');
    let id: number;
    try {
      id = await deploy('late', 'shop', '1.0');
      const pending = await eventually(
        async () =>
          (await releases(business.admin.token, edgeB)).filter((release) => release.name === 'late'),
        (found) => found.length === 1,
        { timeoutMs: 10_000, what: 'release of late on edge-b' },
      );
      expect(pending[0]).toMatchObject({
        version: 1,
        status: 'PENDING_INSTALL',
        status_description: 'Initial install underway',
      });
      await eventually(
        () => revisions(edgeA, 'late'),
        (found) => JSON.stringify(found) === JSON.stringify([[1, 'DEPLOYED']]),
        { timeoutMs: 10_000, what: 'late deployed on edge-a' },
      );
      // SPEC §7: the deployment settles without the offline cluster (6), its release there still pending.
      expect((await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8])).status).toBe(6);
      expect(await revisions(edgeB, 'late')).toEqual([[1, 'PENDING_INSTALL']]);
    } finally {
      await clusters[1].setMode('healthy');
    }
    // The returning cluster catches up: the deployment rolls up to 5 and the release is deployed.
    expect((await waitForStatus(t, business.admin.token, id, [5])).status).toBe(5);
    expect(await revisions(edgeB, 'late')).toEqual([[1, 'DEPLOYED']]);
    expect(clusters[1].get('apps/v1', 'Deployment', namespace(), 'late-web')).toBeDefined();
  });

  it('refuses at upload a chart that does not render, renders a privileged pod or a ClusterRole', async () => {
    const broken = chartArchive({
      'Chart.yaml': CHART_YAML(),
      'templates/broken.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.missing.name }}\n',
    });
    const notRendering = await upload(user.token, 'bad', '1.0', broken).expect(422);
    expect(notRendering.body.message).toMatch(
      /^chart does not render: template demo\/templates\/broken\.yaml \(line 4\)/,
    );
    expect(notRendering.body.message).not.toMatch(/\/tmp|ote-chart/);

    const privileged = chartArchive({
      ...WEB_CHART,
      'templates/deployment.yaml': WEB_CHART['templates/deployment.yaml'].replace(
        'allowPrivilegeEscalation: false',
        'privileged: true',
      ),
    });
    expect((await upload(user.token, 'bad', '1.0', privileged).expect(422)).body.message).toMatch(
      /Deployment upload-check-web container web: privileged containers are not allowed/,
    );
    const clusterRole = chartArchive({
      'Chart.yaml': CHART_YAML(),
      'templates/role.yaml':
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: admin-all\nrules: []\n',
    });
    expect((await upload(user.token, 'bad', '1.0', clusterRole).expect(422)).body.message).toMatch(
      /ClusterRole admin-all: rbac.authorization.k8s.io\/v1\/ClusterRole may not be deployed/,
    );
    expect(
      (await upload(user.token, 'bad', '1.0', Buffer.from('not a chart')).expect(422)).body.message,
    ).toMatch(/gzip-compressed tar/);
    await upload(user.token, 'bad', '1.0', Buffer.alloc(1024 * 1024 + 1)).expect(413);
    await t
      .api()
      .post('/v1/app/chart')
      .set(auth(user.token))
      .field('appName', 'bad')
      .field('version', '1.0')
      .expect(422);
    await upload(user.token, 'Bad Name', '1.0', chartArchive(WEB_CHART)).expect(422);
    const list = await t
      .api()
      .get('/v1/app?appName=bad&appNameMode=strict')
      .set(auth(user.token))
      .expect(200);
    expect(list.body.data).toEqual([]);
  });

  it('refuses at upload pods that could reach past the namespace: another volume source, a host path below a writable folder, a claim on a given volume', async () => {
    const reaching = chartArchive({
      ...WEB_CHART,
      'templates/deployment.yaml': WEB_CHART['templates/deployment.yaml'].replace(
        '      containers:\n',
        '      volumes:\n' +
          '        - name: share\n          nfs: { server: 10.0.0.5, path: / }\n' +
          '        - name: deep\n          hostPath: { path: /data/a/x }\n' +
          '      containers:\n',
      ),
      'templates/claim.yaml':
        'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: pinned\nspec:\n  volumeName: someone-elses\n' +
        '  accessModes: [ReadWriteOnce]\n  resources: { requests: { storage: 1Gi } }\n',
    });
    const { message } = (await upload(user.token, 'reaching', '1.0', reaching).expect(422)).body;
    expect(message).toContain('Deployment upload-check-web volume share: nfs volumes are not allowed');
    expect(message).toContain(
      'Deployment upload-check-web volume deep: hostPath /data/a/x lies below /data/a, a folder tenants may write',
    );
    expect(message).toContain(
      'PersistentVolumeClaim pinned: may not claim a given persistent volume (volumeName)',
    );
  });

  it('a chart container that leaves allowPrivilegeEscalation unset runs without it', async () => {
    const unset = chartArchive({
      ...WEB_CHART,
      'templates/deployment.yaml': WEB_CHART['templates/deployment.yaml'].replace(
        '          securityContext:\n            allowPrivilegeEscalation: false\n',
        '',
      ),
    });
    expect(unset.equals(chartArchive(WEB_CHART))).toBe(false);
    await uploaded(user.token, 'unset', '1.0', unset);
    const id = await deploy('unset', 'unset', '1.0');
    expect((await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8])).status).toBe(5);
    for (const cluster of clusters) {
      const [container] = cluster.get('apps/v1', 'Deployment', namespace(), 'unset-web').spec.template.spec
        .containers;
      expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false });
    }
  });

  it('a chart whose objects the cluster rejects, or whose values make it break the rules, fails per release', async () => {
    const ported = {
      ...WEB_CHART,
      'values.yaml': `${WEB_CHART['values.yaml']}port: 8080\nprivileged: false\n`,
      'templates/deployment.yaml': WEB_CHART['templates/deployment.yaml']
        .replace(
          '          env:',
          '          ports:\n            - containerPort: {{ .Values.port }}\n          env:',
        )
        .replace(
          'allowPrivilegeEscalation: false',
          'allowPrivilegeEscalation: false\n            privileged: {{ .Values.privileged }}',
        ),
    };
    await uploaded(business.admin.token, 'ported', '1.0', chartArchive(ported));

    await t
      .api()
      .post('/v1/deploy')
      .set(auth(business.admin.token))
      .send({ deployName: 'x'.repeat(54), appName: 'ported', version: '1.0' })
      .expect(422);
    const rejected = await deploy('rejected', 'ported', '1.0', { port: 70000 });
    expect((await waitForStatus(t, business.admin.token, rejected, [5, 6, 7, 8])).status).toBe(7);
    for (const clusterId of clusterIds) {
      const [release] = (await releases(business.admin.token, clusterId)).filter(
        (r) => r.name === 'rejected',
      );
      expect(release.status).toBe('FAILED');
      expect(release.status_description).toMatch(/70000/);
    }

    // What the clusters accepted before refusing the Deployment is removed with the deployment.
    expect(clusters[0].get('v1', 'ConfigMap', namespace(), 'rejected-config')).toBeDefined();
    await t.api().delete(`/v1/deploy/id/${rejected}`).set(auth(business.admin.token)).expect(200);
    await waitForStatus(t, business.admin.token, rejected, [9]);
    for (const cluster of clusters)
      expect(objectsIn(cluster).filter((ref) => ref.includes('rejected'))).toEqual([]);

    // A cluster that gains the label later refuses the Deployment too, after accepting the ConfigMap; a
    // delete lands while that apply's failure is held before it is recorded. The failure loses its
    // compare-and-set to the delete, and the ConfigMap it left is removed with the rest.
    await labelClusters(t, 'gained', ['edge-a']);
    const gained = await deploy('gained', 'ported', '1.0', { port: 70000 }, 'gained');
    expect((await waitForStatus(t, business.admin.token, gained, [5, 6, 7, 8])).status).toBe(7);
    const { held, spy } = holdFirstPendingMove(t, gained);
    try {
      await labelClusters(t, 'gained', ['edge-b']);
      await held.reached;
      expect(clusters[1].get('v1', 'ConfigMap', namespace(), 'gained-config')).toBeDefined();
      await t.api().delete(`/v1/deploy/id/${gained}`).set(auth(business.admin.token)).expect(200);
      held.open();
      expect((await waitForStatus(t, business.admin.token, gained, [9], 20_000)).status).toBe(9);
    } finally {
      spy.mockRestore();
      held.open();
    }
    for (const cluster of clusters)
      expect(objectsIn(cluster).filter((ref) => ref.includes('gained'))).toEqual([]);

    const refused = await deploy('refused', 'ported', '1.0', { privileged: true });
    expect((await waitForStatus(t, business.admin.token, refused, [5, 6, 7, 8])).status).toBe(7);
    for (const [index, clusterId] of clusterIds.entries()) {
      const [release] = (await releases(business.admin.token, clusterId)).filter((r) => r.name === 'refused');
      expect(release.status).toBe('FAILED');
      expect(release.status_description).toMatch(/privileged containers are not allowed/);
      expect(clusters[index].get('apps/v1', 'Deployment', namespace(), 'refused-web')).toBeUndefined();
    }
  });
});
