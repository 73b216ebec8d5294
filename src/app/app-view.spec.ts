import type { AppEntity } from './app.entity';
import { PackageStatus, SeverityLevel } from './app-version';
import { percentToCores, toAppVersion, toAppView } from './app-view';
import { seedApp } from '../../test/support/seed-app';

const entity = (): AppEntity => ({
  ...seedApp(),
  id: 7,
  businessId: 3,
  repositoryId: null,
  GPU: 0,
  chartId: null,
  status: PackageStatus.Available,
  statusDetail: 'image in an unmanaged registry (docker.io): no digest recorded',
  severityLevel: SeverityLevel.Recommended,
  imageDigest: null,
  imageDigests: null,
  createdBy: 2,
  createTime: new Date('2019-03-05T03:58:41.900Z'),
  updateTime: new Date('2019-03-05T03:58:42.000Z'),
});

describe('application views', () => {
  it.each([
    [10, 0.1],
    [200, 2],
    [0, 0],
    [150, 1.5],
    [1, 0.01],
    [33, 0.33],
  ])('%i percent is %d cores', (percent, cores) => expect(percentToCores(percent)).toBe(cores));

  it('shows exactly the seed fields, CPU in cores and times in Unix seconds', () => {
    const view = toAppView(entity(), 'proj1');
    expect(Object.keys(view)).toEqual([
      'id',
      'appName',
      'status',
      'deployType',
      'image',
      'projectName',
      'repositoryId',
      'version',
      'replicas',
      'port',
      'command',
      'volume',
      'env',
      'minReplicas',
      'maxReplicas',
      'minCPU',
      'maxCPU',
      'GPU',
      'isHPA',
      'targetCPUUtilization',
      'targetMemUtilization',
      'minMemory',
      'maxMemory',
      'maxUnavailable',
      'maxSurge',
      'minReadySeconds',
      'createTime',
      'updateTime',
    ]);
    expect(view).toMatchObject({
      projectName: 'proj1',
      repositoryId: '',
      minCPU: 0.1,
      maxCPU: 2,
      createTime: 1551758321,
      updateTime: 1551758322,
    });
  });

  it('gives other modules CPU in percent, the business id and no times', () => {
    const version = toAppVersion(entity());
    expect(version).toMatchObject({
      id: 7,
      businessId: 3,
      minCPU: 10,
      maxCPU: 200,
      repositoryId: null,
      status: 1,
    });
    expect(version).not.toHaveProperty('createTime');
    expect(version).not.toHaveProperty('statusDetail');
  });
});
