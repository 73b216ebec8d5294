import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig, runsWorkers } from '../config/app-config';
import { JobHandler } from '../queue/job-handler.decorator';
import { JobQueueService } from '../queue/job-queue.service';
import { JobName, JobPayloads } from '../queue/jobs';
import { DeployRunner } from './deploy.runner';
import { DeployService } from './deploy.service';

@Injectable()
export class DeployProcessor implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runner: DeployRunner,
    private readonly deployments: DeployService,
    private readonly jobs: JobQueueService,
  ) {}

  /**
   * Approved work whose enqueue was lost (the API died between its commit and the enqueue) is found
   * in the database and queued again; the deterministic job id makes this harmless otherwise.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (!runsWorkers(this.config)) return;
    for (const payload of await this.deployments.inFlight())
      await this.jobs.enqueue(JobName.DeployConverge, payload);
  }

  /** Transient failures throw so that BullMQ retries; the last failed attempt marks the deployment. */
  @JobHandler(JobName.DeployConverge)
  async converge(payload: JobPayloads[JobName.DeployConverge], job: Job): Promise<void> {
    try {
      await this.runner.converge(payload.deploymentId, payload.requestId, payload.trigger !== undefined);
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await this.runner.markInternalError(
          payload.deploymentId,
          payload.requestId,
          (error as Error).message,
        );
      }
      throw error;
    }
  }
}
