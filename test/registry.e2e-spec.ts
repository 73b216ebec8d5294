import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { verify } from 'jsonwebtoken';
import { approvedBusiness, auth, loginAdmin, registerUser, subUser, TestBusiness } from './support/factories';
import { TestUser } from './support/factories';
import { pushImage, REGISTRY_ISSUER, REGISTRY_SERVICE, registryCall, registryTags } from './support/registry';
import { startTestRegistry, TestRegistry } from './support/registry';
import { basic, claimsOf, createProject, createRegistryAccount } from './support/registry-accounts';
import { RegistryAccount, registryToken, requestToken } from './support/registry-accounts';
import { startTestApp, TestApp } from './support/test-app';

/**
 * SPEC §11 on a real docker-registry that trusts our token service: pushes and pulls over the registry's
 * own HTTP API with tokens from /service/token, and the 13 repository routes reading the registry back.
 */
describe('image registry', () => {
  let registry: TestRegistry;
  let t: TestApp;
  let a: TestBusiness;
  let b: TestBusiness;
  let aUser: TestUser;
  let aAccount: RegistryAccount;
  let bAccount: RegistryAccount;
  let privateProject: string;
  let publicProject: string;

  beforeAll(async () => {
    registry = await startTestRegistry();
    t = await startTestApp(registry.env);
    [a, b] = [await approvedBusiness(t), await approvedBusiness(t)];
    aUser = await subUser(t, a);
    aAccount = await createRegistryAccount(t, aUser);
    bAccount = await createRegistryAccount(t, b.admin);
    privateProject = await createProject(t, a.admin, false);
    publicProject = await createProject(t, a.admin, true);
  });

  afterAll(async () => {
    await t?.close();
    await registry?.stop();
  });

  const pushScope = (repository: string) => `repository:${repository}:push,pull`;
  const pullScope = (repository: string) => `repository:${repository}:pull`;
  const listProjects = async (token: string, query = '') =>
    (await t.api().get(`/v1/repository/project${query}`).set(auth(token)).expect(200)).body;
  const listImages = async (token: string, projectName: string) =>
    (
      await t
        .api()
        .get(`/v1/repository/image?projectName=${projectName}&pageSize=0`)
        .set(auth(token))
        .expect(200)
    ).body;

  it('a member pushes into their business project; it is listed with its address, tags and count', async () => {
    const repository = `${privateProject}/demo`;
    const token = await registryToken(t, aAccount, [pushScope(repository)]);
    const created = new Date('2024-05-01T10:00:00Z');
    const v1 = await pushImage(registry, token, repository, 'v1', created);
    expect(v1).toEqual({ status: 201, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(
      (await pushImage(registry, token, repository, 'v2', new Date('2024-06-01T10:00:00Z'))).status,
    ).toBe(201);

    const images = await listImages(aUser.token, privateProject);
    expect(images).toEqual({
      code: 200,
      message: 'success',
      total: 1,
      data: [
        {
          projectName: privateProject,
          public: false,
          imageName: repository,
          imageAddress: `${registry.host}/${repository}`,
          createTime: Math.floor(created.getTime() / 1000),
          updateTime: Math.floor(Date.parse('2024-06-01T10:00:00Z') / 1000),
        },
      ],
    });
    const tags = await t
      .api()
      .get(`/v1/repository/image/tag?imageName=${repository}`)
      .set(auth(aUser.token))
      .expect(200);
    expect(tags.body.total).toBe(2);
    expect(tags.body.data).toEqual([
      {
        tag: 'v1',
        imageAddress: `${registry.host}/${repository}`,
        createTime: Math.floor(created.getTime() / 1000),
        updateTime: Math.floor(created.getTime() / 1000),
      },
      expect.objectContaining({ tag: 'v2' }),
    ]);
    const projects = await listProjects(aUser.token, `?projectName=${privateProject}`);
    expect(projects.data).toEqual([
      {
        projectId: expect.any(Number),
        projectName: privateProject,
        createTime: expect.any(Number),
        updateTime: expect.any(Number),
        imageCount: 1,
        public: false,
      },
    ]);
  });

  it('another business can neither push into nor read a private project', async () => {
    const repository = `${privateProject}/demo`;
    const token = await registryToken(t, bAccount, [pushScope(repository)]);
    expect(claimsOf(token).payload.access).toEqual([]);
    expect((await pushImage(registry, token, `${privateProject}/intruder`, 'v1')).status).toBe(401);
    expect((await registryTags(registry, token, repository)).status).toBe(401);
    const manifest = await registryCall(registry, token, 'GET', `/v2/${repository}/manifests/v1`);
    expect(manifest.status).toBe(401);
    await t
      .api()
      .get(`/v1/repository/image?projectName=${privateProject}`)
      .set(auth(b.admin.token))
      .expect(404);
    await t
      .api()
      .get(`/v1/repository/image/tag?imageName=${repository}`)
      .set(auth(b.admin.token))
      .expect(404);
    const projects = await listProjects(b.admin.token, '?pageSize=100');
    expect(projects.data.map((row: { projectName: string }) => row.projectName)).not.toContain(
      privateProject,
    );
    await t
      .api()
      .delete('/v1/repository/image')
      .set(auth(b.admin.token))
      .send({ imageName: [repository] })
      .expect(404);
  });

  it('another business pulls from a public project but cannot push into it', async () => {
    const repository = `${publicProject}/shared`;
    const ownerToken = await registryToken(t, aAccount, [pushScope(repository)]);
    const pushed = await pushImage(registry, ownerToken, repository, '1.0');
    expect(pushed.status).toBe(201);

    const token = await registryToken(t, bAccount, [pushScope(repository)]);
    expect(claimsOf(token).payload.access).toEqual([
      { type: 'repository', name: repository, actions: ['pull'] },
    ]);
    expect(await registryTags(registry, token, repository)).toEqual({ status: 200, tags: ['1.0'] });
    const manifest = await registryCall(
      registry,
      token,
      'GET',
      `/v2/${repository}/manifests/1.0`,
      undefined,
      {
        Accept: 'application/vnd.docker.distribution.manifest.v2+json',
      },
    );
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('docker-content-digest')).toBe(pushed.digest);
    expect((await pushImage(registry, token, repository, '2.0')).status).toBe(401);
    expect((await pushImage(registry, token, `${publicProject}/mine`, '1.0')).status).toBe(401);

    const images = await listImages(b.admin.token, publicProject);
    expect(images.data).toEqual([expect.objectContaining({ imageName: repository, public: true })]);
    const projects = await listProjects(b.admin.token, '?public=true&pageSize=100');
    expect(projects.data).toContainEqual(
      expect.objectContaining({ projectName: publicProject, imageCount: 1 }),
    );
    // Seen, but not theirs to change.
    await t
      .api()
      .delete('/v1/repository/image/tag')
      .set(auth(b.admin.token))
      .send({ imageName: repository, tag: ['1.0'] })
      .expect(403);
  });

  it("deleting a tag removes it from the registry's own tag list, and only it", async () => {
    const repository = `${privateProject}/tagged`;
    const token = await registryToken(t, aAccount, [pushScope(repository)]);
    const pushed = await pushImage(registry, token, repository, 'old');
    expect(pushed.status).toBe(201);
    expect((await pushImage(registry, token, repository, 'keep')).status).toBe(201);
    // A second tag on the same manifest: the registry deletes manifests, so it must be put back.
    const manifest = await registryCall(
      registry,
      token,
      'GET',
      `/v2/${repository}/manifests/old`,
      undefined,
      {
        Accept: 'application/vnd.docker.distribution.manifest.v2+json',
      },
    );
    const alias = await registryCall(
      registry,
      token,
      'PUT',
      `/v2/${repository}/manifests/alias`,
      Buffer.from(await manifest.arrayBuffer()),
      { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' },
    );
    expect(alias.status).toBe(201);

    await t
      .api()
      .delete('/v1/repository/image/tag')
      .set(auth(aUser.token))
      .send({ imageName: repository, tag: ['old'] })
      .expect(200);
    const left = await registryTags(registry, token, repository);
    expect(left.tags?.sort()).toEqual(['alias', 'keep']);
    const old = await registryCall(registry, token, 'GET', `/v2/${repository}/manifests/old`);
    expect(old.status).toBe(404);
    await t
      .api()
      .delete('/v1/repository/image/tag')
      .set(auth(aUser.token))
      .send({ imageName: repository, tag: ['old'] })
      .expect(404);
  });

  // SPEC §12 (the other id routes are in security-http.e2e-spec.ts, whose server has no registry).
  it.each([
    ['[3000000000]', 404],
    ['[1e30]', 404],
    ['[2147483647, 3000000000]', 404],
    ['["12abc"]', 422],
    ['[0]', 422],
    ['[3000000000, "12abc"]', 422],
  ])('DELETE /v1/repository/project {"projectId":%s}: %i', async (ids, status) => {
    const response = await t
      .api()
      .delete('/v1/repository/project')
      .set(auth(a.admin.token))
      .set('Content-Type', 'application/json')
      .send(`{"projectId":${ids}}`)
      .expect(status);
    expect(response.body).toEqual({ code: status, message: expect.stringContaining('projectId') });
  });

  it('a project holding images cannot be deleted until its images are', async () => {
    const projectName = await createProject(t, a.admin, false);
    const repository = `${projectName}/app`;
    const token = await registryToken(t, aAccount, [pushScope(repository)]);
    expect((await pushImage(registry, token, repository, 'v1')).status).toBe(201);
    const { data } = await listProjects(a.admin.token, `?projectName=${projectName}`);
    const projectId = data[0].projectId;
    const refused = await t
      .api()
      .delete('/v1/repository/project')
      .set(auth(a.admin.token))
      .send({ projectId: [projectId] })
      .expect(409);
    expect(refused.body).toEqual({ code: 409, message: expect.stringContaining(projectName) });

    await t
      .api()
      .delete('/v1/repository/image')
      .set(auth(aUser.token))
      .send({ imageName: [repository] })
      .expect(200);
    expect((await registryTags(registry, token, repository)).tags ?? []).toEqual([]);
    expect((await listImages(aUser.token, projectName)).total).toBe(0);
    await t
      .api()
      .delete('/v1/repository/project')
      .set(auth(a.admin.token))
      .send({ projectId: [projectId] })
      .expect(200);
    expect((await listProjects(a.admin.token, `?projectName=${projectName}`)).total).toBe(0);
    // The push token above is good for 30 minutes: the name is not another business's meanwhile.
    const taken = await t
      .api()
      .post('/v1/repository/project')
      .set(auth(b.admin.token))
      .send({ projectName, public: false })
      .expect(409);
    expect(taken.body.message).toContain('less than 30 minutes ago');
    await t
      .api()
      .post('/v1/repository/project')
      .set(auth(a.admin.token))
      .send({ projectName, public: false })
      .expect(200);
  });

  describe('token service', () => {
    it('refuses wrong, unknown and missing credentials with 401', async () => {
      const scope = [pullScope(`${publicProject}/shared`)];
      await requestToken(t, { user: aAccount.user, password: 'Wrong1234' }, scope).expect(401);
      await requestToken(t, { user: 'nobody-here', password: aAccount.password }, scope).expect(401);
      const anonymous = await t.api().get('/service/token?service=ote-registry').expect(401);
      expect(anonymous.body).toEqual({ code: 401, message: expect.any(String) });
    });

    it('limits password guesses like logins (429 with Retry-After)', async () => {
      const account = await createRegistryAccount(t, await subUser(t, a));
      for (let attempt = 0; attempt < t.config.loginMaxFailures; attempt++)
        await requestToken(t, { ...account, password: 'Wrong1234' }, []).expect(401);
      const locked = await requestToken(t, account, []).expect(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      // Other accounts are not affected.
      await requestToken(t, aAccount, []).expect(200);
    });

    it('grants exactly SPEC §11 and leaves everything else out', async () => {
      const own = `${privateProject}/demo`;
      const other = `${publicProject}/shared`;
      const response = await requestToken(t, bAccount, [
        pushScope(own),
        'repository:' + other + ':pull,push,delete',
        'registry:catalog:*',
        'repository:unknownproject/x:pull',
        'repository:nested-without-project:pull',
      ]).expect(200);
      expect(Object.keys(response.body).sort()).toEqual(['access_token', 'expires_in', 'issued_at', 'token']);
      expect(response.body.access_token).toBe(response.body.token);
      const { header, payload } = claimsOf(response.body.token);
      expect(payload.access).toEqual([{ type: 'repository', name: other, actions: ['pull'] }]);
      expect(payload).toMatchObject({ iss: REGISTRY_ISSUER, aud: REGISTRY_SERVICE, sub: bAccount.user });
      expect(payload.exp - payload.iat).toBe(response.body.expires_in);
      expect(payload.nbf).toBeLessThanOrEqual(payload.iat);
      expect(typeof payload.jti).toBe('string');
      expect(['ES256', 'RS256']).toContain(header.alg);

      // Signed by the key of the certificate in the header, which is the one the registry trusts.
      const trusted = new X509Certificate(await readFile(registry.env.REGISTRY_TOKEN_CERT_FILE));
      expect(header.x5c).toEqual([trusted.raw.toString('base64')]);
      expect(() =>
        verify(response.body.token, trusted.publicKey, { algorithms: ['ES256', 'RS256'] }),
      ).not.toThrow();

      const owner = claimsOf(
        await registryToken(t, aAccount, [`repository:${own}:pull,push,delete`, 'registry:catalog:*']),
      ).payload;
      expect(owner.access).toEqual([{ type: 'repository', name: own, actions: ['pull', 'push'] }]);
      // docker login asks without a scope: a token with no rights.
      expect(claimsOf(await registryToken(t, aAccount, [])).payload.access).toEqual([]);
    });

    it('a user without a business gets only public pulls; a forbidden user none', async () => {
      const loner = await registerUser(t);
      const account = await createRegistryAccount(t, loner);
      const { payload } = claimsOf(
        await registryToken(t, account, [
          pushScope(`${publicProject}/shared`),
          pushScope(`${privateProject}/demo`),
        ]),
      );
      expect(payload.access).toEqual([
        { type: 'repository', name: `${publicProject}/shared`, actions: ['pull'] },
      ]);

      const admin = await loginAdmin(t);
      await t.api().put(`/v1/admin/user/${loner.id}`).set(auth(admin)).send({ status: 3 }).expect(200);
      await requestToken(t, account, [pullScope(`${publicProject}/shared`)]).expect(401);
    });
  });

  describe('accounts', () => {
    it('hasRepoAccount turns true once the account exists; one account per user; the password changes', async () => {
      const member = await subUser(t, a);
      const info = () => t.api().get('/v1/authorization').set(auth(member.token)).expect(200);
      expect((await info()).body.data.hasRepoAccount).toBe(false);
      await t
        .api()
        .put('/v1/repository/user')
        .set(auth(member.token))
        .send({ password: 'Another123' })
        .expect(404);
      const account = await createRegistryAccount(t, member);
      expect((await info()).body.data.hasRepoAccount).toBe(true);
      await t
        .api()
        .post('/v1/repository/user')
        .set(auth(member.token))
        .send({ user: 'second-name', password: 'Passw0rdX' })
        .expect(409);
      const other = await subUser(t, a);
      await t
        .api()
        .post('/v1/repository/user')
        .set(auth(other.token))
        .send({ user: account.user, password: 'Passw0rdX' })
        .expect(409);

      await t
        .api()
        .put('/v1/repository/user')
        .set(auth(member.token))
        .send({ password: 'Another123' })
        .expect(200);
      await requestToken(t, account, []).expect(401);
      await requestToken(t, { ...account, password: 'Another123' }, []).expect(200);
    });

    it('validates names and passwords (422) and needs a token (401)', async () => {
      const member = await subUser(t, a);
      const weak = await t
        .api()
        .post('/v1/repository/user')
        .set(auth(member.token))
        .send({ user: 'bad name', password: 'short' })
        .expect(422);
      expect(weak.body.message).toMatch(/user/);
      expect(weak.body.message).toMatch(/password/);
      await t
        .api()
        .post('/v1/repository/user')
        .set(auth(member.token))
        .send({ user: 'okname', password: 'Passw0rdX', isAdmin: true })
        .expect(422);
      await t.api().post('/v1/repository/user').send({ user: 'okname', password: 'Passw0rdX' }).expect(401);
      await t.api().put('/v1/repository/user').set(auth(member.token)).send({ password: 'weak' }).expect(422);
    });
  });

  describe('projects', () => {
    it('only business administrators create, with Docker names, unique platform-wide', async () => {
      await t
        .api()
        .post('/v1/repository/project')
        .set(auth(aUser.token))
        .send({ projectName: 'by-member', public: false })
        .expect(403);
      await t
        .api()
        .post('/v1/repository/project')
        .set(auth(b.admin.token))
        .send({ projectName: privateProject, public: true })
        .expect(409);
      for (const projectName of ['Upper', 'a/b', '-lead', 'trail-', 'sp ace', '']) {
        const response = await t
          .api()
          .post('/v1/repository/project')
          .set(auth(a.admin.token))
          .send({ projectName, public: false })
          .expect(422);
        expect(response.body.message).toMatch(/projectName/);
      }
      await t
        .api()
        .post('/v1/repository/project')
        .set(auth(a.admin.token))
        .send({ projectName: 'no-public-flag' })
        .expect(422);
    });

    it('lists own and public projects with filters and paging', async () => {
      const all = await listProjects(b.admin.token, '?pageSize=100');
      const names = all.data.map((row: { projectName: string }) => row.projectName);
      expect(names).toContain(publicProject);
      expect(names).not.toContain(privateProject);
      const own = await listProjects(a.admin.token, '?public=false&pageSize=100');
      expect(own.data.every((row: { public: boolean }) => !row.public)).toBe(true);
      expect(own.data.map((row: { projectName: string }) => row.projectName)).toContain(privateProject);
      const paged = await listProjects(a.admin.token, '?page=1&pageSize=1');
      expect(paged.data).toHaveLength(1);
      expect(paged.total).toBeGreaterThan(1);
      await t.api().get('/v1/repository/project?pageSize=-1').set(auth(a.admin.token)).expect(422);
      await t.api().get('/v1/repository/project?public=maybe').set(auth(a.admin.token)).expect(422);
      await t.api().get('/v1/repository/project').expect(401);
    });

    it("deletes only the caller's business's projects, all or nothing", async () => {
      const { data } = await listProjects(a.admin.token, `?projectName=${publicProject}`);
      await t
        .api()
        .delete('/v1/repository/project')
        .set(auth(b.admin.token))
        .send({ projectId: [data[0].projectId] })
        .expect(404);
      await t
        .api()
        .delete('/v1/repository/project')
        .set(auth(aUser.token))
        .send({ projectId: [data[0].projectId] })
        .expect(403);
      await t
        .api()
        .delete('/v1/repository/project')
        .set(auth(a.admin.token))
        .send({ projectId: ['x'] })
        .expect(422);
      const empty = await createProject(t, a.admin, false);
      const emptyId = (await listProjects(a.admin.token, `?projectName=${empty}`)).data[0].projectId;
      await t
        .api()
        .delete('/v1/repository/project')
        .set(auth(a.admin.token))
        .send({ projectId: [emptyId, 2_000_000_000] })
        .expect(404);
      expect((await listProjects(a.admin.token, `?projectName=${empty}`)).total).toBe(1);
    });
  });

  describe('images and tags', () => {
    it('pages and filters images, newest name first by default', async () => {
      const projectName = await createProject(t, a.admin, false);
      const token = await registryToken(t, aAccount, [
        pushScope(`${projectName}/alpha`),
        pushScope(`${projectName}/beta`),
        pushScope(`${projectName}/gamma`),
      ]);
      for (const name of ['alpha', 'beta', 'gamma'])
        expect((await pushImage(registry, token, `${projectName}/${name}`, 'v1')).status).toBe(201);
      const page = await t
        .api()
        .get(`/v1/repository/image?projectName=${projectName}&page=1&pageSize=2`)
        .set(auth(aUser.token))
        .expect(200);
      expect(page.body.total).toBe(3);
      expect(page.body.data.map((row: { imageName: string }) => row.imageName)).toEqual([
        `${projectName}/gamma`,
        `${projectName}/beta`,
      ]);
      const ascending = await t
        .api()
        .get(`/v1/repository/image?projectName=${projectName}&orderBy=id&order=asc&imageName=alp`)
        .set(auth(aUser.token))
        .expect(200);
      expect(ascending.body.data.map((row: { imageName: string }) => row.imageName)).toEqual([
        `${projectName}/alpha`,
      ]);
      await t
        .api()
        .get(`/v1/repository/image?projectName=${projectName}&orderBy=name`)
        .set(auth(aUser.token))
        .expect(422);
      await t.api().get('/v1/repository/image').set(auth(aUser.token)).expect(422);
      await t.api().get('/v1/repository/image?projectName=missingproject').set(auth(aUser.token)).expect(404);
      await t.api().get('/v1/repository/image/tag').set(auth(aUser.token)).expect(422);
      await t
        .api()
        .get(`/v1/repository/image/tag?imageName=${projectName}/nothing`)
        .set(auth(aUser.token))
        .expect(404);
      await t
        .api()
        .delete('/v1/repository/image')
        .set(auth(aUser.token))
        .send({ imageName: [`${projectName}/nothing`] })
        .expect(404);
      await t
        .api()
        .delete('/v1/repository/image')
        .set(auth(aUser.token))
        .send({ imageName: ['no-project'] })
        .expect(422);
      await t
        .api()
        .delete('/v1/repository/image/tag')
        .set(auth(aUser.token))
        .send({ imageName: `${projectName}/alpha`, tag: [] })
        .expect(422);
    });
  });

  describe('external repositories', () => {
    const secret = 'ext-Secret-Pass-42';

    it('creates, lists, reads and deletes within the business, never showing the password', async () => {
      const body = {
        repositoryId: 'repo1',
        address: 'registry.example.com:5000',
        user: 'puller',
        password: secret,
      };
      await t.api().post('/v1/repository/third').set(auth(aUser.token)).send(body).expect(200);
      await t.api().post('/v1/repository/third').set(auth(a.admin.token)).send(body).expect(409);
      // Unique within a business only.
      await t.api().post('/v1/repository/third').set(auth(b.admin.token)).send(body).expect(200);
      await t
        .api()
        .post('/v1/repository/third')
        .set(auth(aUser.token))
        .send({ ...body, repositoryId: 'repo2' })
        .expect(200);

      const list = await t.api().get('/v1/repository/third?pageSize=0').set(auth(aUser.token)).expect(200);
      expect(list.body).toEqual({
        code: 200,
        message: 'success',
        total: 2,
        data: [
          { id: expect.any(Number), repositoryId: 'repo1', address: body.address, user: 'puller' },
          { id: expect.any(Number), repositoryId: 'repo2', address: body.address, user: 'puller' },
        ],
      });
      const paged = await t
        .api()
        .get('/v1/repository/third?pageSize=1&order=desc')
        .set(auth(aUser.token))
        .expect(200);
      expect(paged.body.data.map((row: { repositoryId: string }) => row.repositoryId)).toEqual(['repo2']);
      const one = await t.api().get('/v1/repository/third/repo1').set(auth(aUser.token)).expect(200);
      expect(one.body.data).toEqual({
        id: expect.any(Number),
        repositoryId: 'repo1',
        address: body.address,
        user: 'puller',
      });
      expect(JSON.stringify([list.body, paged.body, one.body])).not.toContain(secret);

      await t.api().get('/v1/repository/third/nothing').set(auth(aUser.token)).expect(404);
      await t
        .api()
        .delete('/v1/repository/third')
        .set(auth(aUser.token))
        .send({ repositoryId: ['repo2', 'nothing'] })
        .expect(404);
      await t
        .api()
        .delete('/v1/repository/third')
        .set(auth(aUser.token))
        .send({ repositoryId: ['repo2'] })
        .expect(200);
      await t.api().get('/v1/repository/third/repo2').set(auth(aUser.token)).expect(404);
      // Business b's repo1 is its own.
      const bOne = await t.api().get('/v1/repository/third/repo1').set(auth(b.admin.token)).expect(200);
      expect(bOne.body.data.id).not.toBe(one.body.data.id);
    });

    it('validates its fields (422) and stores the password sealed', async () => {
      const bad = await t
        .api()
        .post('/v1/repository/third')
        .set(auth(aUser.token))
        .send({ repositoryId: 'bad id!', address: 'with space', user: '', password: '' })
        .expect(422);
      for (const field of ['repositoryId', 'address', 'user', 'password'])
        expect(bad.body.message).toMatch(field);
      await t.api().get('/v1/repository/third?orderBy=address').set(auth(aUser.token)).expect(422);
      const { DataSource } = await import('typeorm');
      const rows: { sealed_password: string }[] = await t.app
        .get(DataSource)
        .query(`SELECT sealed_password FROM external_repositories`);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.sealed_password).not.toContain(secret);
    });
  });
});

describe('without a registry', () => {
  let t: TestApp;
  let business: TestBusiness;

  beforeAll(async () => {
    t = await startTestApp();
    business = await approvedBusiness(t);
  });
  afterAll(() => t?.close());

  it('the registry routes answer 503 saying REGISTRY_URL is unset', async () => {
    const token = business.admin.token;
    const calls = [
      t.api().get('/v1/repository/project').set(auth(token)),
      t.api().post('/v1/repository/project').set(auth(token)).send({ projectName: 'p1', public: true }),
      t.api().get('/v1/repository/image?projectName=p1').set(auth(token)),
      t.api().post('/v1/repository/user').set(auth(token)).send({ user: 'someone', password: 'Passw0rdX' }),
      t
        .api()
        .get('/service/token')
        .set(basic({ user: 'someone', password: 'Passw0rdX' })),
      // Before the body is judged: there is no registry to take it.
      t.api().get('/v1/repository/image').set(auth(token)),
      t.api().post('/v1/repository/project').set(auth(token)).send({ projectName: 'Not A Name' }),
      t.api().delete('/v1/repository/image/tag').set(auth(token)).send({}),
    ];
    for (const call of calls) {
      const response = await call.expect(503);
      expect(response.body).toEqual({ code: 503, message: expect.stringContaining('REGISTRY_URL') });
    }
    // External repositories do not need the platform's registry.
    await t.api().get('/v1/repository/third').set(auth(token)).expect(200);
  });
});
