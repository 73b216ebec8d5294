import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';
import { JobQueueService } from '../queue/job-queue.service';
import { JobName } from '../queue/jobs';
import { DeployStatus, PlacementTally, predecessorsOf, rolledUpStatus } from './deployment-status';
import { OPEN_PLACEMENT_STATUSES, PlacementStatus } from './placement-status';

/**
 * A deployment's status is rolled up from its placements (SPEC §6/§7; its `errorMessage` is summed
 * from them when it is read, so it always agrees with the clusters listed): counted in SQL under the
 * deployment's row lock, so that of two roll-ups the later one sees every placement
 * write the earlier one saw, and written as a compare-and-set on the status and request read. The lock
 * is lockedDeployment's, FOR NO KEY UPDATE: it excludes other roll-ups and the commands, but not the
 * foreign-key checks of the placements' records being written meanwhile (FOR KEY SHARE), which FOR UPDATE
 * would hold up for the whole roll-up.
 *
 * A change asks for a roll-up as a job (JobName.DeploymentRollUp), which BullMQ coalesces across every
 * worker replica (see its options) and keeps through a crash; the caller does not wait for it.
 */
@Injectable()
export class StatusRollup {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobQueueService,
  ) {}

  /** Asks for a roll-up of the deployment that starts after this call (its committed changes are seen). */
  rollUp(deploymentId: number): Promise<void> {
    return this.jobs.enqueue(JobName.DeploymentRollUp, { deploymentId });
  }

  async rollUpAll(deploymentIds: Iterable<number>): Promise<void> {
    const payloads = [...new Set(deploymentIds)].map((deploymentId) => ({ deploymentId }));
    await this.jobs.enqueueMany(JobName.DeploymentRollUp, payloads);
  }

  /** The roll-up itself: run by the job, or at once where no placement is left to wait for. */
  async rollUpNow(deploymentId: number): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const {
        rows: [deployment],
      } = await preparedQuery<{ status: DeployStatus; request_id: number | null; action: number }>(
        manager,
        `SELECT d.status, d.request_id, r.action
             FROM deployments d JOIN deploy_requests r ON r.id = d.request_id
            WHERE d.id = $1 FOR NO KEY UPDATE OF d`,
        [deploymentId],
      );
      if (!deployment) return;
      const {
        rows: [tally],
      } = await preparedQuery<PlacementTally>(
        manager,
        `SELECT count(*) FILTER (WHERE NOT removing)::int AS total,
                count(*) FILTER (WHERE NOT removing AND status = $2)::int AS running,
                count(*) FILTER (WHERE status = ANY($3))::int AS open,
                count(*) FILTER (WHERE rollout_deadline_at IS NOT NULL OR status = ANY($4))::int AS answered,
                count(*) FILTER (WHERE removing AND status = $5)::int AS refused
           FROM placements WHERE deployment_id = $1`,
        [
          deploymentId,
          PlacementStatus.Running,
          OPEN_PLACEMENT_STATUSES,
          [PlacementStatus.Applied, PlacementStatus.Running, PlacementStatus.Failed],
          PlacementStatus.Failed,
        ],
      );
      const next = rolledUpStatus(deployment.status, deployment.action, tally);
      if (next === null) return;
      await preparedQuery(
        manager,
        `UPDATE deployments SET status = $4, update_time = now()
          WHERE id = $1 AND request_id = $2 AND status = $3 AND status = ANY($5)`,
        [deploymentId, deployment.request_id, deployment.status, next, predecessorsOf(next)],
      );
    });
  }
}
