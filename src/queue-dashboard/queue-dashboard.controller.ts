import { All, Controller, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../common/auth/decorators';
import { Role } from '../common/auth/principal';
import { RawResponse } from '../common/envelope';
import { JobQueueService } from '../queue/job-queue.service';
import { ALL_QUEUES } from '../queue/jobs';

const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board over every queue, for system administrators. Its Express app is served from this
 * controller, on the request's own Node.js objects, rather than mounted beside Nest, so that the usual
 * token check and role guard run first.
 * Read-only except for retrying failed jobs: jobs are idempotent, but adding or editing them by hand
 * would bypass the job registry's ids and options. It is left out of the OpenAPI document: its pages and
 * JSON are bull-board's own, answered for every method on every path below, not an API of ours.
 */
@ApiExcludeController()
@Roles(Role.SystemAdmin)
@Controller(QUEUE_DASHBOARD_PATH)
export class QueueDashboardController {
  private readonly dashboard = new ExpressAdapter().setBasePath(QUEUE_DASHBOARD_PATH);

  constructor(jobs: JobQueueService) {
    createBullBoard({
      queues: ALL_QUEUES.map(
        (name) => new BullMQAdapter(jobs.queue(name), { readOnlyMode: true, allowRetries: true }),
      ),
      serverAdapter: this.dashboard,
    });
  }

  @RawResponse()
  @All(['', '*'])
  serve(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    // Express answers on the Node.js response itself; Fastify must not answer it too.
    reply.hijack();
    // The dashboard's own routes are relative to where it is served.
    request.raw.url = request.url.slice(QUEUE_DASHBOARD_PATH.length) || '/';
    const dashboard = this.dashboard.getRouter() as (
      request: FastifyRequest['raw'],
      response: FastifyReply['raw'],
      done: (error?: unknown) => void,
    ) => void;
    // What bull-board's app does not answer itself: no such page, or its own failure.
    dashboard(request.raw, reply.raw, (error) => {
      reply.raw.statusCode = error ? 500 : 404;
      reply.raw.end();
    });
  }
}
