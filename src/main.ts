import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import path from 'node:path';
import { startupLogger } from './common/logging';
import {
  ConfigurationError,
  DEFAULT_REGISTRY_ISSUER,
  DEFAULT_REGISTRY_SERVICE,
  loadConfig,
  runsApi,
} from './config/app-config';
import { EmbeddedServices, startEmbeddedServices } from './embedded/embedded-services';
import { ensureQuickStartSecrets } from './embedded/quick-start-secrets';

/** The quick start's first system administrator, documented in the README; production sets its own. */
const QUICK_START_ADMIN_PASSWORD = 'Admin12345';

/**
 * `node dist/src/main.js [--embedded]`: applies pending migrations (unless MIGRATE_ON_START=false), then
 * runs the API and/or the workers as PROCESS_ROLE says. With --embedded, PostgreSQL and Redis missing from the environment are
 * started under .data/, JWT_SECRET and ENCRYPTION_KEY missing from it are generated there once, and
 * three simulated edge clusters are started in-process and registered (unless SIMULATED_CLUSTERS=0).
 */
async function main(): Promise<void> {
  const logger = new Logger('main');
  const env = { ...process.env };
  let embedded: EmbeddedServices | undefined;
  if (process.argv.includes('--embedded')) {
    const dataDir = path.resolve(__dirname, '../../.data');
    await ensureQuickStartSecrets(env, dataDir, (msg) => logger.log(msg));
    embedded = await startEmbeddedServices(env, dataDir, (msg) => logger.log(msg), {
      platformPort: Number(env.PORT) || 8080,
      service: env.REGISTRY_SERVICE || DEFAULT_REGISTRY_SERVICE,
      issuer: env.REGISTRY_TOKEN_ISSUER || DEFAULT_REGISTRY_ISSUER,
    });
    // `||=`: a variable set to an empty string counts as unset, as it does in the configuration.
    env.DATABASE_URL ||= embedded.databaseUrl;
    env.REDIS_URL ||= embedded.redisUrl;
    env.DATA_DIR ||= dataDir;
    if (embedded.registry) {
      env.REGISTRY_URL = embedded.registry.url;
      env.REGISTRY_TOKEN_KEY_FILE = embedded.registry.tokenKeyFile;
      env.REGISTRY_TOKEN_CERT_FILE = embedded.registry.tokenCertFile;
    }
    env.ADMIN_PASSWORD ||= QUICK_START_ADMIN_PASSWORD;
  }
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
  let simulatedFleet: { stop(): Promise<void> } | undefined;
  // Close the app first (workers finish their running jobs), then the simulated clusters and the
  // embedded services it used.
  const shutdown = async (signal: string) => {
    logger.log(`${signal}: shutting down`);
    await app.close();
    await simulatedFleet?.stop();
    await embedded?.stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown(signal));
  if (runsApi(config)) {
    await app.listen(config.port);
    logger.log(`listening on http://localhost:${config.port} (OpenAPI at /docs), role ${config.processRole}`);
  } else {
    await app.init();
    logger.log('worker process started');
  }
  if (embedded) {
    // The simulator is loaded here only: the production path never imports it.
    const { registerSimulatedFleet } = await import('./embedded/simulated-fleet.js');
    try {
      simulatedFleet = await registerSimulatedFleet(app, (msg) => logger.log(msg));
    } catch (error) {
      logger.warn(
        `simulated clusters not registered: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
