import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, runsWorkers } from '../config/app-config';

/**
 * How often a worker process records that the platform is up: a fifth of the rollout timeout, between
 * 250 ms and 10 s, so that an outage shorter than a rollout is still seen.
 */
export const heartbeatPeriodMs = ({ deployTimeoutSeconds }: Pick<AppConfig, 'deployTimeoutSeconds'>) =>
  Math.min(10_000, Math.max(250, deployTimeoutSeconds * 200));

/**
 * SPEC §7: time the platform itself was down does not count against a rollout. Every worker process
 * records a beat in the one-row platform_heartbeat table, once before its workers take a job and then
 * every period. A beat that finds the previous one more than two periods old follows an outage (every
 * worker down, or PostgreSQL out of reach): in the same transaction, every rollout deadline that had
 * not passed when the platform was last seen moves later by the gap. The row lock makes this happen
 * once per outage, whichever replica beats first; the others then find a fresh beat. The deadline job
 * and the pod observer read the stored deadline, so they follow.
 */
@Injectable()
export class PlatformHeartbeat implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PlatformHeartbeat.name);
  private readonly periodMs: number;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.periodMs = heartbeatPeriodMs(config);
  }

  /** Module init comes before any application bootstrap, so before WorkerRunner starts this process's workers. */
  async onModuleInit(): Promise<void> {
    if (!runsWorkers(this.config)) return;
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((error: Error) => this.logger.warn(`heartbeat: ${error.message}`));
    }, this.periodMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Records a beat; returns the outage credited to the rollout deadlines in milliseconds (0: none). */
  async beat(): Promise<number> {
    const credited = await this.dataSource.transaction(async (manager) => {
      const [last]: { since: string; gap: string; gap_ms: number }[] = await manager.query(
        `SELECT beat_at::text AS since, (clock_timestamp() - beat_at)::text AS gap,
                (extract(epoch FROM clock_timestamp() - beat_at) * 1000)::float8 AS gap_ms
           FROM platform_heartbeat FOR UPDATE`,
      );
      await manager.query(`UPDATE platform_heartbeat SET beat_at = greatest(beat_at, clock_timestamp())`);
      if (!last || last.gap_ms <= 2 * this.periodMs) return 0;
      await manager.query(
        `UPDATE placements SET rollout_deadline_at = rollout_deadline_at + $1::interval
          WHERE rollout_deadline_at > $2::timestamptz`,
        [last.gap, last.since],
      );
      return last.gap_ms;
    });
    if (credited > 0)
      this.logger.warn(
        `no heartbeat for ${Math.round(credited / 1000)} s: rollout deadlines moved later by as much`,
      );
    return credited;
  }
}
