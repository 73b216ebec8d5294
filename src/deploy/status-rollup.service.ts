import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DeployStatus, PlacementTally, predecessorsOf, rolledUpStatus } from './deployment-status';
import { OPEN_PLACEMENT_STATUSES, PlacementStatus } from './placement-status';

/**
 * A deployment's status is rolled up from its placements (SPEC §6/§7; its `errorMessage` is summed
 * from them when it is read, so it always agrees with the clusters listed): counted in SQL under the
 * deployment's row lock, so that of two roll-ups the later one sees every placement
 * write the earlier one saw, and written as a compare-and-set on the status and request read.
 *
 * Roll-ups of one deployment asked for while one runs in this process are coalesced into one more
 * run, so a fan-out over a thousand clusters costs a handful of roll-ups, not a thousand.
 */
@Injectable()
export class StatusRollup {
  private readonly rollUps = new Map<
    number,
    { running: Promise<void> | null; queued: Promise<void> | null }
  >();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Resolves once a roll-up that started after this call has finished: the one queued behind a
   * running roll-up, shared by every caller that arrives before it starts.
   */
  rollUp(deploymentId: number): Promise<void> {
    let entry = this.rollUps.get(deploymentId);
    if (!entry) {
      entry = { running: null, queued: null };
      this.rollUps.set(deploymentId, entry);
    }
    if (entry.queued) return entry.queued;
    if (!entry.running) return this.run(deploymentId, entry);
    const queue = entry;
    queue.queued = queue
      .running!.catch(() => undefined)
      .then(() => {
        queue.queued = null;
        return this.run(deploymentId, queue);
      });
    return queue.queued;
  }

  private run(
    deploymentId: number,
    entry: { running: Promise<void> | null; queued: Promise<void> | null },
  ): Promise<void> {
    const running: Promise<void> = this.once(deploymentId).finally(() => {
      if (entry.running === running) entry.running = null;
      if (!entry.running && !entry.queued) this.rollUps.delete(deploymentId);
    });
    entry.running = running;
    return running;
  }

  async rollUpAll(deploymentIds: Iterable<number>): Promise<void> {
    await Promise.all([...new Set(deploymentIds)].map((id) => this.rollUp(id)));
  }

  private async once(deploymentId: number): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [deployment]: { status: DeployStatus; request_id: number | null; action: number }[] =
        await manager.query(
          `SELECT d.status, d.request_id, r.action
             FROM deployments d JOIN deploy_requests r ON r.id = d.request_id
            WHERE d.id = $1 FOR UPDATE OF d`,
          [deploymentId],
        );
      if (!deployment) return;
      const [tally]: PlacementTally[] = await manager.query(
        `SELECT count(*) FILTER (WHERE NOT removing)::int AS total,
                count(*) FILTER (WHERE NOT removing AND status = $2)::int AS running,
                count(*) FILTER (WHERE status = ANY($3))::int AS open,
                count(*) FILTER (WHERE rollout_deadline_at IS NOT NULL OR status = ANY($4))::int AS answered
           FROM placements WHERE deployment_id = $1`,
        [
          deploymentId,
          PlacementStatus.Running,
          OPEN_PLACEMENT_STATUSES,
          [PlacementStatus.Applied, PlacementStatus.Running, PlacementStatus.Failed],
        ],
      );
      const next = rolledUpStatus(deployment.status, deployment.action, tally);
      if (next === null) return;
      await manager.query(
        `UPDATE deployments SET status = $4, update_time = now()
          WHERE id = $1 AND request_id = $2 AND status = $3 AND status = ANY($5)`,
        [deploymentId, deployment.request_id, deployment.status, next, predecessorsOf(next)],
      );
    });
  }
}
