import { plainToInstance, Transform } from 'class-transformer';
import { existsSync } from 'node:fs';
import path, { dirname, join } from 'node:path';
import {
  ArrayNotEmpty,
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
  ValidateBy,
} from 'class-validator';
import { isAddressOrCidr } from '../common/address-list';
import { splitCommaList } from '../common/list-query';

const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(normalized)) return true;
  if (['false', '0', 'no'].includes(normalized)) return false;
  return value;
};
const toInteger = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

export const DEFAULT_REGISTRY_SERVICE = 'ote-registry';
export const DEFAULT_REGISTRY_ISSUER = 'ote-stack';

export const PROCESS_ROLES = ['all', 'api', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const IsAddressList = () =>
  ValidateBy({
    name: 'isAddressList',
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) && value.every((entry) => typeof entry === 'string' && isAddressOrCidr(entry)),
      defaultMessage: () => 'must be comma-separated IP addresses or CIDR blocks',
    },
  });

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
  /** false where something else applies the migrations first (the Helm chart's pre-upgrade Job). */
  @IsOptional() @Transform(toBoolean) @IsBoolean() MIGRATE_ON_START = true;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) CLUSTER_SYNC_SECONDS = 30;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) DEPLOY_TIMEOUT_SECONDS = 600;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(50) DEPLOY_POLL_MILLISECONDS = 2000;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) JOB_LOCK_SECONDS = 30;
  @IsOptional() @Transform(toBoolean) @IsBoolean() ENABLE_ADMIN_AUTO_DEPLOY = true;
  @IsOptional() @Transform(toBoolean) @IsBoolean() ENABLE_INGRESS = false;
  @IsOptional() @Transform(toBoolean) @IsBoolean() ENABLE_ALERT = false;
  @IsOptional() @Transform(toBoolean) @IsBoolean() PRIVATE_PROJECT = true;
  /** Only `npm start` (--embedded) reads it: whether the quick start starts and registers its simulated edge fleet. */
  @IsOptional() @Transform(toBoolean) @IsBoolean() SIMULATED_CLUSTERS = true;
  /** Unset: the project's own `.tools/bin/helm` when present (development, tests, CI), else `helm` on PATH. */
  @IsOptional() @IsString() HELM_BIN?: string;
  /** SPEC §12: where tenants may mount host paths read-write (comma-separated absolute folders). */
  @IsOptional()
  @Matches(/^\/[^,\0]*(,\/[^,\0]*)*$/, { message: 'must be comma-separated absolute paths' })
  HOSTPATH_WRITABLE_PREFIXES = '/data,/var/data';
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) LOGIN_MAX_FAILURES = 5;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) LOGIN_MAX_FAILURES_PER_ADDRESS = 100;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) REGISTRATIONS_PER_ADDRESS = 10;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(8760) SESSION_MAX_HOURS = 12;
  /** Reverse proxies in front of the API whose X-Forwarded-For is believed (Express `trust proxy` hops). */
  @IsOptional() @Transform(toInteger) @IsInt() @Min(0) @Max(10) TRUST_PROXY = 0;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(4) @Max(15) BCRYPT_ROUNDS = 12;
  @IsOptional() @IsIn(LOG_LEVELS) LOG_LEVEL: LogLevel = 'info';
  /** Who may read /metrics without a token. */
  @IsOptional() @Transform(splitCommaList) @ArrayNotEmpty() @IsAddressList() METRICS_ALLOW = [
    '127.0.0.1',
    '::1',
  ];
  /** Where generated files live (the registry token key and certificate when no files are given). */
  @IsOptional() @IsString() DATA_DIR = '.data';
  /** host[:port] of the platform's registry as clients and clusters pull from it; unset: no registry. */
  @IsOptional()
  @Matches(/^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/, {
    message: 'must be host[:port], without a scheme or path',
  })
  REGISTRY_URL?: string;
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+\/?$/, { message: 'must be an http(s):// URL without a path' })
  REGISTRY_API_URL?: string;
  @IsOptional()
  @Matches(/^[\w.:-]{1,128}$/, { message: 'may only hold letters, digits and _.:-' })
  REGISTRY_SERVICE = DEFAULT_REGISTRY_SERVICE;
  @IsOptional()
  @Matches(/^[\w.:-]{1,128}$/, { message: 'may only hold letters, digits and _.:-' })
  REGISTRY_TOKEN_ISSUER = DEFAULT_REGISTRY_ISSUER;
  @IsOptional() @IsString() REGISTRY_TOKEN_KEY_FILE?: string;
  @IsOptional() @IsString() REGISTRY_TOKEN_CERT_FILE?: string;
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
  migrateOnStart: boolean;
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
  /** The quick start's simulated edge fleet (`npm start` only). */
  simulatedClusters: boolean;
  helmBin: string;
  hostPathWritablePrefixes: string[];
  /** Failed logins per user name within the throttle window before the doubling delays start. */
  loginMaxFailures: number;
  /** Failed logins per client address within the throttle window before further attempts are refused. */
  loginMaxFailuresPerAddress: number;
  /** Registrations per client address within the throttle window. */
  registrationsPerAddress: number;
  /** How long a session lasts from its login, across refreshes. */
  sessionMaxHours: number;
  /** Proxy hops whose X-Forwarded-For names the client address; 0 trusts none. */
  trustProxy: number;
  bcryptRounds: number;
  logLevel: LogLevel;
  /** Addresses and CIDR blocks that may read /metrics without a token. */
  metricsAllow: string[];
  /** Absolute path of DATA_DIR. */
  dataDir: string;
  /** The platform's image registry (SPEC §11); null when REGISTRY_URL is unset. */
  registry: RegistryConfig | null;
}

