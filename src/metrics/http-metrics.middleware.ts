import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Metrics } from './metrics';

/**
 * Every path, as Nest middleware is registered here and by the logger. Express records such a
 * registration as the request's route, so a request that no controller matched ends with this one.
 */
export const ANY_PATH = '{/*splat}';

/**
 * Times every request and labels it with the route template (`/v1/deploy/id/:id`), never the raw path,
 * so that ids and probes of unknown paths cannot multiply the series.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const path: unknown = request.route?.path;
      const route = typeof path === 'string' && path !== ANY_PATH ? `${request.baseUrl}${path}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.observeRequest(request.method, route, response.statusCode, seconds);
    });
    next();
  }
}
