import { INestApplication, Logger } from '@nestjs/common';
import { startupLogger } from './common/logging';
import { loadConfig, runsApi } from './config/app-config';

/** What a caller adds around the server: work once it serves, and what to stop after it closes. */
export interface ServerHooks {
  afterStart?: (app: INestApplication, logger: Logger) => Promise<void>;
  afterClose?: () => Promise<void>;
}

/**
 * Applies pending migrations (unless MIGRATE_ON_START=false), then runs the API and/or the workers as
 * PROCESS_ROLE says, until SIGINT or SIGTERM. Both entry points run this: `main.ts` (production) and
 * `quickstart.ts` (`npm start`, which prepares the environment first).
 */
export async function runServer(
  env: Record<string, string | undefined>,
  hooks: ServerHooks = {},
): Promise<void> {
  const logger = new Logger('main');
  const config = loadConfig(env);
  Logger.overrideLogger(startupLogger(config));
  // Loaded only once the configuration is accepted, so that a refused one ends the process at once
  // instead of after seconds of loading the application's modules.
  const [{ runMigrations }, { createApp }] = await Promise.all([
    import('./database/data-source.js'),
    import('./app.factory.js'),
  ]);
  if (config.migrateOnStart) {
    const applied = await runMigrations(config.databaseUrl);
    if (applied.length) logger.log(`migrations applied: ${applied.join(', ')}`);
  }

  const app = await createApp(config);
  // Close the app first (workers finish their running jobs), then what the caller started around it.
  const shutdown = async (signal: string) => {
    logger.log(`${signal}: shutting down`);
    await app.close();
    await hooks.afterClose?.();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown(signal));
  if (runsApi(config)) {
    // Every interface by default, as Node.js listens (Fastify alone would listen on localhost only).
    await app.listen(config.port, config.host);
    logger.log(`listening on http://localhost:${config.port} (OpenAPI at /docs), role ${config.processRole}`);
  } else {
    await app.init();
    logger.log('worker process started');
  }
  await hooks.afterStart?.(app, logger);
}
