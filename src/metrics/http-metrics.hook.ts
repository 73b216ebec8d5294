import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Metrics } from './metrics';

/**
 * Times every request and labels it with the route template (`/v1/deploy/id/:id`), never the raw path,
 * so that ids and probes of unknown paths cannot multiply the series. A Fastify hook rather than Nest
 * middleware: it runs for every request, unmatched ones and refused bodies included, without a layer
 * of its own in front of each route.
 */
@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    // Worker processes have an application context without an HTTP server.
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onResponse', (request, reply, done) => {
      // A request that no route matched is answered by the not-found handler, whose url is not a route.
      const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
      this.metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
}
