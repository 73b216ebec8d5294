import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSelfSigned } from '../../src/registry/token-key';
import { eventually } from './eventually';

const REGISTRY_BIN = process.env.REGISTRY_BIN ?? 'docker-registry';
export const REGISTRY_SERVICE = 'ote-registry';
export const REGISTRY_ISSUER = 'ote-stack';

/** A real OCI Distribution registry (Debian's docker-registry) that trusts tokens signed with a test key. */
export interface TestRegistry {
  /** host:port, for REGISTRY_URL and image names. */
  host: string;
  apiUrl: string;
  /** The test app's registry settings. */
  env: Record<string, string>;
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts docker-registry on a free port with token authentication: `realm` is where clients are sent
 * for tokens (the test server's /service/token), the root certificate bundle the test key's certificate;
 * filesystem storage in a temporary directory, deletes enabled. `stop` ends it and removes the directory.
 */
export async function startTestRegistry(realm = 'http://127.0.0.1/service/token'): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'ote-registry-'));
  const { keyPem, certificatePem } = await generateSelfSigned();
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.crt');
  await writeFile(keyFile, keyPem, { mode: 0o600 });
  await writeFile(certFile, certificatePem);
  const port = await freePort();
  const configFile = join(dir, 'config.yml');
  await writeFile(
    configFile,
    JSON.stringify({
      version: 0.1,
      log: { level: 'error', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } },
      http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString('hex') },
      auth: {
        token: { realm, service: REGISTRY_SERVICE, issuer: REGISTRY_ISSUER, rootcertbundle: certFile },
      },
    }),
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const apiUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // The registry answers /v2/ with 401 and a token challenge once it serves.
    await eventually(
      () =>
        fetch(`${apiUrl}/v2/`).then(
          (response) => response.status,
          () => 0,
        ),
      (status) => status === 401 || child.exitCode !== null,
      { timeoutMs: 20_000, what: 'docker-registry serving' },
    );
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${output}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    host: `127.0.0.1:${port}`,
    apiUrl,
    env: {
      REGISTRY_URL: `127.0.0.1:${port}`,
      REGISTRY_TOKEN_KEY_FILE: keyFile,
      REGISTRY_TOKEN_CERT_FILE: certFile,
    },
    stop,
  };
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

/** Calls the registry's API as a client does, with a bearer token. */
export function registryCall(
  registry: TestRegistry,
  token: string,
  method: string,
  path: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<Response> {
  const url = path.startsWith('http') ? path : `${registry.apiUrl}${path}`;
  return fetch(url, { method, body, headers: { ...headers, Authorization: `Bearer ${token}` } });
}

/** Uploads a blob monolithically (POST an upload, PUT its content with the digest); returns the status. */
async function uploadBlob(registry: TestRegistry, token: string, repository: string, blob: Buffer) {
  const start = await registryCall(registry, token, 'POST', `/v2/${repository}/blobs/uploads/`);
  if (start.status !== 202) return start.status;
  const location = new URL(start.headers.get('location')!, registry.apiUrl);
  location.searchParams.set('digest', sha256(blob));
  const put = await registryCall(registry, token, 'PUT', location.toString(), blob, {
    'Content-Type': 'application/octet-stream',
  });
  return put.status;
}

export interface PushResult {
  /** HTTP status of the first step that failed, or of the manifest PUT (201 on success). */
  status: number;
  digest: string | null;
}

/**
 * Pushes a one-layer image as `docker push` does: the layer and the config blob (carrying `created`),
 * then the manifest under `tag`. The registry's answer says whether the token allowed it.
 */
export async function pushImage(
  registry: TestRegistry,
  token: string,
  repository: string,
  tag: string,
  created = new Date(),
): Promise<PushResult> {
  const layer = randomBytes(64);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: created.toISOString(),
      config: {},
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
    }),
  );
  for (const blob of [layer, config]) {
    const status = await uploadBlob(registry, token, repository, blob);
    if (status !== 201) return { status, digest: null };
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_V2,
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest: sha256(config),
      },
      layers: [
        {
          mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
          size: layer.length,
          digest: sha256(layer),
        },
      ],
    }),
  );
  const put = await registryCall(registry, token, 'PUT', `/v2/${repository}/manifests/${tag}`, manifest, {
    'Content-Type': MANIFEST_V2,
  });
  return { status: put.status, digest: put.headers.get('docker-content-digest') };
}

/** The registry's own tag list of a repository, read with `token`; null when it refuses or has none. */
export async function registryTags(registry: TestRegistry, token: string, repository: string) {
  const response = await registryCall(registry, token, 'GET', `/v2/${repository}/tags/list`);
  if (!response.ok) return { status: response.status, tags: null };
  return { status: response.status, tags: ((await response.json()) as { tags: string[] | null }).tags ?? [] };
}
