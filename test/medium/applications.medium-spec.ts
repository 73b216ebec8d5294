import { AppService } from '../../src/app/app.service';
import { CreateAppDto } from '../../src/app/dto';
import { ErrorKind } from '../../src/common/errors';
import { JobQueueService } from '../../src/queue/job-queue.service';
import { QueueName } from '../../src/queue/jobs';
import { MadeBusiness } from './factories';
import { ServiceContext, startServiceContext } from './service-context';

const body = (overrides: Partial<CreateAppDto> = {}): CreateAppDto =>
  ({
    appName: 'web',
    deployType: 'deployment',
    image: 'nginx:1.25',
    version: '1.0',
    port: [{ port: 80 }],
    volume: [],
    env: [],
    minCPU: 10,
    maxCPU: 100,
    isHPA: false,
    targetCPUUtilization: 80,
    targetMemUtilization: 80,
    minMemory: 64,
    maxMemory: 128,
    maxUnavailable: 1,
    maxSurge: 1,
    minReadySeconds: 0,
    ...overrides,
  }) as CreateAppDto;

/** SPEC §5 and §12's rules for creating an application version, straight on AppService. */
describe('applications (service)', () => {
  let s: ServiceContext;
  let apps: AppService;
  let business: MadeBusiness;

  beforeAll(async () => {
    s = await startServiceContext();
    apps = s.get(AppService);
    business = await s.make.newBusiness();
  });
  afterAll(() => s?.close());

  const versionsNamed = async (appName: string) =>
    (await s.db.query('SELECT version, status FROM applications WHERE business_id = $1 AND app_name = $2', [
      business.id,
      appName,
    ])) as { version: string; status: number }[];

  it('stores a new version as verifying and queues its verification', async () => {
    await apps.create(business.owner.principal, body({ appName: 'queued' }));
    expect(await versionsNamed('queued')).toEqual([{ version: '1.0', status: 0 }]);
    const queue = s.get(JobQueueService).queue(QueueName.Package);
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    const [{ id }] = await s.db.query('SELECT id FROM applications WHERE app_name = $1', ['queued']);
    expect(jobs.map((job) => job.data)).toContainEqual({ appId: id });
  });

  it('a version is unique within its business, not across businesses', async () => {
    await apps.create(business.owner.principal, body({ appName: 'twice' }));
    await expect(apps.create(business.owner.principal, body({ appName: 'twice' }))).rejects.toMatchObject({
      kind: ErrorKind.Conflict,
    });
    const other = await s.make.newBusiness();
    await apps.create(other.owner.principal, body({ appName: 'twice' }));
  });

  it.each([
    ['min above max replicas', { minReplicas: 3, maxReplicas: 2, replicas: 2 }, 'minReplicas (3)'],
    ['min above max CPU', { minCPU: 200, maxCPU: 100 }, 'minCPU (200)'],
    ['a port twice', { port: [{ port: 80 }, { port: 80 }] }, 'port 80 appears twice'],
    [
      'the docker socket',
      { volume: [{ path: '/s', hostPath: '/var/run/docker.sock', readOnly: true }] },
      'volume[0]',
    ],
    ['a writable /opt/models', { volume: [{ path: '/o', hostPath: '/opt/models' }] }, 'read-only'],
    [
      'a path below a writable folder',
      { volume: [{ path: '/m', hostPath: '/data/models/v1', readOnly: true }] },
      'lies below /data/models',
    ],
  ] as [string, Partial<CreateAppDto>, string][])(
    'refuses %s, naming it, and stores nothing',
    async (_, overrides, named) => {
      const appName = `bad${Math.random().toString(36).slice(2, 8)}`;
      await expect(
        apps.create(business.owner.principal, body({ appName, ...overrides })),
      ).rejects.toMatchObject({
        kind: ErrorKind.Invalid,
        message: expect.stringContaining(named),
      });
      expect(await versionsNamed(appName)).toEqual([]);
    },
  );

  it('writable host paths under HOSTPATH_WRITABLE_PREFIXES are allowed', async () => {
    await apps.create(
      business.owner.principal,
      body({ appName: 'models', volume: [{ path: '/m', hostPath: '/data/models' }] }),
    );
    expect(await versionsNamed('models')).toHaveLength(1);
  });

  it('a member of another business never reads a version', async () => {
    const { id } = await s.make.newApp(business, { appName: 'private' });
    const outsider = await s.make.newBusiness();
    await expect(apps.get(outsider.owner.principal, id)).rejects.toMatchObject({ kind: ErrorKind.NotFound });
    await expect(apps.get((await s.make.newMember(business)).principal, id)).resolves.toMatchObject({
      appName: 'private',
    });
  });
});
