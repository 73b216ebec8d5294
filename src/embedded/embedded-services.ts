import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPostgres } from './embedded-postgres';
import { startRedis } from './embedded-redis';
import { EmbeddedRegistry, EmbeddedRegistryOptions, startRegistry } from './embedded-registry';
import { ManagedServer, startTime } from './processes';

export interface EmbeddedServices {
  /** Set when PostgreSQL was started here (DATABASE_URL was not given): a URL for its `ote` database. */
  databaseUrl?: string;
  /** Set when Redis was started here (REDIS_URL was not given). */
  redisUrl?: string;
  /** Set when the image registry was started here (asked for, and REGISTRY_URL was not given). */
  registry?: Omit<EmbeddedRegistry, 'server'>;
  /** Stops what was started; calling it again waits for the same stop. */
  stop(): Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Starts only what is missing from env (DATABASE_URL / REDIS_URL, and REGISTRY_URL when `registry` says
 * how the registry is to trust the platform), under dataDir: PostgreSQL in `<dataDir>/postgres`, Redis in
 * `<dataDir>/redis`, the registry in `<dataDir>/registry`, all on 127.0.0.1 only, all reusing their data
 * from the previous start. They are stopped by `stop()`, and otherwise when this process exits or is ended
 * by a signal that nothing else handles. A registry that cannot be had is left out, with a log line: the
 * platform runs without one.
 */
export async function startEmbeddedServices(
  env: { DATABASE_URL?: string; REDIS_URL?: string; REGISTRY_URL?: string },
  dataDir: string,
  log: (msg: string) => void,
  registry?: EmbeddedRegistryOptions,
): Promise<EmbeddedServices> {
  const wantsRegistry = registry !== undefined && !env.REGISTRY_URL;
  if (env.DATABASE_URL && env.REDIS_URL && !wantsRegistry) return { stop: async () => undefined };
  await mkdir(dataDir, { recursive: true });
  const release = await claim(dataDir);

  const servers: ManagedServer[] = [];
  const services: Pick<EmbeddedServices, 'databaseUrl' | 'redisUrl' | 'registry'> = {};
  try {
    if (!env.DATABASE_URL) {
      const postgres = await startPostgres(join(dataDir, 'postgres'), log);
      servers.push(postgres.server);
      services.databaseUrl = postgres.url;
    }
    if (!env.REDIS_URL) {
      const redis = await startRedis(join(dataDir, 'redis'), log);
      servers.push(redis.server);
      services.redisUrl = redis.url;
    }
    if (wantsRegistry) {
      const started = await startRegistry(join(dataDir, 'registry'), registry, log).catch((err: unknown) => {
        log(`no embedded image registry (the repository routes answer 503): ${String(err)}`);
        return undefined;
      });
      if (started) {
        const { server, ...settings } = started;
        servers.push(server);
        services.registry = settings;
      }
    }
  } catch (err) {
    await Promise.all(servers.map((server) => server.stop()));
    await release();
    throw err;
  }

  // Nothing asynchronous runs in an 'exit' listener: the servers get their stop signal and finish alone.
  const onExit = () => servers.forEach((server) => server.signalStop());
  const onSignal = (signal: NodeJS.Signals) => {
    // Another listener (the app's own shutdown, NestJS's shutdown hooks) closes the app first, then stops
    // us, exits or raises the signal again; stopping the databases under it would break its shutdown. Ours
    // is prepended, so it runs before the others have removed themselves, and they are all counted here.
    if (process.listenerCount(signal) > 1) return;
    // Alone, we stand in for the default action, which would end the process without an 'exit' event.
    stop()
      .catch((err: unknown) => log(`stopping the embedded services failed: ${String(err)}`))
      .finally(() => process.kill(process.pid, signal));
  };
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener('exit', onExit);
      for (const signal of SIGNALS) process.removeListener(signal, onSignal);
      await Promise.all(servers.map((server) => server.stop()));
      await release();
      log(`stopped ${servers.map((server) => server.name).join(' and ')}`);
    })());
  process.on('exit', onExit);
  for (const signal of SIGNALS) process.prependListener(signal, onSignal);
  return { ...services, stop };
}

/**
 * Records this process as the user of dataDir, or refuses if another live process is: starting stops the
 * servers that a dead previous run left running there, which must not hit the servers of a running one.
 * Returns the release. A process is identified by pid and start time, since pids get reused.
 */
async function claim(dataDir: string): Promise<() => Promise<void>> {
  const file = join(dataDir, 'owner.json');
  const owner = await readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as { pid: number; started?: string })
    .catch(() => undefined);
  if (owner && owner.pid !== process.pid && owner.started && owner.started === (await startTime(owner.pid))) {
    throw new Error(
      `${dataDir} is in use by process ${owner.pid}: stop that one, or give this one DATABASE_URL and REDIS_URL.`,
    );
  }
  await writeFile(file, JSON.stringify({ pid: process.pid, started: await startTime(process.pid) }));
  return () => rm(file, { force: true });
}
