import { DataSource } from 'typeorm';
import { FakeCluster } from './fake-kube';
import { createApp, deployment, deploymentByName, startWithClusters } from './support/deploys';
import { decideDeploy, deployRunning } from './support/deploys';
import { deployBody, requestDeploy } from './support/deploys';
import { waitForStatus } from './support/deploys';
import { approvedBusiness, auth, subUser, TestBusiness, TestUser } from './support/factories';
import { TestApp } from './support/test-app';

describe('a deployment from request to deletion', () => {
  let t: TestApp;
  let clusters: FakeCluster[];
  let business: TestBusiness;
  let user: TestUser;
  beforeAll(async () => {
    ({ t, clusters } = await startWithClusters(['edge-a', 'edge-b']));
    business = await approvedBusiness(t);
    user = await subUser(t, business);
    await t.waitForQuietQueues();
  });
  afterAll(async () => {
    await t.close();
    await Promise.all(clusters.map((cluster) => cluster.stop()));
  });

  const namespace = () => `ns${business.id}`;
  const auditFor = async (deployId: number) => {
    const audits = await t
      .api()
      .get('/v1/admin/deploy?pageSize=100')
      .set(auth(business.admin.token))
      .expect(200);
    return audits.body.data.find(
      (row: { deployId: number; status: number }) => row.deployId === deployId && row.status === 0,
    );
  };

  it('a general user’s deployment waits for audit, then runs on every cluster as SPEC §6 says', async () => {
    await createApp(t, business.admin.token, { appName: 'web', isHPA: true });
    await requestDeploy(t, user.token, deployBody('web1', 'web', { comment: 'please' })).expect(200);
    const pending = await deploymentByName(t, user.token, 'web1');
    expect(pending).toMatchObject({
      status: 0,
      deployType: 1,
      editable: false,
      version: '1.2',
      cluster: 'all',
    });
    for (const cluster of clusters)
      expect(cluster.get('apps/v1', 'Deployment', namespace(), 'web1')).toBeUndefined();

    const audit = await auditFor(pending.id);
    expect(audit).toMatchObject({
      businessName: business.name,
      appName: 'web',
      version: '1.2',
      deployType: 1,
      status: 0,
    });
    await decideDeploy(t, user.token, audit.id, 1, 'ok').expect(403);
    await decideDeploy(t, business.admin.token, audit.id, 1, 'ok').expect(200);

    const approvedAt = Math.floor(Date.now() / 1000);
    const done = await waitForStatus(t, user.token, pending.id, [5, 6, 7, 8]);
    expect(done.status).toBe(5);
    expect(JSON.parse(done.errorMessage)).toEqual({ running: 4, error: 0, total: 4 });
    expect(done.editable).toBe(true);
    expect(done.auditComment).toBe('ok');
    // `since` (SPEC §7): when each placement became running, in Unix seconds.
    const since = expect.any(Number);
    expect(done.clusters).toEqual([
      { clusterName: 'edge-a', status: 'running', running: 2, error: 0, total: 2, message: '', since },
      { clusterName: 'edge-b', status: 'running', running: 2, error: 0, total: 2, message: '', since },
    ]);
    for (const row of done.clusters) {
      expect(row.since).toBeGreaterThanOrEqual(approvedAt - 1);
      expect(row.since).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    }

    for (const cluster of clusters) {
      const workload = cluster.get('apps/v1', 'Deployment', namespace(), 'web1');
      const labels = {
        'app.kubernetes.io/instance': 'web1',
        'app.kubernetes.io/name': 'web',
        'app.kubernetes.io/version': '1.2',
        'app.kubernetes.io/managed-by': 'ote-stack',
      };
      expect(workload.metadata.labels).toEqual(labels);
      expect(workload.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/instance': 'web1' } });
      expect(workload.spec.replicas).toBe(2);
      expect(workload.spec.minReadySeconds).toBe(10);
      expect(workload.spec.strategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: 1, maxSurge: 1 },
      });
      const pod = workload.spec.template.spec;
      expect(workload.spec.template.metadata.labels).toEqual(labels);
      expect(pod.nodeSelector).toBeUndefined();
      expect(pod.imagePullSecrets).toBeUndefined();
      expect(pod.containers).toHaveLength(1);
      const [container] = pod.containers;
      expect(container.image).toBe('nginx:1.25');
      expect(container.ports).toEqual([expect.objectContaining({ containerPort: 8080, hostPort: 9090 })]);
      expect(container.env).toEqual([{ name: 'NGINX_PATH', value: '/usr/share/nginx/' }]);
      expect(container.command).toBeUndefined();
      expect(container.volumeMounts).toEqual([
        { name: 'volume-0', mountPath: '/host/usr/bin', readOnly: true },
      ]);
      expect(pod.volumes).toEqual([
        { name: 'volume-0', hostPath: expect.objectContaining({ path: '/usr/bin' }) },
      ]);
      expect(container.resources).toEqual({
        requests: { cpu: '100m', memory: '100Mi' },
        limits: { cpu: '2', memory: '200Mi' },
      });

      const hpa = cluster.get('autoscaling/v2', 'HorizontalPodAutoscaler', namespace(), 'web1');
      expect(hpa.spec).toMatchObject({
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web1' },
        minReplicas: 2,
        maxReplicas: 20,
      });
      expect(hpa.spec.metrics).toEqual([
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 100 } },
        },
        {
          type: 'Resource',
          resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 150 } },
        },
      ]);
    }

    const records = await t
      .api()
      .get(`/v1/${business.id}/software_deployments`)
      .set(auth(user.token))
      .expect(200);
    expect(records.body.software_deployments).toHaveLength(2);
    for (const record of records.body.software_deployments) {
      expect(record).toMatchObject({ action: 'CREATE', status: 'COMPLETE', config_id: expect.any(String) });
      expect(record.output_values.deploy_stdout).toBe(
        'deployment.apps/web1 created\nhorizontalpodautoscaler.autoscaling/web1 created\n',
      );
      expect(record.output_values.deploy_status_code).toBe(0);
      expect(record.creation_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  });

  it('upgrade and rollback change the image and are listed in historyVersion; rollback to a version never run is 409', async () => {
    await createApp(t, business.admin.token, {
      appName: 'api',
      isHPA: false,
      image: 'registry.example/api:1',
    });
    await createApp(t, business.admin.token, {
      appName: 'api',
      isHPA: false,
      image: 'registry.example/api:2',
      version: '1.3',
    });
    await createApp(t, business.admin.token, {
      appName: 'api',
      isHPA: false,
      image: 'registry.example/api:4',
      version: '1.4',
    });
    const created = await deployRunning(
      t,
      business.admin.token,
      deployBody('api1', 'api'),
      '/v1/deploy/install',
    );
    const image = () =>
      clusters.map(
        (cluster) =>
          cluster.get('apps/v1', 'Deployment', namespace(), 'api1').spec.template.spec.containers[0].image,
      );

    await t
      .api()
      .post(`/v1/deploy/id/${created.id}`)
      .set(auth(business.admin.token))
      .send({ version: '1.3' })
      .expect(200);
    const upgraded = await waitForStatus(t, business.admin.token, created.id, [5, 6, 7, 8]);
    expect(upgraded).toMatchObject({ status: 5, version: '1.3', deployType: 2 });
    expect(image()).toEqual(['registry.example/api:2', 'registry.example/api:2']);

    await t
      .api()
      .put(`/v1/deploy/id/${created.id}`)
      .set(auth(business.admin.token))
      .send({ version: '1.4', comment: '' })
      .expect(409);
    await t
      .api()
      .put(`/v1/deploy/id/${created.id}`)
      .set(auth(business.admin.token))
      .send({ version: '1.2', comment: 'back' })
      .expect(200);
    const rolledBack = await waitForStatus(t, business.admin.token, created.id, [5, 6, 7, 8]);
    expect(rolledBack).toMatchObject({ status: 5, version: '1.2', deployType: 3 });
    expect(image()).toEqual(['registry.example/api:1', 'registry.example/api:1']);

    const history = await t
      .api()
      .get(`/v1/deploy/id/${created.id}?field=historyVersion`)
      .set(auth(business.admin.token))
      .expect(200);
    expect(history.body.data.historyVersion.map((entry: { version: string }) => entry.version)).toEqual([
      '1.2',
      '1.3',
      '1.2',
    ]);
    expect(history.body.data.historyVersion[0]).toEqual({
      version: '1.2',
      deployType: 3,
      createTime: expect.any(Number),
    });
  });

  it('a DaemonSet application runs one pod per node', async () => {
    await createApp(t, business.admin.token, { appName: 'agent', deployType: 'daemonset', isHPA: false });
    await requestDeploy(t, business.admin.token, deployBody('agent1', 'agent')).expect(200);
    const created = await deploymentByName(t, business.admin.token, 'agent1');
    const done = await waitForStatus(t, business.admin.token, created.id, [5, 6, 7, 8]);
    expect(done.status).toBe(5);
    expect(JSON.parse(done.errorMessage)).toEqual({ running: 4, error: 0, total: 4 });
    for (const cluster of clusters) {
      const daemonSet = cluster.get('apps/v1', 'DaemonSet', namespace(), 'agent1');
      expect(daemonSet.spec.updateStrategy).toMatchObject({
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: 1 },
      });
      expect(cluster.get('apps/v1', 'Deployment', namespace(), 'agent1')).toBeUndefined();
      expect(cluster.get('autoscaling/v2', 'HorizontalPodAutoscaler', namespace(), 'agent1')).toBeUndefined();
    }
  });

  it('disapproval of a new deployment ends it and leaves the clusters untouched', async () => {
    await createApp(t, business.admin.token, { appName: 'nope', isHPA: false });
    const writesBefore = clusters.map(
      (cluster) => cluster.requestLog.filter((entry) => entry.method !== 'GET').length,
    );
    await requestDeploy(t, user.token, deployBody('nope1', 'nope')).expect(200);
    const pending = await deploymentByName(t, user.token, 'nope1');
    const audit = await auditFor(pending.id);
    await t
      .api()
      .post('/v1/admin/deploy')
      .set(auth(business.admin.token))
      .send({ id: audit.id, status: 2, comment: 'no' })
      .expect(200);
    await t.waitForQuietQueues();
    expect(await deployment(t, user.token, pending.id)).toMatchObject({
      status: 2,
      editable: false,
      auditComment: 'no',
    });
    await decideDeploy(t, business.admin.token, audit.id, 1, 'changed my mind').expect(409);
    const writesAfter = clusters.map(
      (cluster) => cluster.requestLog.filter((entry) => entry.method !== 'GET').length,
    );
    expect(writesAfter).toEqual(writesBefore);
  });

  it('a disapproved upgrade leaves the running version; a pending request makes the deployment not editable (409)', async () => {
    await createApp(t, business.admin.token, { appName: 'keep', isHPA: false });
    await createApp(t, business.admin.token, {
      appName: 'keep',
      isHPA: false,
      version: '1.3',
      image: 'nginx:1.26',
    });
    const created = await deployRunning(t, business.admin.token, deployBody('keep1', 'keep'));
    await t
      .api()
      .post(`/v1/deploy/id/${created.id}`)
      .set(auth(user.token))
      .send({ version: '1.3' })
      .expect(200);
    expect(await deployment(t, user.token, created.id)).toMatchObject({
      status: 0,
      deployType: 2,
      editable: false,
      version: '1.2',
    });
    await t
      .api()
      .post(`/v1/deploy/id/${created.id}`)
      .set(auth(user.token))
      .send({ version: '1.3' })
      .expect(409);
    await t.api().delete(`/v1/deploy/id/${created.id}`).set(auth(user.token)).expect(409);
    const audit = await auditFor(created.id);
    await decideDeploy(t, business.admin.token, audit.id, 2, 'not now').expect(200);
    expect(await deployment(t, user.token, created.id)).toMatchObject({
      status: 5,
      deployType: 1,
      editable: true,
      version: '1.2',
    });
    for (const cluster of clusters) {
      expect(
        cluster.get('apps/v1', 'Deployment', namespace(), 'keep1').spec.template.spec.containers[0].image,
      ).toBe('nginx:1.25');
    }
    // The refused request is not the deployment's: its placements still carry the running one, which the
    // reconciler and the offline catch-up follow.
    const [current] = await t.app.get(DataSource).query(
      `SELECT d.request_id, array_agg(DISTINCT p.request_id) AS placed FROM deployments d
           JOIN placements p ON p.deployment_id = d.id WHERE d.id = $1 GROUP BY d.request_id`,
      [created.id],
    );
    expect(current.placed).toEqual([current.request_id]);
    expect(current.request_id).not.toBe(audit.id);
    // And a later delete of it settles as deleted.
    await t.api().delete(`/v1/deploy/id/${created.id}`).set(auth(business.admin.token)).expect(200);
    expect((await waitForStatus(t, business.admin.token, created.id, [9, 7, 8])).status).toBe(9);
  });

  it('delete removes every object it created and ends in 9', async () => {
    await createApp(t, business.admin.token, { appName: 'gone', isHPA: true });
    const created = await deployRunning(t, business.admin.token, deployBody('gone1', 'gone'));
    await t.api().delete('/v1/deploy/gone1').set(auth(user.token)).expect(200);
    const audit = await auditFor(created.id);
    expect(audit.deployType).toBe(4);
    await decideDeploy(t, business.admin.token, audit.id, 1, 'bye').expect(200);
    const deleted = await waitForStatus(t, business.admin.token, created.id, [9, 7, 8]);
    expect(deleted).toMatchObject({ status: 9, deployType: 4, editable: false, clusters: [] });
    for (const cluster of clusters) {
      expect(cluster.get('apps/v1', 'Deployment', namespace(), 'gone1')).toBeUndefined();
      expect(cluster.get('autoscaling/v2', 'HorizontalPodAutoscaler', namespace(), 'gone1')).toBeUndefined();
      expect(
        cluster
          .list('v1', 'Pod', namespace())
          .filter((pod) => pod.metadata.labels['app.kubernetes.io/instance'] === 'gone1'),
      ).toEqual([]);
    }
    const records = await t
      .api()
      .get(`/v1/${business.id}/software_deployments`)
      .set(auth(user.token))
      .expect(200);
    const deletes = records.body.software_deployments.filter(
      (record: { action: string; input_values: { deployName: string } }) =>
        record.action === 'DELETE' && record.input_values.deployName === 'gone1',
    );
    expect(deletes).toHaveLength(2);
    expect(deletes.every((record: { status: string }) => record.status === 'COMPLETE')).toBe(true);
    // The name is free again.
    await requestDeploy(t, business.admin.token, deployBody('gone1', 'gone')).expect(200);
  });
});
