import { randomBytes } from 'node:crypto';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureTokenKeyFiles } from '../registry/token-key';
import { findOrInstall, ManagedServer, pickPort, startServer, stopLeftover } from './processes';

const DEFAULT_PORT = 5005;

/** How the embedded registry trusts the platform: its token service and the names in its tokens. */
export interface EmbeddedRegistryOptions {
  /** The platform's HTTP port: the registry sends clients to http://127.0.0.1:<port>/service/token. */
  platformPort: number;
  service: string;
  issuer: string;
}

export interface EmbeddedRegistry {
  /** host:port, for REGISTRY_URL. */
  url: string;
  tokenKeyFile: string;
  tokenCertFile: string;
  server: ManagedServer;
}

/**
 * Runs Debian's `docker-registry` (installed with apt-get when missing and allowed) on 127.0.0.1 with its
 * blobs in `dir`, token authentication against the platform, and deletes enabled. The token signing key
 * and certificate are made in `dir` on the first start and kept, like the blobs.
 */
export async function startRegistry(
  dir: string,
  options: EmbeddedRegistryOptions,
  log: (msg: string) => void,
): Promise<EmbeddedRegistry> {
  const command = await findOrInstall('docker-registry', 'docker-registry', 'REGISTRY_URL', log);
  await mkdir(dir, { recursive: true });
  const home = await realpath(dir);
  const pidFile = join(home, 'registry.pid');
  await stopLeftover('registry', pidFile, home, 'SIGTERM', log);
  const { keyFile, certFile } = await ensureTokenKeyFiles(home);

  const port = await pickPort(DEFAULT_PORT);
  const config = {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: join(home, 'data') }, delete: { enabled: true } },
    http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString('hex') },
    auth: {
      token: {
        realm: `http://127.0.0.1:${options.platformPort}/service/token`,
        service: options.service,
        issuer: options.issuer,
        rootcertbundle: certFile,
      },
    },
  };
  // JSON is YAML; the file holds no secret the registry does not already keep on disk.
  await writeFile(join(home, 'config.yml'), JSON.stringify(config, null, 2));
  const server = await startServer({
    name: 'registry',
    command,
    args: ['serve', 'config.yml'],
    cwd: home,
    logFile: join(home, 'registry.log'),
    stopSignal: 'SIGTERM',
    probe: () => challenge(port),
  });
  // docker-registry writes no pid file; this one lets the next start stop a registry a dead run left behind.
  await writeFile(pidFile, String(server.pid));
  log(`registry ready on 127.0.0.1:${port}, trusting http://127.0.0.1:${options.platformPort}/service/token`);
  return { url: `127.0.0.1:${port}`, tokenKeyFile: keyFile, tokenCertFile: certFile, server };
}

/** A serving registry answers /v2/ without a token with 401 and its token challenge. */
async function challenge(port: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(2000) });
  if (response.status !== 401) throw new Error(`registry answered ${response.status}`);
}
