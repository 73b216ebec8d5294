import path from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
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

export const DEFAULT_REGISTRY_SERVICE = 'ote-registry';
export const DEFAULT_REGISTRY_ISSUER = 'ote-stack';

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
  @IsOptional() @IsString() HELM_BIN = 'helm';
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) LOGIN_MAX_FAILURES = 5;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) LOGIN_LOCK_SECONDS = 300;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(4) @Max(15) BCRYPT_ROUNDS = 12;
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
  loginMaxFailures: number;
  loginLockSeconds: number;
  bcryptRounds: number;
  /** Absolute path of DATA_DIR. */
  dataDir: string;
  /** The platform's image registry (SPEC §11); null when REGISTRY_URL is unset. */
  registry: RegistryConfig | null;
  /** JWT_SECRET or ENCRYPTION_KEY fell back to the quick start's public defaults. */
  usesDevelopmentSecrets: boolean;
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

/** Development fallbacks: the quick start runs without any configuration, production sets real secrets. */
const DEV_JWT_SECRET = 'ote-dev-jwt-secret-change-me';
const DEV_ENCRYPTION_KEY = '0'.repeat(64);

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
    helmBin: vars.HELM_BIN,
    loginMaxFailures: vars.LOGIN_MAX_FAILURES,
    loginLockSeconds: vars.LOGIN_LOCK_SECONDS,
    bcryptRounds: vars.BCRYPT_ROUNDS,
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
    usesDevelopmentSecrets: !vars.JWT_SECRET || !vars.ENCRYPTION_KEY,
  };
}

export const runsApi = (config: AppConfig) => config.processRole !== 'worker';
export const runsWorkers = (config: AppConfig) => config.processRole !== 'api';