export interface RegistryConfig {
  /** host[:port] in image addresses. */
  url: string;
  /** Base URL of the registry's HTTP API as this server reaches it, without a trailing slash. */
  apiUrl: string;
  /** `service` of the registry's token authentication: the audience of our tokens. */
  service: string;
  issuer: string;
  /** PEM files of the token signing key and its certificate; generated under dataDir when unset. */
  tokenKeyFile?: string;
  tokenCertFile?: string;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

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
  if (!vars.REGISTRY_TOKEN_KEY_FILE !== !vars.REGISTRY_TOKEN_CERT_FILE)
    throw new ConfigurationError('REGISTRY_TOKEN_KEY_FILE and REGISTRY_TOKEN_CERT_FILE go together');
  // No fallback: a public default would let anyone sign a system administrator's token. Only the
  // embedded quick start generates these (src/embedded/quick-start-secrets.ts), before this runs.
  const missing = (['JWT_SECRET', 'ENCRYPTION_KEY'] as const).filter((name) => !vars[name]);
  if (missing.length > 0) {
    throw new ConfigurationError(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required: set ${missing.length > 1 ? 'them' : 'it'} ` +
        '(e.g. `openssl rand -hex 32`), or use `npm start`, which generates its own under .data/',
    );
  }
  const key = vars.ENCRYPTION_KEY!;
  return {
    port: vars.PORT,
    databaseUrl: vars.DATABASE_URL,
    redisUrl: vars.REDIS_URL,
    redisPrefix: vars.REDIS_PREFIX,
    jwtSecret: vars.JWT_SECRET!,
    encryptionKey: Buffer.from(key, key.length === 64 ? 'hex' : 'base64'),
    adminUser: vars.ADMIN_USER,
    adminPassword: vars.ADMIN_PASSWORD,
    processRole: vars.PROCESS_ROLE,
    migrateOnStart: vars.MIGRATE_ON_START,
    clusterSyncSeconds: vars.CLUSTER_SYNC_SECONDS,
    deployTimeoutSeconds: vars.DEPLOY_TIMEOUT_SECONDS,
    deployPollMilliseconds: vars.DEPLOY_POLL_MILLISECONDS,
    jobLockSeconds: vars.JOB_LOCK_SECONDS,
    enableAdminAutoDeploy: vars.ENABLE_ADMIN_AUTO_DEPLOY,
    simulatedClusters: vars.SIMULATED_CLUSTERS,
    enableIngress: vars.ENABLE_INGRESS,
    enableAlert: vars.ENABLE_ALERT,
    privateProject: vars.PRIVATE_PROJECT,
    helmBin: vars.HELM_BIN ?? projectHelm() ?? 'helm',
    hostPathWritablePrefixes: vars.HOSTPATH_WRITABLE_PREFIXES.split(','),
    loginMaxFailures: vars.LOGIN_MAX_FAILURES,
    loginMaxFailuresPerAddress: vars.LOGIN_MAX_FAILURES_PER_ADDRESS,
    registrationsPerAddress: vars.REGISTRATIONS_PER_ADDRESS,
    sessionMaxHours: vars.SESSION_MAX_HOURS,
    trustProxy: vars.TRUST_PROXY,
    bcryptRounds: vars.BCRYPT_ROUNDS,
    logLevel: vars.LOG_LEVEL,
    metricsAllow: vars.METRICS_ALLOW,
    dataDir: path.resolve(vars.DATA_DIR),
    registry: vars.REGISTRY_URL
      ? {
          url: vars.REGISTRY_URL,
          apiUrl: (vars.REGISTRY_API_URL ?? `http://${vars.REGISTRY_URL}`).replace(/\/$/, ''),
          service: vars.REGISTRY_SERVICE,
          issuer: vars.REGISTRY_TOKEN_ISSUER,
          tokenKeyFile: vars.REGISTRY_TOKEN_KEY_FILE,
          tokenCertFile: vars.REGISTRY_TOKEN_CERT_FILE,
        }
      : null,
  };
}

export const runsApi = (config: AppConfig) => config.processRole !== 'worker';
export const runsWorkers = (config: AppConfig) => config.processRole !== 'api';
