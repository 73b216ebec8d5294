import { Role } from '../src/common/auth/principal';
import { FakeCluster } from './fake-kube';
import { createApp, DEPLOY_TEST_ENV, deploymentByName, registerClusters } from './support/deploys';
import { deployBody, requestDeploy, startClusters, waitForStatus } from './support/deploys';
import { approvedBusiness, auth, loginAdmin, registerUser, subUser, TestBusiness } from './support/factories';
import { TestUser } from './support/factories';
import { pushImage, startTestRegistry, TestRegistry } from './support/registry';
import { createProject, createRegistryAccount, registryToken } from './support/registry-accounts';
import { DiscoveredRoute, discoverRoutes } from './support/routes';
import { startTestApp, TestApp } from './support/test-app';

/**
 * SPEC §1/§2 IDOR sweep, generated from the routes Nest registers: for every route that names an object
 * (an id or a name in the path, or ids in the body), a user of another business gets 404 and a user one
 * role below the route's `@Roles` gets 403; then the owner's same request succeeds, which proves that the
 * object exists and the request is well-formed (so the 404 and 403 were the scoping and the guard).
 *
 * Every route the application serves needs an entry in SWEEP: a new route fails "covers every route"
 * until someone says how to build a valid request for it (or why it names no object).
 */

interface Fixtures {
  sysadmin: string;
  a: TestBusiness;
  b: TestBusiness;
  aUser: TestUser;
  bUser: TestUser;
  /** Approved, in no business (role 1). */
  loner: TestUser;
  /** Pending (role 0). */
  pending: TestUser;
  /** Objects of business A that the owners' requests may change or delete. */
  aPasswordTarget: TestUser;
  aDeleteTarget: TestUser;
  pendingTarget: TestUser;
  spareCluster: string;
  mainCluster: string;
  aAppId: number;
  aSpareAppId: number;
  aDeployId: number;
  aDeleteByIdDeployId: number;
  aDeleteByName: string;
  aPendingAuditId: number;
  aSoftwareDeploymentId: string;
  mainClusterId: string;
  aPackageId: string;
  /** A private registry project of business A with images `<project>/app` (tags v1, v2) and `<project>/old`. */
  aProject: string;
  aSpareProjectId: number;
  aThird: string;
  aSpareThird: string;
}

interface Request {
  path: string;
  body?: object;
}

type SweepCase =
  | {
      /**
       * business: the object belongs to a business, so members of another business get 404.
       * account: the path names the business itself (seed 004's account id), so members of another
       * business get the 404 of an unknown account (a problem document; SPEC §2 over the seed's 403).
       * shared: clusters and nodes every business sees, and users only system administrators manage;
       * only the role check applies.
       */
      scope: 'business' | 'account' | 'shared';
      request: (f: Fixtures) => Request;
      /** The token whose same request must succeed at the end (after the 404 and 403 checks). */
      owner: (f: Fixtures) => string;
      /** What the owner's request may answer: 409 where the object's current state refuses the change. */
      ok?: number[];
    }
  | { scope: 'none'; why: string };

/** Whose request must succeed at the end: a member of business A, its administrator or a system administrator. */
const OWNERS = {
  member: (f: Fixtures) => f.aUser.token,
  admin: (f: Fixtures) => f.a.admin.token,
  sysadmin: (f: Fixtures) => f.sysadmin,
};

/** A route that names an object: its scope, the request, whose same request succeeds, and with what. */
const row = (
  scope: 'business' | 'account' | 'shared',
  request: (f: Fixtures) => Request,
  owner: keyof typeof OWNERS,
  ok?: number[],
): SweepCase => ({ scope, request, owner: OWNERS[owner], ok });

/** A business-scoped request without a body that a member of business A may make. */
const byMember = (path: (f: Fixtures) => string) => row('business', (f) => ({ path: path(f) }), 'member');

/** Routes that name no object, and why they need no sweep. */
const unscoped = (why: string, ...routes: string[]): Record<string, SweepCase> =>
  Object.fromEntries(routes.map((route) => [route, { scope: 'none', why }]));

