import 'reflect-metadata';
import { ConfigurationError } from './config/app-config';
import { runServer } from './server';

/**
 * The production entry point, `node dist/src/main.js` (npm run start:prod, the Docker image, the Helm
 * chart): everything comes from the environment. It never imports the quick start's embedded services
 * or simulator (src/quickstart.ts is `npm start`'s own entry point).
 */
runServer({ ...process.env }).catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
