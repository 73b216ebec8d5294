import type { AuditView } from '../src/audit/audit-trail.service';
import { FakeCluster } from './fake-kube';
import { queryDatabase } from './support/clusters';
import { createApp, DEPLOY_TEST_ENV, deploymentByName, startClusters, decideDeploy } from './support/deploys';
import { approvedBusiness, auth, login, loginAdmin, PASSWORD, registerUser } from './support/factories';
import { resetPassword } from './support/factories';
import { subUser, TestBusiness, TestUser, uniqueName } from './support/factories';
import { startTestRegistry, TestRegistry } from './support/registry';
import { createProject } from './support/registry-accounts';
import { ADMIN, startTestApp, TestApp } from './support/test-app';

/** One entry of `GET /v1/admin/audit`, as the server's own view type says. */
type Entry = AuditView;

const LOCAL_ADDRESS = /^(127\.0\.0\.1|::1)$/;

describe('audit trail', () => {
  let t: TestApp;
  let cluster: FakeCluster;
  let registry: TestRegistry;
  let adminToken: string;
  let adminId: number;
  let business: TestBusiness;
  let member: TestUser;
  const startedAt = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    registry = await startTestRegistry();
    t = await startTestApp({ ...DEPLOY_TEST_ENV, ...registry.env });
    [cluster] = await startClusters(['audit-edge']);
    adminToken = await loginAdmin(t);
    const users = await t.api().get('/v1/admin/user?pageSize=100').set(auth(adminToken)).expect(200);
    adminId = users.body.data.find((row: { user: string }) => row.user === ADMIN.user).id;
    business = await approvedBusiness(t);
    member = await subUser(t, business);
  });
  afterAll(async () => {
    await t.waitForQuietQueues();
    await t.close();
    await cluster.stop();
    await registry.stop();
  });

  const entries = async (query: string, token = adminToken): Promise<{ data: Entry[]; total: number }> =>
    (await t.api().get(`/v1/admin/audit?pageSize=100&${query}`).set(auth(token)).expect(200)).body;
  const entryFor = async (action: string, targetId: string | number, token = adminToken) => {
    const found = (await entries(`action=${action}`, token)).data.filter(
      (entry) => entry.targetId === String(targetId),
    );
    expect(found).toHaveLength(1);
    return found[0];
  };

  it('records a user audit with who, what, target, when and from where', async () => {
    const user = await registerUser(t);
    const entry = await entryFor('user.audit', user.id);
    expect(entry).toEqual({
      id: expect.any(Number),
      time: expect.any(Number),
      actorId: adminId,
      actorName: ADMIN.user,
      action: 'user.audit',
      targetType: 'user',
      targetId: String(user.id),
      detail: { user: user.user, from: 0, status: 1 },
      sourceIp: expect.stringMatching(LOCAL_ADDRESS),
    });
    expect(entry.time).toBeGreaterThanOrEqual(startedAt);
    expect(entry.time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('records a later status change of a user (forbidding changes the role too)', async () => {
    const user = await registerUser(t);
    await t.api().put(`/v1/admin/user/${user.id}`).set(auth(adminToken)).send({ status: 3 }).expect(200);
    const changes = (await entries('action=user.audit')).data.filter((e) => e.targetId === String(user.id));
    expect(changes.map((e) => e.detail)).toEqual([
      { user: user.user, from: 1, status: 3 },
      { user: user.user, from: 0, status: 1 },
    ]);
  });

  it('records a business audit, scoped to that business', async () => {
    const entry = await entryFor('business.audit', business.id);
    expect(entry).toMatchObject({
      actorId: adminId,
      targetType: 'business',
      detail: { name: business.name, ownerId: business.admin.id, status: 1, comment: 'ok' },
    });
    // The business's own administrator sees the decision on their business.
    await entryFor('business.audit', business.id, business.admin.token);
  });

  it('records a deployment request audit by the business administrator', async () => {
    await createApp(t, business.admin.token, { appName: 'audited', isHPA: false });
    await t
      .api()
      .post('/v1/deploy')
      .set(auth(member.token))
      .send({ deployName: 'audited1', appName: 'audited', version: '1.2', cluster: 'all', nodeLabel: 'all' })
      .expect(200);
    const deployment = await deploymentByName(t, member.token, 'audited1');
    const requests = await t.api().get('/v1/admin/deploy?pageSize=100').set(auth(business.admin.token));
    const request = requests.body.data.find((row: { deployId: number }) => row.deployId === deployment.id);
    await decideDeploy(t, business.admin.token, request.id, 2, 'not now').expect(200);
    const entry = await entryFor('deploy.audit', request.id, business.admin.token);
    expect(entry).toMatchObject({
      actorId: business.admin.id,
      actorName: business.admin.user,
      targetType: 'deploy-request',
      detail: { deploymentId: deployment.id, action: 1, id: request.id, status: 2, comment: 'not now' },
      sourceIp: expect.stringMatching(LOCAL_ADDRESS),
    });
  });

  it('records an administrator’s own request that ENABLE_ADMIN_AUTO_DEPLOY approved, as theirs', async () => {
    await createApp(t, business.admin.token, { appName: 'autoaudited', isHPA: false });
    await t
      .api()
      .post('/v1/deploy')
      .set(auth(business.admin.token))
      .send({
        deployName: 'autoaudited1',
        appName: 'autoaudited',
        version: '1.2',
        cluster: 'all',
        nodeLabel: 'all',
      })
      .expect(200);
    const deployment = await deploymentByName(t, business.admin.token, 'autoaudited1');
    const recorded = (await entries('action=deploy.audit', business.admin.token)).data.filter(
      (entry) => entry.detail.deploymentId === deployment.id,
    );
    expect(recorded).toEqual([
      expect.objectContaining({
        actorId: business.admin.id,
        actorName: business.admin.user,
        targetType: 'deploy-request',
        detail: expect.objectContaining({ action: 1, status: 1, comment: 'approved automatically' }),
        sourceIp: expect.stringMatching(LOCAL_ADDRESS),
      }),
    ]);
  });

  it('records registry project creation and deletion, and not a refused deletion', async () => {
    const projectName = await createProject(t, business.admin, false);
    const listed = await t
      .api()
      .get(`/v1/repository/project?projectName=${projectName}`)
      .set(auth(business.admin.token))
      .expect(200);
    const { projectId } = listed.body.data[0] as { projectId: number };
    const other = await approvedBusiness(t);
    await t
      .api()
      .delete('/v1/repository/project')
      .set(auth(other.admin.token))
      .send({ projectId: [projectId] })
      .expect(404);
    expect((await entries('action=registry.project-delete')).total).toBe(0);
    await t
      .api()
      .delete('/v1/repository/project')
      .set(auth(business.admin.token))
      .send({ projectId: [projectId] })
      .expect(200);

    expect(await entryFor('registry.project-create', projectId, business.admin.token)).toMatchObject({
      actorId: business.admin.id,
      targetType: 'registry-project',
      detail: { name: projectName, public: false },
      sourceIp: expect.stringMatching(LOCAL_ADDRESS),
    });
    expect(await entryFor('registry.project-delete', projectId, business.admin.token)).toMatchObject({
      actorId: business.admin.id,
      targetType: 'registry-project',
      detail: { name: projectName },
    });
  });

  it('records password resets, own password changes and deletions', async () => {
    const other = await subUser(t, business);
    await resetPassword(t, business.admin.token, other.id, 'Different1').expect(200);
    expect(await entryFor('user.password-reset', other.id, business.admin.token)).toMatchObject({
      actorId: business.admin.id,
      targetType: 'user',
      detail: { user: other.user },
    });
    const otherToken = await login(t, other.user, 'Different1');
    await t
      .api()
      .put('/v1/user')
      .set(auth(otherToken))
      .send({ oldPassword: 'Different1', password: PASSWORD })
      .expect(200);
    expect(await entryFor('user.password-change', other.id)).toMatchObject({ actorId: other.id });
    // Two deletes at once: one deletes, the other finds no user; one entry either way.
    const deletes = await Promise.all(
      [1, 2].map(() => t.api().delete(`/v1/admin/user/${other.id}`).set(auth(business.admin.token))),
    );
    expect(deletes.map((response) => response.status).sort()).toEqual([200, 404]);
    expect(await entryFor('user.delete', other.id, business.admin.token)).toMatchObject({
      actorId: business.admin.id,
      detail: { user: other.user },
    });
  });

  it('records cluster registration and removal (forced), without the kubeconfig', async () => {
    const clusterName = uniqueName('edge');
    await t
      .api()
      .post('/v1/cluster')
      .set(auth(adminToken))
      .send({ clusterName, kubeconfig: cluster.kubeconfig })
      .expect(200);
    // The new cluster got this file's deployments that target every cluster: removing it takes force.
    await t.api().delete(`/v1/cluster/${clusterName}`).set(auth(adminToken)).expect(409);
    await t.api().delete(`/v1/cluster/${clusterName}?force=true`).set(auth(adminToken)).expect(200);
    const registered = (await entries('action=cluster.register')).data.find(
      (e) => e.detail.clusterName === clusterName,
    );
    const removals = (await entries('action=cluster.remove')).data;
    const removed = removals.find((e) => e.detail.clusterName === clusterName);
    expect(registered).toMatchObject({ actorId: adminId, targetType: 'cluster', detail: { clusterName } });
    expect(removed).toMatchObject({
      actorId: adminId,
      targetId: registered!.targetId,
      detail: { clusterName, force: true },
    });
    expect(removals.filter((e) => e.detail.clusterName === clusterName)).toHaveLength(1);
    expect(JSON.stringify([registered, removed])).not.toContain('apiVersion');
  });

  it('records failed logins: wrong password, unknown user and a forbidden account', async () => {
    await t.api().post('/v1/authorization').send({ user: member.user, password: 'Wrong1234' }).expect(401);
    const ghost = uniqueName('ghost');
    await t.api().post('/v1/authorization').send({ user: ghost, password: 'Wrong1234' }).expect(401);
    const forbidden = await registerUser(t);
    await t.api().put(`/v1/admin/user/${forbidden.id}`).set(auth(adminToken)).send({ status: 3 });
    await t.api().post('/v1/authorization').send({ user: forbidden.user, password: PASSWORD }).expect(403);

    expect(await entryFor('auth.login-failed', member.id, business.admin.token)).toMatchObject({
      actorId: member.id,
      actorName: member.user,
      targetType: 'user',
      detail: { reason: 'wrong user name or password' },
      sourceIp: expect.stringMatching(LOCAL_ADDRESS),
    });
    expect(await entryFor('auth.login-failed', ghost)).toMatchObject({ actorId: null, actorName: ghost });
    expect(await entryFor('auth.login-failed', forbidden.id)).toMatchObject({
      detail: { reason: 'account not approved or forbidden' },
    });
    const all = JSON.stringify(await entries('action=auth.login-failed'));
    expect(all).not.toContain('Wrong1234');
    expect(all).not.toContain(PASSWORD);
  });

  describe('same transaction as the change', () => {
    it('a refused change leaves no entry', async () => {
      const before = (await entries(`action=business.audit`)).total;
      await t
        .api()
        .put(`/v1/business/id/${business.id}`)
        .set(auth(adminToken))
        .send({ comment: 'again', status: 2 })
        .expect(409);
      await t
        .api()
        .post('/v1/cluster')
        .set(auth(adminToken))
        .send({ clusterName: 'audit-edge-bad', kubeconfig: 'not a kubeconfig' })
        .expect(422);
      expect((await entries(`action=business.audit`)).total).toBe(before);
      expect((await entries(`action=cluster.register`)).data).not.toContainEqual(
        expect.objectContaining({ detail: { clusterName: 'audit-edge-bad' } }),
      );
    });

    // The two failures below are injected with constraints that only new rows must meet (NOT VALID).
    it('a change that fails in the database leaves no entry', async () => {
      const user = await registerUser(t);
      await queryDatabase(t, `ALTER TABLE users ADD CONSTRAINT refuse_status CHECK (status <> 2) NOT VALID`);
      try {
        await t.api().put(`/v1/admin/user/${user.id}`).set(auth(adminToken)).send({ status: 2 }).expect(500);
      } finally {
        await queryDatabase(t, `ALTER TABLE users DROP CONSTRAINT refuse_status`);
      }
      const changes = (await entries('action=user.audit')).data.filter((e) => e.targetId === String(user.id));
      expect(changes.map((e) => e.detail.status)).toEqual([1]);
    });

    it('a change whose entry cannot be written does not happen', async () => {
      const victim = await subUser(t, business);
      await queryDatabase(
        t,
        `ALTER TABLE audit_log ADD CONSTRAINT refuse_deletions CHECK (action <> 'user.delete') NOT VALID`,
      );
      try {
        await t.api().delete(`/v1/admin/user/${victim.id}`).set(auth(business.admin.token)).expect(500);
      } finally {
        await queryDatabase(t, `ALTER TABLE audit_log DROP CONSTRAINT refuse_deletions`);
      }
      const users = await t.api().get('/v1/admin/user?pageSize=100').set(auth(business.admin.token));
      expect(users.body.data.map((row: { id: number }) => row.id)).toContain(victim.id);
    });
  });

  describe('reading the trail', () => {
    it('business administrators see only their business’s entries; others get 403', async () => {
      const otherBusiness = await approvedBusiness(t);
      const own = await entries('', business.admin.token);
      expect(own.total).toBeGreaterThan(0);
      const ownTargets = own.data.map((e) => `${e.action}:${e.targetId}`);
      expect(ownTargets).toContain(`business.audit:${business.id}`);
      expect(ownTargets).not.toContain(`business.audit:${otherBusiness.id}`);
      expect(own.data.map((e) => e.action)).not.toContain('cluster.register');
      const theirs = await entries('', otherBusiness.admin.token);
      expect(theirs.data.map((e) => `${e.action}:${e.targetId}`)).toContain(
        `business.audit:${otherBusiness.id}`,
      );
      expect(theirs.data.map((e) => e.targetId)).not.toContain(String(business.id));
      const everything = await entries('');
      expect(everything.total).toBeGreaterThan(own.total + theirs.total);

      await t.api().get('/v1/admin/audit').set(auth(member.token)).expect(403);
      const approved = await registerUser(t);
      await t.api().get('/v1/admin/audit').set(auth(approved.token)).expect(403);
      await t.api().get('/v1/admin/audit').expect(401);
    });

    it('filters by action, actor and time, newest first, with a total', async () => {
      const all = await entries('');
      const times = all.data.map((e) => e.time);
      expect(times).toEqual([...times].sort((a, b) => b - a));
      const ids = all.data.filter((e) => e.time === all.data[0].time).map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));

      const byAdmin = await entries(`actorId=${business.admin.id}`);
      expect(byAdmin.data.length).toBeGreaterThan(0);
      expect(byAdmin.data.every((e) => e.actorId === business.admin.id)).toBe(true);
      const byAction = await entries('action=user.delete');
      expect(byAction.data.every((e) => e.action === 'user.delete')).toBe(true);

      expect((await entries(`since=${startedAt}`)).total).toBe(all.total);
      expect((await entries(`until=${startedAt - 1}`)).total).toBe(0);
      expect((await entries(`since=${Math.floor(Date.now() / 1000) + 60}`)).total).toBe(0);
      // Both bounds take in their whole second, as the entries show it.
      const [newest] = all.data;
      const inItsSecond = await entries(`since=${newest.time}&until=${newest.time}`);
      expect(inItsSecond.data.map((e) => e.id)).toContain(newest.id);
      // An actor id beyond the id column is no one's: an empty page, not an error.
      expect(await entries('actorId=3000000000')).toMatchObject({ data: [], total: 0 });

      const page = await t.api().get('/v1/admin/audit?page=2&pageSize=2').set(auth(adminToken)).expect(200);
      expect(page.body.total).toBe(all.total);
      expect(page.body.data.map((e: Entry) => e.id)).toEqual(all.data.slice(2, 4).map((e) => e.id));
      await t.api().get('/v1/admin/audit?since=yesterday').set(auth(adminToken)).expect(422);
    });

    it('offers no way to change or delete an entry', async () => {
      const [latest] = (await entries('')).data;
      for (const method of ['put', 'patch', 'delete', 'post'] as const) {
        await t.api()[method]('/v1/admin/audit').set(auth(adminToken)).send({}).expect(404);
        await t.api()[method](`/v1/admin/audit/${latest.id}`).set(auth(adminToken)).send({}).expect(404);
      }
      expect((await entries('')).data[0]).toEqual(latest);
    });
  });
});
