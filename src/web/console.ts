import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import accepts from 'accepts';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';

/** Paths the server answers itself; everything else a browser asks for is a console page. */
const SERVER_PATHS = /^\/(v1|docs|docs-json|healthz|readyz|metrics|admin|service|accounts|cce|assets)(\/|$)/;

/** Where `npm run build` puts the console (vite's outDir), found from the project root. */
function consoleRoot(from = __dirname): string | null {
  let folder = from;
  while (!existsSync(path.join(folder, 'package.json'))) {
    const parent = path.dirname(folder);
    if (parent === folder) return null;
    folder = parent;
  }
  const root = path.join(folder, 'dist', 'web');
  return existsSync(path.join(root, 'index.html')) ? root : null;
}

/**
 * Serves the web console at `/`: hashed assets cached for a year (their names change with their
 * content), `index.html` never cached so a new build is seen at once, and the console's own paths
 * answered with `index.html`. API routes keep their JSON answers, unknown `/v1` ones their JSON 404.
 */
export async function serveConsole(app: NestFastifyApplication, root = consoleRoot()): Promise<void> {
  if (!root) return;
  const index = path.join(root, 'index.html');
  await app.register(fastifyStatic, {
    root: path.join(root, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
    // Swagger UI decorates replies with its own `sendFile`.
    decorateReply: false,
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      const pathname = request.url.split('?', 1)[0];
      if (
        (request.method !== 'GET' && request.method !== 'HEAD') ||
        SERVER_PATHS.test(pathname) ||
        !accepts(request.raw).type('html')
      )
        return done();
      void reply
        .header('Cache-Control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(createReadStream(index));
    });
}
