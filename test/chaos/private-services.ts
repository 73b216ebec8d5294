import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { startPostgres } from '../../src/embedded/embedded-postgres';
import { findOrInstall, ManagedServer, pickPort, startServer } from '../../src/embedded/processes';
import { runMigrations } from '../../src/database/data-source';
import { eventually } from '../support/eventually';

const quiet = () => undefined;

/** A server of the chaos tests' own, which they may crash (SIGKILL) and start again on the same port. */
export interface PrivateServer {
  url: string;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (and data directory); nothing if it runs. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A private temporary directory that the `postgres` account (PostgreSQL's, when we are root) can enter. */
async function tempDir(kind: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `ote-chaos-${kind}-`));
  await chmod(dir, 0o755);
  return dir;
}

/**
 * redis-server without persistence (`save ""`, `appendonly no`): a restart after a crash starts empty, as a
 * Redis that lost its data does, so the queues' state is gone and only PostgreSQL's remains.
 */
export async function startPrivateRedis(): Promise<PrivateServer> {
  const command = await findOrInstall('redis-server', 'redis-server', 'REDIS_URL', quiet);
  const dir = await tempDir('redis');
  const port = await pickPort(0);
  const start = () =>
    startServer({
      name: 'Redis',
      command,
      args: ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
      cwd: dir,
      logFile: join(dir, 'redis.log'),
      stopSignal: 'SIGTERM',
      probe: () => ping(port),
    });
  let server: ManagedServer = await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: () => server.stop('SIGKILL'),
    restart: async () => {
      if (server.exited) server = await start();
    },
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function ping(port: number): Promise<void> {
  const client = new IORedis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  client.on('error', quiet);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/** A PostgreSQL cluster of its own (the quick start's embedded one), migrated, on a fixed free port. */
export async function startPrivatePostgres(): Promise<PrivateServer> {
  const dir = await tempDir('postgres');
  const port = await pickPort(0);
  let { url, server } = await startPostgres(dir, quiet, { port });
  await runMigrations(url);
  return {
    url,
    kill: () => server.stop('SIGKILL'),
    // The backends of a killed postmaster exit on their own a moment later; until they have, a new
    // postmaster refuses the data directory (its shared memory is still in use), so it is tried again.
    restart: async () => {
      if (!server.exited) return;
      const started = await eventually(
        () => startPostgres(dir, quiet, { port }).catch(() => undefined),
        (value) => value !== undefined,
        { what: 'PostgreSQL restarted', timeoutMs: 30_000 },
      );
      ({ url, server } = started!);
    },
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
