/** How a deployment runs an application version on a cluster. */
export type AppDeployType = 'deployment' | 'daemonset' | 'chart';

/** SPEC §5: an application's status is its package state. */
export enum PackageStatus {
  Verifying = 0,
  Available = 1,
  Incomplete = 2,
  Corrupt = 3,
}

/** Seed 004 `severityLevel`; `recommended` unless the creator says `critical`. */
export enum SeverityLevel {
  Recommended = 0,
  Critical = 1,
}
export const SEVERITY_LEVELS = ['recommended', 'critical'] as const;

export interface PortSpec {
  port: number;
  hostPort?: number;
}

export interface VolumeSpec {
  path: string;
  hostPath: string;
  readOnly?: boolean;
}

export interface EnvSpec {
  name: string;
  value: string;
}

/**
 * One application version (a package) as other modules see it. CPU is in percent of a core and
 * memory in MiB, as the client sent them.
 */
export interface AppVersion {
  id: number;
  businessId: number;
  appName: string;
  version: string;
  deployType: AppDeployType;
  image: string;
  repositoryId: string | null;
  replicas: number;
  port: PortSpec[];
  command: string;
  volume: VolumeSpec[];
  env: EnvSpec[];
  minReplicas: number;
  maxReplicas: number;
  minCPU: number;
  maxCPU: number;
  GPU: number;
  isHPA: boolean;
  targetCPUUtilization: number;
  targetMemUtilization: number;
  minMemory: number;
  maxMemory: number;
  maxUnavailable: number;
  maxSurge: number;
  minReadySeconds: number;
  /** The uploaded chart of a `chart` application, null for the others. */
  chartId: number | null;
  status: PackageStatus;
}
