import { plainToInstance, Transform } from 'class-transformer';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(normalized)) return true;
  if (['false', '0', 'no'].includes(normalized)) return false;
  return value;
};
const toInteger = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

export const PROCESS_ROLES = ['all', 'api', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

/**
 * Every environment variable the server reads, validated once at start-up so that a bad value stops
 * the process with a message naming it instead of failing later in a request.
 */
export class EnvironmentVariables {
  @IsOptional() @Transform(toInteger) @IsInt() @Min(0) @Max(65535) PORT = 8080;
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;
  @IsOptional() @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// URL' }) REDIS_URL?: string;
  @IsOptional()
  @IsString()
  @Matches(/^[\w:.-]+$/, { message: 'may only hold letters, digits and _:.-' })
  REDIS_PREFIX = 'ote';
  @IsOptional() @IsString() @MinLength(16) JWT_SECRET?: string;
  /** 32 bytes as 64 hex characters or base64; encrypts kubeconfigs and registry passwords at rest. */
  @IsOptional()
  @Matches(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, { message: 'must be 32 bytes as hex or base64' })
  ENCRYPTION_KEY?: string;
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.@-]{1,64}$/, { message: 'must be 1-64 letters, digits or _.@-' })
  ADMIN_USER = 'admin';
  @IsOptional() @IsString() ADMIN_PASSWORD?: string;
  @IsOptional() @IsIn(PROCESS_ROLES) PROCESS_ROLE: ProcessRole = 'all';
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) CLUSTER_SYNC_SECONDS = 30;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) DEPLOY_TIMEOUT_SECONDS = 600;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(50) DEPLOY_POLL_MILLISECONDS = 2000;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) JOB_LOCK_SECONDS = 30;
  @IsOptional() @Transform(toBoolean) @IsBoolean() ENABLE_ADMIN_AUTO_DEPLOY = true;
  @IsOptional() @Transform(toBoolean) @IsBoolean() ENABLE_INGRESS = false;
  @IsOptional() @Transform(toBoolean) @IsBoolean() ENABLE_ALERT = false;
  @IsOptional() @Transform(toBoolean) @IsBoolean() PRIVATE_PROJECT = true;
  /** Unset: the project's own `.tools/bin/helm` when present (development, tests, CI), else `helm` on PATH. */
  @IsOptional() @IsString() HELM_BIN?: string;
  /** SPEC §12: where tenants may mount host paths read-write (comma-separated absolute folders). */
  @IsOptional()
  @Matches(/^\/[^,\0]*(,\/[^,\0]*)*$/, { message: 'must be comma-separated absolute paths' })
  HOSTPATH_WRITABLE_PREFIXES = '/data,/var/data';
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) LOGIN_MAX_FAILURES = 5;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) LOGIN_LOCK_SECONDS = 300;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(4) @Max(15) BCRYPT_ROUNDS = 12;
}

export class ConfigurationError extends Error {}

export interface AppConfig {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  jwtSecret: string;
  encryptionKey: Buffer;
  adminUser: string;
  adminPassword?: string;
  processRole: ProcessRole;
  clusterSyncSeconds: number;
  deployTimeoutSeconds: number;
  /** How often a rollout's pods are read back. */
  deployPollMilliseconds: number;
  /** How long a worker's claim on a job lasts without renewal: a killed worker's job resumes after it. */
  jobLockSeconds: number;
  enableAdminAutoDeploy: boolean;
  enableIngress: boolean;
  enableAlert: boolean;
  privateProject: boolean;
  helmBin: string;
  hostPathWritablePrefixes: string[];
  loginMaxFailures: number;
  loginLockSeconds: number;
  bcryptRounds: number;
  /** JWT_SECRET or ENCRYPTION_KEY fell back to the quick start's public defaults. */
  usesDevelopmentSecrets: boolean;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Development fallbacks: the quick start runs without any configuration, production sets real secrets. */
const DEV_JWT_SECRET = 'ote-dev-jwt-secret-change-me';
const DEV_ENCRYPTION_KEY = '0'.repeat(64);

/**
 * The Helm CLI that `scripts/install-helm.js` puts into the project for development, tests and CI, found
 * from this file upwards (it runs from `src/config` and from `dist/src/config`); production images have none.
 */
function projectHelm(): string | undefined {
  for (let folder = __dirname; dirname(folder) !== folder; folder = dirname(folder)) {
    if (!existsSync(join(folder, 'package.json'))) continue;
    const helm = join(folder, '.tools', 'bin', 'helm');
    return existsSync(helm) ? helm : undefined;
  }
  return undefined;
}

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const raw = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const vars = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const errors = validateSync(vars, { skipMissingProperties: false });
  if (errors.length > 0) {
    const details = errors.map(
      (e) => `${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join(', ')}`,
    );
    throw new ConfigurationError(`Invalid environment: ${details.join('; ')}`);
  }
  if (!vars.DATABASE_URL)
    throw new ConfigurationError('DATABASE_URL is required (npm start provides an embedded one)');
  if (!vars.REDIS_URL)
    throw new ConfigurationError('REDIS_URL is required (npm start provides an embedded one)');
  const key = vars.ENCRYPTION_KEY ?? DEV_ENCRYPTION_KEY;
  return {
    port: vars.PORT,
    databaseUrl: vars.DATABASE_URL,
    redisUrl: vars.REDIS_URL,
    redisPrefix: vars.REDIS_PREFIX,
    jwtSecret: vars.JWT_SECRET ?? DEV_JWT_SECRET,
    encryptionKey: Buffer.from(key, key.length === 64 ? 'hex' : 'base64'),
    adminUser: vars.ADMIN_USER,
    adminPassword: vars.ADMIN_PASSWORD,
    processRole: vars.PROCESS_ROLE,
    clusterSyncSeconds: vars.CLUSTER_SYNC_SECONDS,
    deployTimeoutSeconds: vars.DEPLOY_TIMEOUT_SECONDS,
    deployPollMilliseconds: vars.DEPLOY_POLL_MILLISECONDS,
    jobLockSeconds: vars.JOB_LOCK_SECONDS,
    enableAdminAutoDeploy: vars.ENABLE_ADMIN_AUTO_DEPLOY,
    enableIngress: vars.ENABLE_INGRESS,
    enableAlert: vars.ENABLE_ALERT,
    privateProject: vars.PRIVATE_PROJECT,
    helmBin: vars.HELM_BIN ?? projectHelm() ?? 'helm',
    hostPathWritablePrefixes: vars.HOSTPATH_WRITABLE_PREFIXES.split(','),
    loginMaxFailures: vars.LOGIN_MAX_FAILURES,
    loginLockSeconds: vars.LOGIN_LOCK_SECONDS,
    bcryptRounds: vars.BCRYPT_ROUNDS,
    usesDevelopmentSecrets: !vars.JWT_SECRET || !vars.ENCRYPTION_KEY,
  };
}

export const runsApi = (config: AppConfig) => config.processRole !== 'worker';
export const runsWorkers = (config: AppConfig) => config.processRole !== 'api';
