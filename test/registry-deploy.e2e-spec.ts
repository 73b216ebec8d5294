import type { IncomingMessage, ServerResponse } from 'node:http';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import type { PackageView } from '../src/app/package-view';
import { FakeCluster } from './fake-kube';
import { chartArchive, WEB_CHART } from './support/charts';
import { eventually } from './support/eventually';
import { appBody, createApp, DEPLOY_TEST_ENV, deployRunning, registerClusters } from './support/deploys';
import { deployBody, requestDeploy, startClusters, waitForStatus } from './support/deploys';
import { approvedBusiness, auth, TestBusiness } from './support/factories';
import { pushImage, startTestRegistry, TestRegistry } from './support/registry';
import { createProject, createRegistryAccount, registryToken } from './support/registry-accounts';
import { startTestApp, TEST_REDIS_URL, TestApp } from './support/test-app';

const PASSWORD = 'Ext-Registry-Pa55word';

/**
 * SPEC §6/§11: an application naming an external repository runs with a pull secret built from its
 * credentials in every target cluster, and no answer of ours ever carries the password. SPEC §5: images
 * in the platform's registry resolve to their manifest digest, or leave the package incomplete.
 */
describe('registry images and pull secrets in deployments', () => {
  let registry: TestRegistry;
  let t: TestApp;
  let clusters: FakeCluster[];
  let business: TestBusiness;
  /** Every body the API server answered in this file. */
  const answers: string[] = [];

  const recordAnswers = (server: import('node:http').Server) =>
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      const write = response.write.bind(response) as (...args: unknown[]) => boolean;
      const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
      const keep = (chunk: unknown) => {
        if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) chunks.push(Buffer.from(chunk));
      };
      response.write = ((chunk: unknown, ...rest: unknown[]) => {
        keep(chunk);
        return write(chunk, ...rest);
      }) as typeof response.write;
      response.end = ((chunk?: unknown, ...rest: unknown[]) => {
        keep(chunk);
        answers.push(Buffer.concat(chunks).toString('utf8'));
        return end(chunk, ...rest);
      }) as typeof response.end;
    });

  beforeAll(async () => {
    registry = await startTestRegistry();
    t = await startTestApp({ ...DEPLOY_TEST_ENV, ...registry.env });
    recordAnswers(t.app.getHttpServer());
    clusters = await startClusters(['reg-one', 'reg-two']);
    await registerClusters(t, clusters);
    business = await approvedBusiness(t);
    await t.waitForQuietQueues();
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all((clusters ?? []).map((cluster) => cluster.stop()));
    await registry?.stop();
  });

  const namespace = () => `ns${business.id}`;
  const deploy = async (deployName: string, appName: string, version = '1.2') => {
    const created = await deployRunning(
      t,
      business.admin.token,
      deployBody(deployName, appName, { version }),
    );
    return created.id as number;
  };

  const upgradeTo = async (deployId: number, version: string) => {
    await t
      .api()
      .post(`/v1/deploy/id/${deployId}`)
      .set(auth(business.admin.token))
      .send({ version })
      .expect(200);
    await waitForStatus(t, business.admin.token, deployId, [5]);
  };
  /** The registry credentials of a dockerconfigjson Secret in the business's namespace. */
  const dockerConfigIn = (cluster: FakeCluster, name: string) =>
    JSON.parse(
      Buffer.from(
        cluster.get('v1', 'Secret', namespace(), name).data['.dockerconfigjson'],
        'base64',
      ).toString('utf8'),
    );

  it('repositoryId puts its credentials in a Secret in every target cluster, used by the workload', async () => {
    const address = 'private.example.com:5000';
    await t
      .api()
      .post('/v1/repository/third')
      .set(auth(business.admin.token))
      .send({ repositoryId: 'ext1', address, user: 'puller', password: PASSWORD })
      .expect(200);
    await createApp(t, business.admin.token, {
      appName: 'private-web',
      image: `${address}/team/web:1.0`,
      repositoryId: 'ext1',
      isHPA: false,
    });
    const app = await t
      .api()
      .get('/v1/app?appName=private-web&appNameMode=strict')
      .set(auth(business.admin.token))
      .expect(200);
    expect(app.body.data[0].repositoryId).toBe('ext1');
    const deployId = await deploy('private-web1', 'private-web');

    for (const cluster of clusters) {
      const secret = cluster.get('v1', 'Secret', namespace(), 'private-web1-pull-secret');
      expect(secret?.type).toBe('kubernetes.io/dockerconfigjson');
      const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8'));
      expect(config).toEqual({
        auths: {
          [address]: {
            username: 'puller',
            password: PASSWORD,
            auth: Buffer.from(`puller:${PASSWORD}`).toString('base64'),
          },
        },
      });
      const workload = cluster.get('apps/v1', 'Deployment', namespace(), 'private-web1');
      expect(workload.spec.template.spec.imagePullSecrets).toEqual([{ name: 'private-web1-pull-secret' }]);
    }
    const software = await t
      .api()
      .get(`/v1/${business.id}/software_deployments`)
      .set(auth(business.admin.token))
      .expect(200);
    expect(JSON.stringify(software.body)).toContain('secret/private-web1-pull-secret created');
    await t.api().get(`/v1/deploy/id/${deployId}`).set(auth(business.admin.token)).expect(200);

    // An upgrade to a version pulling from another repository replaces the Secret's credentials.
    await t
      .api()
      .post('/v1/repository/third')
      .set(auth(business.admin.token))
      .send({ repositoryId: 'ext2', address: 'other.example.com', user: 'second', password: `${PASSWORD}-2` })
      .expect(200);
    await createApp(t, business.admin.token, {
      appName: 'private-web',
      version: '1.3',
      image: 'other.example.com/team/web:1.1',
      repositoryId: 'ext2',
      isHPA: false,
    });
    await upgradeTo(deployId, '1.3');
    for (const cluster of clusters) {
      const config = dockerConfigIn(cluster, 'private-web1-pull-secret');
      expect(Object.keys(config.auths)).toEqual(['other.example.com']);
      expect(config.auths['other.example.com'].username).toBe('second');
    }

    await t.api().delete('/v1/deploy/private-web1').set(auth(business.admin.token)).expect(200);
    await waitForStatus(t, business.admin.token, deployId, [9]);
    for (const cluster of clusters) {
      expect(cluster.get('v1', 'Secret', namespace(), 'private-web1-pull-secret')).toBeUndefined();
      expect(cluster.get('apps/v1', 'Deployment', namespace(), 'private-web1')).toBeUndefined();
    }
  });

  it('deleting an external repository leaves existing deployments their pull secret, through an upgrade', async () => {
    const address = 'kept.example.com';
    await t
      .api()
      .post('/v1/repository/third')
      .set(auth(business.admin.token))
      .send({ repositoryId: 'ext-keep', address, user: 'keeper', password: PASSWORD })
      .expect(200);
    for (const version of ['1.2', '1.3'])
      await createApp(t, business.admin.token, {
        appName: 'kept',
        version,
        image: `${address}/team/web:${version}`,
        repositoryId: 'ext-keep',
        isHPA: false,
      });
    const deployId = await deploy('kept1', 'kept');
    await t
      .api()
      .delete('/v1/repository/third')
      .set(auth(business.admin.token))
      .send({ repositoryId: ['ext-keep'] })
      .expect(200);
    await upgradeTo(deployId, '1.3');
    for (const cluster of clusters) {
      expect(dockerConfigIn(cluster, 'kept1-pull-secret').auths[address].username).toBe('keeper');
      const workload = cluster.get('apps/v1', 'Deployment', namespace(), 'kept1');
      expect(workload.spec.template.spec.containers[0].image).toBe(`${address}/team/web:1.3`);
      expect(workload.spec.template.spec.imagePullSecrets).toEqual([{ name: 'kept1-pull-secret' }]);
    }
    // Deleting the deployment takes the kept Secret with it.
    await t.api().delete('/v1/deploy/kept1').set(auth(business.admin.token)).expect(200);
    await waitForStatus(t, business.admin.token, deployId, [9]);
    for (const cluster of clusters)
      expect(cluster.get('v1', 'Secret', namespace(), 'kept1-pull-secret')).toBeUndefined();
  });

  it('an application without repositoryId gets no pull secret', async () => {
    await createApp(t, business.admin.token, { appName: 'plain', isHPA: false });
    await deploy('plain1', 'plain');
    for (const cluster of clusters) {
      expect(cluster.list('v1', 'Secret', namespace())).toEqual([]);
      const workload = cluster.get('apps/v1', 'Deployment', namespace(), 'plain1');
      expect(workload.spec.template.spec.imagePullSecrets).toBeUndefined();
    }
  });

  it('an image in the platform registry is available with the pushed digest, a missing tag incomplete', async () => {
    const account = await createRegistryAccount(t, business.admin);
    const project = await createProject(t, business.admin, false);
    const repository = `${project}/web`;
    const token = await registryToken(t, account, [`repository:${repository}:push,pull`]);
    const pushed = await pushImage(registry, token, repository, 'v1');
    expect(pushed.status).toBe(201);

    const image = `${registry.host}/${repository}:v1`;
    const appId = await createApp(t, business.admin.token, { appName: 'ours', image, isHPA: false });
    const digestOf = async (id: number) =>
      (
        await t.app
          .get(DataSource)
          .query(`SELECT image_digest, status, status_detail FROM applications WHERE id = $1`, [id])
      )[0];
    expect(await digestOf(appId)).toEqual({
      image_digest: pushed.digest,
      status: 1,
      status_detail: `image digest ${pushed.digest}`,
    });

    await t
      .api()
      .post('/v1/app')
      .set(auth(business.admin.token))
      .send(appBody({ appName: 'ours', version: '1.3', image: `${registry.host}/${repository}:missing` }))
      .expect(200);
    const status = (version: string) =>
      t
        .api()
        .get(`/v1/app?appName=ours&appNameMode=strict&version=${version}`)
        .set(auth(business.admin.token))
        .expect(200)
        .then((response) => response.body.data[0].status as number);
    await eventually(
      () => status('1.3'),
      (value) => value === 2,
      { what: 'missing tag incomplete' },
    );

    // Deleting the tag makes the version that used it incomplete.
    await t
      .api()
      .delete('/v1/repository/image/tag')
      .set(auth(business.admin.token))
      .send({ imageName: repository, tag: ['v1'] })
      .expect(200);
    await eventually(
      () => status('1.2'),
      (value) => value === 2,
      { what: 'deleted tag flips the package' },
    );
    expect(await digestOf(appId)).toMatchObject({ image_digest: null, status: 2 });
    await requestDeploy(t, business.admin.token, deployBody('ours1', 'ours')).expect(409);
  });

  it("a chart's images are verified as an application's: digests recorded per image, a missing one incomplete", async () => {
    const tenant = await approvedBusiness(t);
    const account = await createRegistryAccount(t, tenant.admin);
    const repository = `${await createProject(t, tenant.admin, false)}/api`;
    const token = await registryToken(t, account, [`repository:${repository}:push,pull`]);
    const pushed = await pushImage(registry, token, repository, 'v1');
    expect(pushed.status).toBe(201);
    /** The demo chart running `image` beside a sidecar Deployment from Docker Hub. */
    const chartWith = (image: string) =>
      chartArchive({
        ...WEB_CHART,
        'values.yaml': WEB_CHART['values.yaml'].replace('image: nginx:1.25', `image: ${image}`),
        'templates/sidecar.yaml': WEB_CHART['templates/deployment.yaml']
          .replace('-web', '-sidecar')
          .replace('{{ .Values.image | quote }}', 'busybox:1.36'),
      });
    const upload = (version: string, image: string) =>
      t
        .api()
        .post('/v1/app/chart')
        .set(auth(tenant.admin.token))
        .field('appName', 'charted')
        .field('version', version)
        .attach('chart', chartWith(image), 'charted.tgz')
        .expect(200);
    const packageOf = (version: string) =>
      eventually(
        async () =>
          (
            await t
              .api()
              .get(`/accounts/${tenant.id}/core/v1/packages`)
              .query({ filter: `packageName eq 'charted'` })
              .set(auth(tenant.admin.token))
              .expect(200)
          ).body.items.find((item: PackageView) => item.packageVersion.startsWith(version)) as PackageView,
        (item) => item !== undefined && item.packageState !== 'verifying',
        { what: `charted ${version} verified` },
      );

    await upload('1.0', `${registry.host}/${repository}:v1`);
    const available = await packageOf('1.0');
    expect(available.packageState).toBe('available');
    expect(available.images).toEqual([
      {
        imageName: 'api',
        imagePath: `/${repository.split('/')[0]}`,
        imageTag: 'v1',
        imageDigest: pushed.digest,
      },
      expect.objectContaining({ imageName: 'busybox', imageTag: '1.36', imageDigest: null }),
    ]);

    await upload('1.1', `${registry.host}/${repository}:missing`);
    const incomplete = await packageOf('1.1');
    expect(incomplete.packageState).toBe('incomplete');
    expect(JSON.stringify(incomplete)).toContain(
      `image ${repository}:missing is not in the platform's registry`,
    );
    await requestDeploy(t, tenant.admin.token, deployBody('charted11', 'charted', { version: '1.1' })).expect(
      409,
    );

    // Deleting the tag makes the chart version that ran it incomplete too.
    await t
      .api()
      .delete('/v1/repository/image/tag')
      .set(auth(tenant.admin.token))
      .send({ imageName: repository, tag: ['v1'] })
      .expect(200);
    await eventually(
      async () =>
        (
          await t
            .api()
            .get('/v1/app?appName=charted&appNameMode=strict&version=1.0')
            .set(auth(tenant.admin.token))
            .expect(200)
        ).body.data[0].status,
      (status) => status === 2,
      { what: 'deleted tag flips the chart package' },
    );
  });

  it("another business's private image verifies as missing, never showing its digest; public ones verify", async () => {
    // `owner` has a private and a public project, each with an image.
    const owner = await approvedBusiness(t);
    const account = await createRegistryAccount(t, owner.admin);
    const privateRepository = `${await createProject(t, owner.admin, false)}/secret`;
    const publicRepository = `${await createProject(t, owner.admin, true)}/shared`;
    const token = await registryToken(t, account, [
      `repository:${privateRepository}:push,pull`,
      `repository:${publicRepository}:push,pull`,
    ]);
    const hidden = await pushImage(registry, token, privateRepository, 'v1');
    const shared = await pushImage(registry, token, publicRepository, 'v1');
    expect([hidden.status, shared.status]).toEqual([201, 201]);
    const other = await approvedBusiness(t);

    const packages = (tenant: TestBusiness, appName: string) =>
      t
        .api()
        .get(`/accounts/${tenant.id}/core/v1/packages`)
        .query({ filter: `packageName eq '${appName}'` })
        .set(auth(tenant.admin.token))
        .expect(200)
        .then((response) => response.body as { items: PackageView[] });
    const verified = (tenant: TestBusiness, appName: string, count: number) =>
      eventually(
        () => packages(tenant, appName),
        (body) =>
          body.items.length === count && body.items.every((item) => item.packageState !== 'verifying'),
        { what: `${appName} verified` },
      );

    // The owner's own private image verifies with its digest.
    await createApp(t, owner.admin.token, {
      appName: 'owned',
      image: `${registry.host}/${privateRepository}:v1`,
      isHPA: false,
    });
    const [owned] = (await verified(owner, 'owned', 1)).items;
    expect(owned.packageState).toBe('available');
    expect(owned.images[0].imageDigest).toBe(hidden.digest);

    // The other business names that image (1.0) and a tag that does not exist there (1.1).
    for (const [version, tag] of [
      ['1.0', 'v1'],
      ['1.1', 'v9'],
    ]) {
      await t
        .api()
        .post('/v1/app')
        .set(auth(other.admin.token))
        .send(appBody({ appName: 'peek', version, image: `${registry.host}/${privateRepository}:${tag}` }))
        .expect(200);
    }
    const peek = await verified(other, 'peek', 2);
    const byVersion = new Map(peek.items.map((item) => [item.packageVersion, item]));
    const existing = byVersion.get('1.0.0')!;
    const missing = byVersion.get('1.1.0')!;
    const detail = (tag: string) => `image ${privateRepository}:${tag} is not in the platform's registry`;
    expect(missing.packageState).toBe('incomplete');
    expect(missing.packageStateDetails.map((item) => item.detail)).toEqual([detail('v9')]);
    // Exactly as missing: same state, same words (but for the tag named), no digest.
    const shape = (view: PackageView, tag: string) => ({
      packageState: view.packageState,
      packageStateDetails: view.packageStateDetails.map((item) => ({
        ...item,
        detail: item.detail.replace(`:${tag} `, ':TAG '),
      })),
      images: view.images.map((image) => ({ ...image, imageTag: image.imageTag.replace(tag, 'TAG') })),
    });
    expect(shape(existing, 'v1')).toEqual(shape(missing, 'v9'));
    expect(existing.images[0].imageDigest).toBeNull();
    const digestHex = hidden.digest!.replace('sha256:', '');
    const seen = [
      JSON.stringify(peek),
      JSON.stringify(
        (
          await t
            .api()
            .get(`/accounts/${other.id}/core/v1/packages/${existing.id}`)
            .set(auth(other.admin.token))
            .expect(200)
        ).body,
      ),
      JSON.stringify(
        (
          await t
            .api()
            .get('/v1/app?appName=peek&appNameMode=strict')
            .set(auth(other.admin.token))
            .expect(200)
        ).body,
      ),
    ];
    for (const body of seen) expect(body).not.toContain(digestHex);
    await requestDeploy(t, other.admin.token, deployBody('peek1', 'peek', { version: '1.0' })).expect(409);

    // A public project's image verifies for anyone, with its digest.
    await createApp(t, other.admin.token, {
      appName: 'borrowed',
      image: `${registry.host}/${publicRepository}:v1`,
      isHPA: false,
    });
    const [borrowed] = (await verified(other, 'borrowed', 1)).items;
    expect(borrowed.packageState).toBe('available');
    expect(borrowed.images[0].imageDigest).toBe(shared.digest);
  });

  it('no answer and no job carries the external password', async () => {
    await t.waitForQuietQueues();
    expect(answers.length).toBeGreaterThan(20);
    const forms = [
      PASSWORD,
      Buffer.from(PASSWORD).toString('base64'),
      Buffer.from(`puller:${PASSWORD}`).toString('base64'),
    ];
    for (const answer of answers) for (const form of forms) expect(answer).not.toContain(form);

    const redis = new IORedis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${t.config.redisPrefix}:*`);
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'hash'
            ? JSON.stringify(await redis.hgetall(key))
            : type === 'string'
              ? ((await redis.get(key)) ?? '')
              : '';
        expect(value).not.toContain(PASSWORD);
      }
    } finally {
      redis.disconnect();
    }
  });
});
