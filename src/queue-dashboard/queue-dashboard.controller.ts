import { All, Controller, Next, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, Response } from 'express';
import { Roles } from '../common/auth/decorators';
import { Role } from '../common/auth/principal';
import { RawResponse } from '../common/envelope.interceptor';
import { JobQueueService } from '../queue/job-queue.service';
import { ALL_QUEUES } from '../queue/jobs';

const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board over every queue, for system administrators. Its Express app is served from this
 * controller rather than mounted beside Nest, so that the usual token check and role guard run first.
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
  @All(['', '{*path}'])
  serve(@Req() request: Request, @Res() response: Response, @Next() next: NextFunction): void {
    // The dashboard's own routes are relative to where it is served.
    request.url = request.url.slice(QUEUE_DASHBOARD_PATH.length) || '/';
    this.dashboard.getRouter()(request, response, next);
  }
}
