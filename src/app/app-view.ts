import { unixSeconds } from '../common/time';
import type { AppEntity } from './app.entity';
import type { AppVersion } from './app-version';

/**
 * One application as `GET /v1/app` shows it (seed 002): the version's fields with CPU in cores (the
 * numbers change, not the names), plus its business's name and times in Unix seconds.
 */
export type AppView = Omit<AppVersion, 'businessId' | 'repositoryId' | 'chartId'> & {
  projectName: string;
  repositoryId: string;
  createTime: number;
  updateTime: number;
};

/** Requests give CPU in percent of a core; responses give cores (10 → 0.1, 200 → 2). */
export const percentToCores = (percent: number): number => percent / 100;

export function toAppVersion(entity: AppEntity): AppVersion {
  return {
    id: entity.id,
    businessId: entity.businessId,
    appName: entity.appName,
    version: entity.version,
    deployType: entity.deployType,
    image: entity.image,
    repositoryId: entity.repositoryId,
    replicas: entity.replicas,
    port: entity.port,
    command: entity.command,
    volume: entity.volume,
    env: entity.env,
    minReplicas: entity.minReplicas,
    maxReplicas: entity.maxReplicas,
    minCPU: entity.minCPU,
    maxCPU: entity.maxCPU,
    GPU: entity.GPU,
    isHPA: entity.isHPA,
    targetCPUUtilization: entity.targetCPUUtilization,
    targetMemUtilization: entity.targetMemUtilization,
    minMemory: entity.minMemory,
    maxMemory: entity.maxMemory,
    maxUnavailable: entity.maxUnavailable,
    maxSurge: entity.maxSurge,
    minReadySeconds: entity.minReadySeconds,
    chartId: entity.chartId,
    status: entity.status,
  };
}

export function toAppView(entity: AppEntity, projectName: string): AppView {
  // The seed's order: these first, then the version's other fields (CPU in cores), then the times.
  const { id, appName, status, deployType, image, version, repositoryId, businessId, chartId, ...fields } =
    toAppVersion(entity);
  return {
    id,
    appName,
    status,
    deployType,
    image,
    projectName,
    repositoryId: repositoryId ?? '',
    version,
    ...fields,
    minCPU: percentToCores(fields.minCPU),
    maxCPU: percentToCores(fields.maxCPU),
    createTime: unixSeconds(entity.createTime),
    updateTime: unixSeconds(entity.updateTime),
  };
}
