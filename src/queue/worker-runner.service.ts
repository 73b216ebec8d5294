import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig, runsWorkers } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { closeConnection, redisConnection } from '../redis/redis.module';
import { JOB_HANDLER } from './job-handler.decorator';
import { JobQueueService } from './job-queue.service';
import { ALL_QUEUES, JobName, JOBS, QUEUE_CONCURRENCY, QueueName, RepeatingJobName } from './jobs';

type Handler = (payload: unknown, job: Job) => Promise<unknown>;

/**
 * Finds every @JobHandler at start-up, checks that each registered job has exactly one, and, when
 * PROCESS_ROLE runs workers, starts one BullMQ worker per queue that dispatches by job name.
 */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerRunner.name);
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly jobs: JobQueueService,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const handlers = this.discoverHandlers();
    if (!runsWorkers(this.config)) return;
    for (const queue of ALL_QUEUES) this.workers.push(this.startWorker(queue, handlers));
    this.logger.log(`workers started for queues: ${ALL_QUEUES.join(', ')}`);
    for (const [name, everyMs] of repeatingJobs(this.config)) await this.jobs.schedule(name, everyMs);
  }

  /** Lets running jobs finish before the process exits, so no cluster is left half-applied. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
    await this.disconnect();
  }

  /** A connection handed to a BullMQ worker stays ours to close. */
  private async disconnect(): Promise<void> {
    await Promise.all(this.connections.map(closeConnection));
    this.connections.length = 0;
  }

  private startWorker(queue: QueueName, handlers: Map<JobName, Handler>): Worker {
    const connection = redisConnection(this.config);
    this.connections.push(connection);
    const worker = new Worker(
      queue,
      async (job) => {
        const handler = handlers.get(job.name as JobName);
        if (!handler) throw new Error(`no handler for job ${job.name}`);
        return handler(job.data, job);
      },
      {
        connection,
        prefix: this.jobs.bullPrefix,
        concurrency: QUEUE_CONCURRENCY[queue],
        lockDuration: this.config.jobLockSeconds * 1000,
        stalledInterval: this.config.jobLockSeconds * 1000,
        // A job abandoned by a killed worker is picked up again rather than failed.
        maxStalledCount: 10,
      },
    );
    worker.on('completed', (job) => this.metrics.countJob(job.name, 'completed'));
    worker.on('failed', (job, error) => {
      // BullMQ stamps finishedOn only when no attempt is left; otherwise the job waits for its retry.
      if (job) this.metrics.countJob(job.name, job.finishedOn ? 'failed' : 'retried');
      this.logger.warn(`${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${error.message}`);
    });
    worker.on('error', (error) => this.logger.error(`worker ${queue}: ${error.message}`));
    return worker;
  }

  private discoverHandlers(): Map<JobName, Handler> {
    const handlers = new Map<JobName, Handler>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const name = this.reflector.get<JobName | undefined>(JOB_HANDLER, prototype[method]);
        if (!name) continue;
        if (handlers.has(name)) throw new Error(`job ${name} has more than one handler`);
        handlers.set(name, (instance[method] as Handler).bind(instance));
      }
    }
    const missing = (Object.keys(JOBS) as JobName[]).filter((name) => !handlers.has(name));
    if (missing.length > 0) throw new Error(`jobs without a handler: ${missing.join(', ')}`);
    return handlers;
  }
}

/** The repeating jobs (the cluster sync, the repairs) and how often each runs, from the registry. */
function repeatingJobs(config: AppConfig): [RepeatingJobName, number][] {
  return (Object.keys(JOBS) as JobName[]).flatMap((name) => {
    const everyMs = (JOBS[name] as { everyMs?: (config: AppConfig) => number }).everyMs;
    return everyMs ? [[name as RepeatingJobName, everyMs(config)]] : [];
  });
}