const SELF = 'acts on the caller only';
const CREATE = 'creates in the caller’s own scope';
const LIST = 'lists the caller’s own scope (covered by each module’s tenancy tests)';

/**
 * The sweep's table, in the order the checks run: requests that delete come last, each on an object of its
 * own. Keys are `METHOD path` exactly as Nest registers the route.
 */
const SWEEP: Record<string, SweepCase> = {
  ...unscoped('public', 'GET /healthz', 'GET /readyz'),
  ...unscoped('public (login)', 'POST /v1/authorization'),
  ...unscoped(
    SELF,
    'GET /v1/authorization',
    'PUT /v1/authorization',
    'DELETE /v1/authorization',
    'PUT /v1/user',
    'POST /v1/repository/user',
    'PUT /v1/repository/user',
  ),
  ...unscoped('public (registration)', 'POST /v1/user'),
  ...unscoped(
    CREATE,
    'POST /v1/admin/user',
    'POST /v1/business',
    'POST /v1/cluster',
    'POST /v1/app',
    'POST /v1/deploy',
    'POST /v1/deploy/install',
    'POST /v1/repository/project',
    'POST /v1/repository/third',
    'POST /v1/app/chart',
  ),
  ...unscoped(
    LIST,
    'GET /v1/admin/user',
    'GET /v1/business',
    'GET /v1/cluster',
    'GET /v1/cluster/label',
    'GET /v1/node',
    'GET /v1/node/label',
    'GET /v1/app',
    'GET /v1/deploy',
    'GET /v1/admin/deploy',
    'GET /v1/admin/audit',
    'GET /v1/repository/project',
    'GET /v1/repository/third',
  ),
  ...unscoped(
    'system administrators only; clusters are shared',
    'POST /v1/cluster/label',
    'DELETE /v1/cluster/label',
  ),
  ...unscoped('system administrators only; nodes are shared', 'POST /v1/node/label', 'DELETE /v1/node/label'),
  ...unscoped('system administrators (or METRICS_ALLOW addresses) only; no object', 'GET /metrics'),
  ...unscoped(
    'system administrators only; the queues are the platform’s',
    'ALL /admin/queues',
    'ALL /admin/queues/*',
  ),
  ...unscoped('registry accounts by HTTP Basic; its grants are tested in registry.e2e', 'GET /service/token'),

  'GET /v1/repository/image': byMember((f) => `/v1/repository/image?projectName=${f.aProject}`),
  'GET /v1/repository/image/tag': byMember((f) => `/v1/repository/image/tag?imageName=${f.aProject}/app`),
  'GET /v1/repository/third/:repositoryId': byMember((f) => `/v1/repository/third/${f.aThird}`),
  'GET /accounts/:accountId/core/v1/packages': row(
    'account',
    (f) => ({ path: `/accounts/${f.a.id}/core/v1/packages` }),
    'member',
  ),
  'GET /accounts/:accountId/core/v1/packages/:packageId': row(
    'account',
    (f) => ({ path: `/accounts/${f.a.id}/core/v1/packages/${f.aPackageId}` }),
    'member',
  ),
  'GET /cce/cam/v3/clusters/:clusterId/releases': {
    // Every business sees the cluster; each sees only its own releases there (chart.e2e's tenancy test).
    scope: 'shared',
    request: (f) => ({ path: `/cce/cam/v3/clusters/${f.mainClusterId}/releases` }),
    owner: OWNERS.member,
  },

  'GET /v1/business/id/:id': byMember((f) => `/v1/business/id/${f.a.id}`),
  'PUT /v1/business/id/:id': row(
    'shared',
    (f) => ({ path: `/v1/business/id/${f.a.id}`, body: { comment: 'again', status: 1 } }),
    'sysadmin',
    [409],
  ),
  'PUT /v1/admin/user/:userId/password': {
    scope: 'business',
    request: (f) => ({
      path: `/v1/admin/user/${f.aPasswordTarget.id}/password`,
      body: { password: 'Chang3dPass' },
    }),
    owner: OWNERS.admin,
  },
  'PUT /v1/admin/user/:userId': row(
    'shared',
    (f) => ({ path: `/v1/admin/user/${f.pendingTarget.id}`, body: { status: 1 } }),
    'sysadmin',
  ),
  'GET /v1/cluster/label/:clusterName': row(
    'shared',
    (f) => ({ path: `/v1/cluster/label/${f.mainCluster}` }),
    'member',
  ),
  'GET /v1/app/id/:appId': byMember((f) => `/v1/app/id/${f.aAppId}`),
  'GET /v1/deploy/id/:id': byMember((f) => `/v1/deploy/id/${f.aDeployId}`),
  'GET /v1/:projectId/software_deployments': byMember((f) => `/v1/${f.a.id}/software_deployments`),
  'GET /v1/:projectId/software_deployments/:id': byMember(
    (f) => `/v1/${f.a.id}/software_deployments/${f.aSoftwareDeploymentId}`,
  ),
  'POST /v1/deploy/id/:id': row(
    'business',
    (f) => ({ path: `/v1/deploy/id/${f.aDeployId}`, body: { version: '1.3' } }),
    'admin',
  ),
  'PUT /v1/deploy/id/:id': {
    scope: 'business',
    request: (f) => ({ path: `/v1/deploy/id/${f.aDeployId}`, body: { version: '1.2', comment: '' } }),
    owner: OWNERS.admin,
    // The upgrade just requested may still be running: a rollback then conflicts with it.
    ok: [200, 409],
  },
  'PUT /v1/admin/deploy': row(
    'business',
    (f) => ({ path: '/v1/admin/deploy', body: { id: f.aPendingAuditId, status: 2, comment: 'no' } }),
    'admin',
  ),
  'POST /v1/admin/deploy': {
    scope: 'business',
    request: (f) => ({ path: '/v1/admin/deploy', body: { id: f.aPendingAuditId, status: 2, comment: 'no' } }),
    owner: OWNERS.admin,
    // The PUT above has already decided this audit.
    ok: [409],
  },
  'DELETE /v1/repository/image/tag': {
    scope: 'business',
    request: (f) => ({
      path: '/v1/repository/image/tag',
      body: { imageName: `${f.aProject}/app`, tag: ['v2'] },
    }),
    owner: OWNERS.member,
  },
  'DELETE /v1/repository/image': row(
    'business',
    (f) => ({ path: '/v1/repository/image', body: { imageName: [`${f.aProject}/old`] } }),
    'member',
  ),
  'DELETE /v1/repository/project': row(
    'business',
    (f) => ({ path: '/v1/repository/project', body: { projectId: [f.aSpareProjectId] } }),
    'admin',
  ),
  'DELETE /v1/repository/third': row(
    'business',
    (f) => ({ path: '/v1/repository/third', body: { repositoryId: [f.aSpareThird] } }),
    'member',
  ),
  'DELETE /v1/app': row('business', (f) => ({ path: '/v1/app', body: { appId: [f.aSpareAppId] } }), 'member'),
  'DELETE /v1/deploy/id/:id': byMember((f) => `/v1/deploy/id/${f.aDeleteByIdDeployId}`),
  'DELETE /v1/deploy/:deployName': byMember((f) => `/v1/deploy/${f.aDeleteByName}`),
  'DELETE /v1/admin/user/:userId': row(
    'business',
    (f) => ({ path: `/v1/admin/user/${f.aDeleteTarget.id}` }),
    'admin',
  ),
  'DELETE /v1/cluster/:clusterName': {
    scope: 'shared',
    // The spare cluster holds placements of deployments that target every cluster: only force removes it.
    request: (f) => ({ path: `/v1/cluster/${f.spareCluster}?force=true` }),
    owner: OWNERS.sysadmin,
  },
};

