import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { closeConnection, redisConnection } from '../redis/redis.module';
import { ALL_QUEUES, bullPrefix, JobName, JobPayloads, JOBS, QueueName, RepeatingJobName } from './jobs';

/** Enqueues jobs with the options the registry gives them; the only producer API other modules use. */
@Injectable()
export class JobQueueService implements OnApplicationShutdown {
  private readonly logger = new Logger(JobQueueService.name);
  private readonly connection: Redis;
  private readonly queues: Map<QueueName, Queue>;

  /** The repeating jobs this process installed, by name: how to install each again. */
  private readonly schedules = new Map<JobName, () => Promise<void>>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.connection = redisConnection(config);
    this.queues = new Map(ALL_QUEUES.map((name) => [name, this.openQueue(name)]));
    // A Redis that comes back without its data (restarted without persistence, or failed over to an
    // empty replica) has forgotten the schedulers, and with them the repair and the cluster sync that
    // re-enqueue the lost jobs from PostgreSQL: install them again on every reconnection (idempotent).
    this.connection.on('ready', () => {
      for (const [name, install] of this.schedules) {
        install().catch((error: Error) => this.logger.warn(`scheduling ${name} again: ${error.message}`));
      }
    });
  }

  get bullPrefix(): string {
    return bullPrefix(this.config);
  }

  /** `delayMs`, when given, replaces the delay the registry gives the job (a deadline's own time). */
  async enqueue<K extends JobName>(name: K, payload: JobPayloads[K], delayMs?: number): Promise<void> {
    const definition = JOBS[name];
    const options = definition.options(payload);
    await this.queue(definition.queue).add(name, payload, { ...options, delay: delayMs ?? options.delay });
  }

  async enqueueMany<K extends JobName>(name: K, payloads: JobPayloads[K][]): Promise<void> {
    if (payloads.length === 0) return;
    const definition = JOBS[name];
    await this.queue(definition.queue).addBulk(
      payloads.map((payload) => ({ name, data: payload, opts: definition.options(payload) })),
    );
  }

  /** Installs (or moves) a repeating job's scheduler; its id (the job's name) makes this idempotent across replicas. */
  async schedule(name: RepeatingJobName, everyMs: number): Promise<void> {
    const definition = JOBS[name];
    const install = async () => {
      await this.queue(definition.queue).upsertJobScheduler(
        name,
        { every: everyMs },
        { name, data: {}, opts: definition.options({}) },
      );
    };
    this.schedules.set(name, install);
    await install();
  }

  queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`unknown queue ${name}`);
    return queue;
  }

  /** Connection errors go to the log; without a listener BullMQ prints them to the console itself. */
  private openQueue(name: QueueName): Queue {
    const queue = new Queue(name, { connection: this.connection, prefix: this.bullPrefix });
    queue.on('error', (error) => this.logger.warn(`queue ${name}: ${error.message}`));
    return queue;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    await closeConnection(this.connection);
  }
}
