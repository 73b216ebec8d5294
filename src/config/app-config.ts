import { plainToInstance, Transform } from 'class-transformer';
import { existsSync } from 'node:fs';
import path, { dirname, join } from 'node:path';
import {
  ArrayNotEmpty,
  IsBoolean,
  IsIn,
  IsInt,
  IsIP,
  IsOptional,
  IsString,
  Matches,
  Max,
} from 'class-validator';
import { Min, MinLength, validateSync, ValidateBy } from 'class-validator';
import { CONFIG_VARIABLES, Env } from './config-variable';
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

const PROCESS_ROLES = ['all', 'api', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const ENCRYPTION_KEY_FORM = /^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/;
/** 32 bytes as 64 hex characters or base64 become the key itself; anything else stays to be refused. */
const toEncryptionKey = ({ value }: { value: unknown }) =>
  typeof value === 'string' && ENCRYPTION_KEY_FORM.test(value)
    ? Buffer.from(value, value.length === 64 ? 'hex' : 'base64')
    : value;
const IsEncryptionKey = () =>
  ValidateBy({
    name: 'isEncryptionKey',
    validator: {
      validate: (value: unknown) => Buffer.isBuffer(value) && value.length === 32,
      defaultMessage: () => 'must be 32 bytes as hex or base64',
    },
  });

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
 * Every environment variable the server reads, declared once: its name, meaning, default and validation.
 * A loaded AppConfig is this class, validated at start-up, so that a bad value stops the process with a
 * message naming the variable instead of failing later in a request (`npm run config:docs` writes the
 * README's table and `.env.example` from the same declarations).
 */
export class AppConfig {
  @Env({ name: 'PORT', description: 'HTTP port of the API (0–65535).' })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  port = 8080;

  @Env({
    name: 'HOST',
    description:
      'IP address the API listens on. `::` (the default) is every interface, IPv4 included; a host without IPv6 needs `0.0.0.0`.',
  })
  @IsOptional()
  @IsIP()
  host = '::';

  @Env({
    name: 'DATABASE_URL',
    description: '`postgres://` URL of the PostgreSQL database. Required; `npm start` runs an embedded one.',
    documentedDefault: 'required (`npm start`: embedded)',
    example: 'postgres://ote:secret@127.0.0.1:5432/ote',
    secret: true,
  })
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// URL' })
  databaseUrl: string;

  @Env({
    name: 'REDIS_URL',
    description:
      '`redis://` or `rediss://` URL for BullMQ queues, token revocation and login throttling. Required; `npm start` runs an embedded one.',
    documentedDefault: 'required (`npm start`: embedded)',
    example: 'redis://127.0.0.1:6379',
    secret: true,
  })
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// URL' })
  redisUrl: string;

  @Env({
    name: 'REDIS_PREFIX',
    description:
      'Prefix for every Redis key (`<prefix>:…`, queues under `<prefix>:bull`), so several deployments can share one Redis. Letters, digits, `_:.-`.',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[\w:.-]+$/, { message: 'may only hold letters, digits and _:.-' })
  redisPrefix = 'ote';

  @Env({
    name: 'JWT_SECRET',
    description:
      'HMAC secret (HS256) for tokens, at least 16 characters, the same on every replica. Required: the server refuses to start without it; `npm start` generates one into `.data/jwt-secret` once (`openssl rand -hex 32`).',
    documentedDefault: 'required (`npm start`: generated)',
    secret: true,
  })
  @IsOptional()
  @IsString()
  @MinLength(16)
  jwtSecret: string;

  @Env({
    name: 'ENCRYPTION_KEY',
    description:
      '32 bytes as 64 hex characters or 44 base64 characters. It encrypts stored kubeconfigs and registry passwords with AES-256-GCM. Required (`openssl rand -hex 32`; `npm start` generates `.data/encryption-key` once); keep it: changing it makes stored secrets unreadable.',
    documentedDefault: 'required (`npm start`: generated)',
    secret: true,
  })
  @IsOptional()
  @Transform(toEncryptionKey)
  @IsEncryptionKey()
  encryptionKey: Buffer;

  @Env({ name: 'ADMIN_USER', description: 'Name of the first system administrator.' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.@-]{1,64}$/, { message: 'must be 1-64 letters, digits or _.@-' })
  adminUser = 'admin';

  @Env({
    name: 'ADMIN_PASSWORD',
    description:
      'The first system administrator is created with this password when no system administrator exists. Without it, nobody is created. It must satisfy the password rule: 8–20 characters with upper-case, lower-case and a digit.',
    documentedDefault: 'none (`npm start`: `Admin12345`)',
    secret: true,
  })
  @IsOptional()
  @IsString()
  adminPassword?: string;

  @Env({
    name: 'PROCESS_ROLE',
    description: '`all`: API and workers; `api`: HTTP only; `worker`: BullMQ workers only, no HTTP port.',
  })
  @IsOptional()
  @IsIn(PROCESS_ROLES)
  processRole: ProcessRole = 'all';

  @Env({
    name: 'MIGRATE_ON_START',
    description:
      'Apply pending migrations at start (under a lock, so the first process migrates). `false` where something else migrates first, as the Helm chart’s pre-install/pre-upgrade Job does.',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  migrateOnStart = true;

  @Env({
    name: 'SIMULATED_CLUSTERS',
    description:
      'Only `npm start` reads it: whether the quick start starts and registers its three simulated edge clusters (`sim-edge-1..3`) so the platform can be tried without a real Kubernetes cluster.',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  simulatedClusters = true;

  @Env({
    name: 'CLUSTER_SYNC_SECONDS',
    description:
      'How often the workers read every cluster’s nodes and pods. A cluster is ready when its last sync succeeded within three periods; one that answers again gets the work it missed.',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  clusterSyncSeconds = 30;

  @Env({
    name: 'DEPLOY_TIMEOUT_SECONDS',
    description:
      'Time limit for a rollout in one cluster, from when that cluster first answered for the request.',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  deployTimeoutSeconds = 600;

  @Env({
    name: 'JOB_LOCK_SECONDS',
    description:
      'How long a worker’s claim on a job lasts without renewal. A killed worker’s job is taken up again after this.',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  jobLockSeconds = 30;

  @Env({
    name: 'ENABLE_ADMIN_AUTO_DEPLOY',
    description:
      'An administrator’s own deployment requests skip the audit. Shown as `enableAdminAutoDeploy` by `GET /v1/authorization`.',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  enableAdminAutoDeploy = true;

  @Env({ name: 'ENABLE_INGRESS', description: 'Shown as `enableIngress` by `GET /v1/authorization`.' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  enableIngress = false;

  @Env({ name: 'ENABLE_ALERT', description: 'Shown as `enableAlert` by `GET /v1/authorization`.' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  enableAlert = false;

  @Env({ name: 'PRIVATE_PROJECT', description: 'Shown as `privateProject` by `GET /v1/authorization`.' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  privateProject = true;

  @Env({
    name: 'HELM_BIN',
    description:
      'Helm executable used to render chart applications (`helm template`). Unset: the project’s `.tools/bin/helm` when present (development, tests, CI; `scripts/install-helm.js`), else `helm` on `PATH`.',
    documentedDefault: '`.tools/bin/helm` or `helm`',
  })
  @IsOptional()
  @IsString()
  helmBin: string = projectHelm() ?? 'helm';

  @Env({
    name: 'HOSTPATH_WRITABLE_PREFIXES',
    description:
      'Host folders (comma-separated) under which applications may mount `hostPath` volumes read-write. Elsewhere they are read-only, and the node’s own folders (`/`, `/etc`, `/var/run`, sockets…) are refused (`SECURITY.md`).',
  })
  @IsOptional()
  @Transform(splitCommaList)
  @ArrayNotEmpty()
  @Matches(/^\/[^\0]*$/, { each: true, message: 'must be comma-separated absolute paths' })
  hostPathWritablePrefixes = ['/data', '/var/data'];

  @Env({
    name: 'HOSTPATH_DENIED_PREFIXES',
    description:
      'Host folders (comma-separated) that applications may not mount at all, besides the node’s own that are always refused (`SECURITY.md`): where a cluster’s node-local storage keeps persistent volumes, if not in one of the folders already refused.',
    documentedDefault: 'none',
  })
  @IsOptional()
  @Transform(splitCommaList)
  @Matches(/^\/[^\0]*$/, { each: true, message: 'must be comma-separated absolute paths' })
  hostPathDeniedPrefixes: string[] = [];

  @Env({
    name: 'LOGIN_MAX_FAILURES',
    description:
      'Failed logins per user name within 15 minutes before each further attempt must wait 1 s, 2 s, 4 s … up to 15 minutes after the one before; attempts during the wait get 429 with `Retry-After`, unchecked.',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  loginMaxFailures = 5;

  @Env({
    name: 'LOGIN_MAX_FAILURES_PER_ADDRESS',
    description:
      'Failed logins per client address within 15 minutes; then 429 with `Retry-After` until the 15 minutes are over.',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  loginMaxFailuresPerAddress = 100;

  @Env({
    name: 'REGISTRATIONS_PER_ADDRESS',
    description:
      'Registrations (`POST /v1/user`) per client address within 15 minutes; then 429 with `Retry-After`. The contract sets no limit (a classroom or an office registers from one address), so the default only stops a flood; lower it on a server exposed to the internet.',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  registrationsPerAddress = 1000;

  @Env({
    name: 'SESSION_MAX_HOURS',
    description:
      'A session (a login and its refreshes) ends this many hours after the login (1–8760); its last token expires then.',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(8760)
  sessionMaxHours = 12;

  @Env({
    name: 'TRUST_PROXY',
    description:
      'Reverse proxies in front of the API (0–10). The client address for throttling is taken from `X-Forwarded-For` only through that many proxies; `0` uses the connection’s address and ignores the header.',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(10)
  trustProxy = 0;

  @Env({ name: 'BCRYPT_ROUNDS', description: 'bcrypt cost for password hashes (4–15).' })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(4)
  @Max(15)
  bcryptRounds = 12;

  @Env({
    name: 'LOG_LEVEL',
    description:
      'Level of the JSON log lines on standard output: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent` (the tests default to `silent`).',
  })
  @IsOptional()
  @IsIn(LOG_LEVELS)
  logLevel: LogLevel = 'info';

  @Env({
    name: 'METRICS_ALLOW',
    description:
      'Comma-separated IP addresses and CIDR blocks (`10.0.0.0/8`) that may read `/metrics` without a token. Anyone else needs a system administrator’s token. The socket’s address counts, never `X-Forwarded-For`.',
  })
  @IsOptional()
  @Transform(splitCommaList)
  @ArrayNotEmpty()
  @IsAddressList()
  metricsAllow = ['127.0.0.1', '::1'];

  @Env({
    name: 'DATA_DIR',
    description:
      'Where generated files are kept: the registry token key and certificate when no files are given. `npm start` uses `.data/` in the project.',
    documentedDefault: '`.data` (working directory)',
  })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? path.resolve(value) : value))
  @IsString()
  dataDir = path.resolve('.data');

  @Env({
    name: 'REGISTRY_URL',
    description:
      '`host[:port]` of the platform’s image registry as clients and clusters pull from it; used in `imageAddress`. Unset: the registry routes and `/service/token` answer 503 (`/v1/repository/third` works without it).',
    documentedDefault: 'none (`npm start`: embedded)',
    example: 'registry.example.com:5000',
  })
  @IsOptional()
  @Matches(/^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/, {
    message: 'must be host[:port], without a scheme or path',
  })
  registryUrl?: string;

  @Env({
    name: 'REGISTRY_API_URL',
    description: 'How this server reaches the registry’s HTTP API (`http(s)://host[:port]`).',
    documentedDefault: '`http://<REGISTRY_URL>`',
    example: 'http://127.0.0.1:5000',
  })
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+\/?$/, { message: 'must be an http(s):// URL without a path' })
  registryApiUrl?: string;

  @Env({
    name: 'REGISTRY_SERVICE',
    description: 'The registry’s `auth.token.service`: the audience of registry tokens.',
  })
  @IsOptional()
  @Matches(/^[\w.:-]{1,128}$/, { message: 'may only hold letters, digits and _.:-' })
  registryService = DEFAULT_REGISTRY_SERVICE;

  @Env({ name: 'REGISTRY_TOKEN_ISSUER', description: 'The registry’s `auth.token.issuer`.' })
  @IsOptional()
  @Matches(/^[\w.:-]{1,128}$/, { message: 'may only hold letters, digits and _.:-' })
  registryTokenIssuer = DEFAULT_REGISTRY_ISSUER;

  @Env({
    name: 'REGISTRY_TOKEN_KEY_FILE',
    description:
      'PEM private key (EC P-256 or RSA) that signs registry tokens. Set together with `REGISTRY_TOKEN_CERT_FILE`; the same pair on every replica.',
    documentedDefault: 'generated under `DATA_DIR`',
  })
  @IsOptional()
  @IsString()
  registryTokenKeyFile?: string;

  @Env({
    name: 'REGISTRY_TOKEN_CERT_FILE',
    description:
      'PEM certificate of that key: the registry’s `auth.token.rootcertbundle`, sent in each token’s `x5c` header.',
    documentedDefault: 'generated under `DATA_DIR`',
  })
  @IsOptional()
  @IsString()
  registryTokenCertFile?: string;

  /** The platform's image registry (SPEC §11); null when REGISTRY_URL is unset. */
  get registry(): RegistryConfig | null {
    if (!this.registryUrl) return null;
    return {
      url: this.registryUrl,
      apiUrl: (this.registryApiUrl ?? `http://${this.registryUrl}`).replace(/\/$/, ''),
      service: this.registryService,
      issuer: this.registryTokenIssuer,
      tokenKeyFile: this.registryTokenKeyFile,
      tokenCertFile: this.registryTokenCertFile,
    };
  }
}

export class ConfigurationError extends Error {}

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

/** Reads the declared variables from an environment; an empty value counts as unset. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const raw: Record<string, string> = {};
  for (const { name, property } of CONFIG_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[property] = value;
  }
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false });
  if (errors.length > 0) {
    const nameOf = new Map(CONFIG_VARIABLES.map((variable) => [variable.property, variable]));
    const details = errors.map((error) => {
      const variable = nameOf.get(error.property)!;
      // A secret's value never appears in a message: it would end up in logs.
      const shown = variable.secret ? '(hidden)' : JSON.stringify(raw[error.property]);
      // class-validator's own messages start with the property; the operator knows the variable.
      const problems = Object.values(error.constraints ?? {}).map((problem) =>
        problem.replace(new RegExp(`^${error.property}\\b`), variable.name),
      );
      return `${variable.name}=${shown}: ${problems.join(', ')}`;
    });
    throw new ConfigurationError(`Invalid environment: ${details.join('; ')}`);
  }
  if (!config.databaseUrl)
    throw new ConfigurationError('DATABASE_URL is required (npm start provides an embedded one)');
  if (!config.redisUrl)
    throw new ConfigurationError('REDIS_URL is required (npm start provides an embedded one)');
  if (!config.registryTokenKeyFile !== !config.registryTokenCertFile)
    throw new ConfigurationError('REGISTRY_TOKEN_KEY_FILE and REGISTRY_TOKEN_CERT_FILE go together');
  // No fallback: a public default would let anyone sign a system administrator's token. Only the
  // embedded quick start generates these (src/embedded/quick-start-secrets.ts), before this runs.
  const missing = [
    ...(config.jwtSecret ? [] : ['JWT_SECRET']),
    ...(config.encryptionKey ? [] : ['ENCRYPTION_KEY']),
  ];
  if (missing.length > 0) {
    throw new ConfigurationError(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required: set ${missing.length > 1 ? 'them' : 'it'} ` +
        '(e.g. `openssl rand -hex 32`), or use `npm start`, which generates its own under .data/',
    );
  }
  return config;
}

export const runsApi = (config: AppConfig) => config.processRole !== 'worker';
export const runsWorkers = (config: AppConfig) => config.processRole !== 'api';
