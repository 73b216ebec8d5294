import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
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
export function serveConsole(app: INestApplication, root = consoleRoot()): void {
  if (!root) return;
  const index = path.join(root, 'index.html');
  app.use(
    '/assets',
    express.static(path.join(root, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
    }),
  );
  app.use((request: Request, response: Response, next: NextFunction) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || SERVER_PATHS.test(request.path))
      return next();
    if (!request.accepts('html')) return next();
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(index);
  });
}
