import { PackageService } from '../../src/app/package.service';
import { ErrorKind } from '../../src/common/errors';
import { PackageView } from '../../src/app/package-view';
import { MadeBusiness } from './factories';
import { ServiceContext, startServiceContext } from './service-context';

/** Seed 004's package rules, straight on PackageService: versions, types, upgrades, states, accounts. */
describe('packages (service)', () => {
  let s: ServiceContext;
  let packages: PackageService;
  let business: MadeBusiness;

  beforeAll(async () => {
    s = await startServiceContext();
    packages = s.get(PackageService);
    business = await s.make.newBusiness();
    for (const [version, status] of [
      ['1.2', 1],
      ['1.10', 1],
      ['1.9', 2],
      ['2.0.1.4', 1],
    ] as const)
      await s.make.newApp(business, { appName: 'camera', version, status });
  });
  afterAll(() => s?.close());

  const versionsOf = async (filter?: string) => {
    const list = await packages.list(business.owner.principal, String(business.id), {
      orderBy: 'packageVersion asc',
      ...(filter ? { filter } : {}),
    });
    return list.items as PackageView[];
  };

  it('normalises dotted versions to SemVer and orders them numerically', async () => {
    expect((await versionsOf()).map((item) => item.packageVersion)).toEqual([
      '1.2.0',
      '1.9.0',
      '1.10.0',
      '2.0.1+4',
    ]);
  });

  it('the first version is an install, later ones patches', async () => {
    const items = await versionsOf();
    expect(items.map((item) => item.packageType)).toEqual(['install', 'patch', 'patch', 'patch']);
  });

  it('offers only later available versions as upgrades', async () => {
    const [first, incomplete, tenth, last] = await versionsOf();
    expect(first.upgradableVersions).toEqual({ minVersion: '1.10.0', maxVersion: '2.0.1+4' });
    expect(incomplete.packageState).toBe('incomplete');
    expect(tenth.upgradableVersions).toEqual({ minVersion: '2.0.1+4', maxVersion: '2.0.1+4' });
    expect(last.upgradableVersions).toEqual({});
  });

  it('filters by state with the one filter language', async () => {
    expect((await versionsOf("packageState eq 'incomplete'")).map((item) => item.packageVersion)).toEqual([
      '1.9.0',
    ]);
  });

  it('another business’s account is not found, even by its administrator (SPEC §2)', async () => {
    const other = await s.make.newBusiness();
    await expect(packages.list(other.owner.principal, String(business.id), {})).rejects.toMatchObject({
      kind: ErrorKind.NotFound,
      status: 404,
    });
    const member = await s.make.newMember(business);
    const list = await packages.list(member.principal, String(business.id), {});
    expect(list.items).toHaveLength(4);
  });

  it('an unknown package id is not found, whatever its spelling', async () => {
    for (const id of ['0b5e2f5e-4a0d-4c1b-9e55-2a3c7e0c1f00', 'not-a-uuid', "'; DROP TABLE applications; --"])
      await expect(packages.get(business.owner.principal, String(business.id), id)).rejects.toMatchObject({
        kind: ErrorKind.NotFound,
      });
  });
});