const namesAnObject = (route: DiscoveredRoute) => route.path.includes(':');

describe('IDOR sweep over every route', () => {
  let t: TestApp;
  let registry: TestRegistry;
  let clusters: FakeCluster[];
  let f: Fixtures;
  let routes: Map<string, DiscoveredRoute>;

  const send = (token: string, method: string, { path, body }: Request) => {
    const call = t.api()[method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](path).set(auth(token));
    return body ? call.send(body) : call;
  };

  /** Users of business A by role, for "one role lower"; role 0 and 1 users belong to no business. */
  const userOfRole = (role: Role): string =>
    ({
      [Role.Pending]: f.pending.token,
      [Role.Approved]: f.loner.token,
      [Role.GeneralUser]: f.aUser.token,
      [Role.BusinessAdmin]: f.a.admin.token,
      [Role.SystemAdmin]: f.sysadmin,
    })[role];

  beforeAll(async () => {
    registry = await startTestRegistry();
    t = await startTestApp({ ...DEPLOY_TEST_ENV, ...registry.env });
    routes = new Map(discoverRoutes(t.app).map((route) => [route.key, route]));
    clusters = await startClusters(['idor-main', 'idor-spare']);
    const [main, spare] = clusters;
    await registerClusters(t, [main]);
    const [a, b] = [await approvedBusiness(t), await approvedBusiness(t)];
    const [aUser, bUser, aPasswordTarget, aDeleteTarget] = [
      await subUser(t, a),
      await subUser(t, b),
      await subUser(t, a),
      await subUser(t, a),
    ];
    const loner = await registerUser(t);
    const pending = await registerUser(t, { approve: false });
    const pendingTarget = await registerUser(t, { approve: false });

    const aAppId = await createApp(t, a.admin.token, { appName: 'svc', isHPA: false });
    await createApp(t, a.admin.token, { appName: 'svc', isHPA: false, version: '1.3', image: 'nginx:1.26' });
    const aSpareAppId = await createApp(t, a.admin.token, { appName: 'spare', isHPA: false });

    const deploy = async (token: string, deployName: string) => {
      await requestDeploy(t, token, deployBody(deployName, 'svc')).expect(200);
      return (await deploymentByName(t, token, deployName)).id as number;
    };
    const aDeployId = await deploy(a.admin.token, 'svc1');
    const aDeleteByIdDeployId = await deploy(a.admin.token, 'svc-del-id');
    const aDeleteByNameDeployId = await deploy(a.admin.token, 'svc-del-name');
    // A general user's request waits for its administrator's audit.
    const pendingDeployId = await deploy(aUser.token, 'svc-pending');
    const audits = await t.api().get('/v1/admin/deploy?pageSize=100').set(auth(a.admin.token)).expect(200);
    const aPendingAuditId = audits.body.data.find(
      (row: { deployId: number }) => row.deployId === pendingDeployId,
    ).id;
    for (const id of [aDeployId, aDeleteByIdDeployId, aDeleteByNameDeployId]) {
      await waitForStatus(t, a.admin.token, id, [5]);
    }
    await t.waitForQuietQueues();

    const records = await t
      .api()
      .get(`/v1/${a.id}/software_deployments`)
      .set(auth(a.admin.token))
      .expect(200);
    // Registry objects of business A: a private project with two images, an empty one, external repositories.
    const aProject = await createProject(t, a.admin, false);
    const spareProject = await createProject(t, a.admin, false);
    const account = await createRegistryAccount(t, a.admin);
    for (const [image, tag] of [
      ['app', 'v1'],
      ['app', 'v2'],
      ['old', 'v1'],
    ]) {
      const repository = `${aProject}/${image}`;
      const token = await registryToken(t, account, [`repository:${repository}:push,pull`]);
      expect((await pushImage(registry, token, repository, tag)).status).toBe(201);
    }
    const projects = await t
      .api()
      .get(`/v1/repository/project?projectName=${spareProject}`)
      .set(auth(a.admin.token))
      .expect(200);
    const aSpareProjectId = projects.body.data.find(
      (row: { projectName: string }) => row.projectName === spareProject,
    ).projectId;
    const third = async (repositoryId: string) => {
      await t
        .api()
        .post('/v1/repository/third')
        .set(auth(a.admin.token))
        .send({ repositoryId, address: 'registry.example.com', user: 'robot', password: 'Robot12345' })
        .expect(200);
      return repositoryId;
    };
    const packages = await t
      .api()
      .get(`/accounts/${a.id}/core/v1/packages`)
      .set(auth(a.admin.token))
      .expect(200);
    const clusterList = await t.api().get('/v1/cluster').set(auth(a.admin.token)).expect(200);

    // Registered after the deployments, so that it holds none of them and its removal is allowed.
    await registerClusters(t, [spare]);
    f = {
      sysadmin: await loginAdmin(t),
      a,
      b,
      aUser,
      bUser,
      loner,
      pending,
      aPasswordTarget,
      aDeleteTarget,
      pendingTarget,
      mainCluster: main.name,
      spareCluster: spare.name,
      aAppId,
      aSpareAppId,
      aDeployId,
      aDeleteByIdDeployId,
      aDeleteByName: 'svc-del-name',
      aPendingAuditId,
      aSoftwareDeploymentId: records.body.software_deployments[0].id,
      mainClusterId: clusterList.body.data.find(
        (row: { clusterName: string }) => row.clusterName === main.name,
      ).clusterId,
      aPackageId: packages.body.items[0].id,
      aProject,
      aSpareProjectId,
      aThird: await third('ext-keep'),
      aSpareThird: await third('ext-spare'),
    };
  });

  afterAll(async () => {
    await t?.close();
    await registry?.stop();
    await Promise.all((clusters ?? []).map((cluster) => cluster.stop()));
  });

  it('covers every route the application serves, and every route that names an object is swept', () => {
    const discovered = [...routes.keys()].sort();
    expect(discovered.length).toBeGreaterThan(40);
    const uncovered = discovered.filter((key) => !(key in SWEEP));
    expect({ uncovered }).toEqual({ uncovered: [] });
    const stale = Object.keys(SWEEP).filter((key) => !routes.has(key));
    expect({ stale }).toEqual({ stale: [] });
    const unswept = discovered.filter(
      (key) => namesAnObject(routes.get(key)!) && SWEEP[key].scope === 'none',
    );
    expect({ unswept }).toEqual({ unswept: [] });
  });

  it.each(Object.entries(SWEEP).filter(([, sweep]) => sweep.scope !== 'none'))('%s', async (key, sweep) => {
    if (sweep.scope === 'none') return;
    const route = routes.get(key);
    if (!route) throw new Error(`${key} is not a route of the application`);
    const request = sweep.request(f);
    const allowed = (role: Role) => !route.roles || route.roles.includes(role);

    if (sweep.scope === 'account') {
      for (const token of [f.b.admin.token, f.bUser.token]) {
        const response = await send(token, route.method, request);
        expect({ key, status: response.status, type: response.body.type }).toEqual({
          key,
          status: 404,
          type: 'https://astra.netapp.io/problems/2',
        });
      }
    }

    if (sweep.scope === 'business') {
      const outsiders = [f.b.admin.token, f.bUser.token].filter((_, i) =>
        allowed([Role.BusinessAdmin, Role.GeneralUser][i]),
      );
      expect(outsiders.length).toBeGreaterThan(0);
      for (const token of outsiders) {
        const response = await send(token, route.method, request);
        expect({ key, status: response.status, body: response.body }).toEqual({
          key,
          status: 404,
          body: { code: 404, message: expect.any(String) },
        });
      }
    }

    // One role below the lowest the route allows, in business A where it applies.
    if (route.roles) {
      const lowest = Math.min(...route.roles);
      expect(lowest).toBeGreaterThan(Role.Pending);
      const response = await send(userOfRole(lowest - 1), route.method, request);
      expect({ key, status: response.status }).toEqual({ key, status: 403 });
    }

    const response = await send(sweep.owner(f), route.method, request);
    expect(sweep.ok ?? [200]).toContain(response.status);
  });
});
