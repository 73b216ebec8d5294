import { randomBytes } from 'node:crypto';
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { findOrInstall, ManagedServer, pickPort, startServer, stopLeftover } from './processes';

const DEFAULT_PORT = 63799;

/**
 * Runs `redis-server` from PATH (installed with apt-get when missing and allowed), keeping its append-only
 * file, pid file and log in `dir`. Each start gets a new password, kept out of the command line.
 */
export async function startRedis(
  dir: string,
  log: (msg: string) => void,
): Promise<{ url: string; server: ManagedServer }> {
  const command = await findOrInstall('redis-server', 'redis-server', 'REDIS_URL', log);
  await mkdir(dir, { recursive: true });
  const home = await realpath(dir);
  await stopLeftover('Redis', join(home, 'redis.pid'), home, 'SIGTERM', log);

  const port = await pickPort(DEFAULT_PORT);
  const password = randomBytes(24).toString('base64url');
  const config = [
    'bind 127.0.0.1',
    `port ${port}`,
    `requirepass ${password}`,
    // Paths are relative to the working directory, the data directory (no quoting of paths needed).
    'dir .',
    'pidfile redis.pid',
    // Every write is logged and fsynced each second; no periodic RDB snapshots on top of that.
    'appendonly yes',
    'save ""',
  ].join('\n');
  const server = await startServer({
    name: 'Redis',
    command,
    // "-": read the configuration from stdin.
    args: ['-'],
    cwd: home,
    stdin: config,
    logFile: join(home, 'redis.log'),
    // Redis's clean shutdown: flushes the append-only file, then exits.
    stopSignal: 'SIGTERM',
    probe: () => ping(port, password),
  });
  log(`Redis ready on 127.0.0.1:${port} (data in ${home})`);
  return { url: `redis://:${password}@127.0.0.1:${port}`, server };
}

/** Fails until the server accepts our password and answers (it answers LOADING while it replays its data). */
async function ping(port: number, password: string): Promise<void> {
  const client = new IORedis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: true,
    retryStrategy: () => null,
    // Else disconnect() leaves a 2 s timer behind after a refused connection, holding up a process exit.
    disconnectTimeout: 0,
  });
  // Failures reach us through connect() and ping(); without a listener ioredis also prints them.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}
