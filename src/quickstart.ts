import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import path from 'node:path';
import { ConfigurationError, DEFAULT_REGISTRY_ISSUER, DEFAULT_REGISTRY_SERVICE } from './config/app-config';
import { startEmbeddedServices } from './embedded/embedded-services';
import { ensureQuickStartSecrets } from './embedded/quick-start-secrets';
import { runServer } from './server';

/** The quick start's first system administrator, documented in the README; production sets its own. */
const QUICK_START_ADMIN_PASSWORD = 'Admin12345';

/**
 * `npm start` (`node dist/src/quickstart.js`): the server on embedded defaults. PostgreSQL, Redis and
 * docker-registry missing from the environment are started under .data/, JWT_SECRET and ENCRYPTION_KEY
 * missing from it are generated there once, and three simulated edge clusters are started in-process and
 * registered (unless SIMULATED_CLUSTERS=0). Production runs main.ts, which imports none of this.
 */
async function quickStart(): Promise<void> {
  const logger = new Logger('quickstart');
  const env = { ...process.env };
  const dataDir = path.resolve(__dirname, '../../.data');
  await ensureQuickStartSecrets(env, dataDir, (msg) => logger.log(msg));
  const embedded = await startEmbeddedServices(env, dataDir, (msg) => logger.log(msg), {
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

  let simulatedFleet: { stop(): Promise<void> } | undefined;
  await runServer(env, {
    afterStart: async (app, log) => {
      const { registerSimulatedFleet } = await import('./embedded/simulated-fleet.js');
      try {
        simulatedFleet = await registerSimulatedFleet(app, (msg) => log.log(msg));
      } catch (error) {
        log.warn(
          `simulated clusters not registered: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    },
    // The simulated clusters, then the embedded services the closed app used.
    afterClose: async () => {
      await simulatedFleet?.stop();
      await embedded.stop();
    },
  });
}

quickStart().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
