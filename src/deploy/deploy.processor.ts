import { Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { KubeError } from '../kube/kube-error';
import { JobHandler } from '../queue/job-handler.decorator';
import { JobName, JobPayloads } from '../queue/jobs';
import { PlacementApplier } from './placement-applier.service';
import { Reconciler } from './reconciler.service';
import { StatusRollup } from './status-rollup.service';

/** The deploy module's jobs: short, idempotent, retried by BullMQ. */
@Injectable()
export class DeployProcessor {
  constructor(
    private readonly applier: PlacementApplier,
    private readonly reconciler: Reconciler,
    private readonly rollup: StatusRollup,
  ) {}

  /** Transient failures throw so that BullMQ retries with its back-off; permanent ones are UnrecoverableError. */
  @JobHandler(JobName.PlacementApply)
  async apply({ deploymentId, clusterId }: JobPayloads[JobName.PlacementApply], job: Job): Promise<void> {
    const retryMs = nextRetryMs(job);
    try {
      await this.applier.apply(deploymentId, clusterId, { nextRetryMs: retryMs });
    } catch (error) {
      // The last attempt failed on a fault of ours: the deployment says so instead of hanging in flight.
      const ours = !(error instanceof KubeError) && !(error instanceof UnrecoverableError);
      if (ours && retryMs === null) await this.applier.internalError(deploymentId, clusterId);
      throw error;
    }
  }

  @JobHandler(JobName.PlacementDeadline)
  deadline({
    deploymentId,
    clusterId,
    requestId,
    dueAt,
  }: JobPayloads[JobName.PlacementDeadline]): Promise<void> {
    return this.applier.deadline(deploymentId, clusterId, requestId, dueAt);
  }

  @JobHandler(JobName.DeploymentRollUp)
  rollUp({ deploymentId }: JobPayloads[JobName.DeploymentRollUp]): Promise<void> {
    return this.rollup.rollUpNow(deploymentId);
  }

  /** Every minute (JOBS), whichever worker replica takes it. */
  @JobHandler(JobName.DeployRepair)
  repair(): Promise<void> {
    return this.reconciler.repair();
  }
}

/** When BullMQ will try this job again if the running attempt fails, from its exponential back-off. */
function nextRetryMs(job: Job): number | null {
  const attempts = job.opts.attempts ?? 1;
  const made = job.attemptsMade + 1;
  if (made >= attempts) return null;
  const backoff = job.opts.backoff;
  const delay = typeof backoff === 'number' ? backoff : (backoff?.delay ?? 0);
  return typeof backoff === 'object' && backoff.type === 'exponential' ? delay * 2 ** (made - 1) : delay;
}
