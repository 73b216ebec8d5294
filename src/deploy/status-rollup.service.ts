import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DeployStatus, PlacementTally, predecessorsOf, rolledUpStatus } from './deployment-status';
import { OPEN_PLACEMENT_STATUSES, PlacementStatus } from './placement-status';

/** How long an idle deployment's roll-up waits for more callers to share it. */
const COALESCE_MS = 50;

/** A deployment's roll-ups in this process: the one running (and when it started), the one queued behind it. */
interface RollUpQueue {
  running: Promise<void> | null;
  queued: Promise<void> | null;
  startedAt: number;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * A deployment's status is rolled up from its placements (SPEC §6/§7; its `errorMessage` is summed
 * from them when it is read, so it always agrees with the clusters listed): counted in SQL under the
 * deployment's row lock, so that of two roll-ups the later one sees every placement
 * write the earlier one saw, and written as a compare-and-set on the status and request read.
 *
 * Roll-ups of one deployment asked for in this process while one runs, or within COALESCE_MS of the
 * first, are coalesced into one run, so a fan-out over a thousand clusters costs a few dozen roll-ups,
 * not a thousand.
 */
@Injectable()
export class StatusRollup {
  private readonly rollUps = new Map<number, RollUpQueue>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Resolves once a roll-up that started after this call has finished: the one queued behind a
   * running roll-up, which starts once that one has finished and COALESCE_MS after it started, or,
   * when none runs, one that starts COALESCE_MS from now; either is shared by every caller that
   * arrives before it starts. A fan-out's jobs finish a few milliseconds apart, so without the wait
   * nearly every one of them would pay a roll-up (five statements) of its own: while jobs keep
   * finishing, a queued roll-up that started as soon as the running one ended would run back to back.
   */
  rollUp(deploymentId: number): Promise<void> {
    let entry = this.rollUps.get(deploymentId);
    if (!entry) {
      entry = { running: null, queued: null, startedAt: 0 };
      this.rollUps.set(deploymentId, entry);
    }
    if (entry.queued) return entry.queued;
    const queue = entry;
    const after = queue.running
      ? Promise.all([
          queue.running.catch(() => undefined),
          delay(COALESCE_MS - (Date.now() - queue.startedAt)),
        ])
      : delay(COALESCE_MS);
    queue.queued = after.then(() => {
      queue.queued = null;
      return this.run(deploymentId, queue);
    });
    return queue.queued;
  }

  private run(deploymentId: number, entry: RollUpQueue): Promise<void> {
    entry.startedAt = Date.now();
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
