import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ClusterService } from '../cluster/cluster.service';
import { DeploymentStats } from '../deploy/deployment-stats.service';
import { JobQueueService } from '../queue/job-queue.service';
import { ALL_QUEUES } from '../queue/jobs';
import { Metrics } from './metrics';

/** Completed jobs are removed as they finish, so their count says nothing; the rest is the backlog. */
const QUEUE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'waiting-children', 'failed'] as const;

/** The gauges read on each scrape from Redis and PostgreSQL: queue depth, cluster readiness, deployments. */
@Injectable()
export class MetricsCollectors implements OnModuleInit {
  private readonly logger = new Logger(MetricsCollectors.name);

  constructor(
    private readonly metrics: Metrics,
    private readonly jobs: JobQueueService,
    private readonly clusters: ClusterService,
    private readonly deployments: DeploymentStats,
  ) {}

  onModuleInit(): void {
    const warn = (what: string) => (error: unknown) =>
      this.logger.warn(`${what} left out of the scrape: ${error instanceof Error ? error.message : error}`);
    this.metrics.gaugeOnScrape(
      'ote_queue_jobs',
      'Jobs in each BullMQ queue by state',
      ['queue', 'state'],
      () => this.queueDepths(),
      warn('queue depths'),
    );
    this.metrics.gaugeOnScrape(
      'ote_cluster_ready',
      'Whether each registered cluster answered its last sync in time (1) or not (0)',
      ['cluster'],
      async () =>
        (await this.clusters.readiness()).map(({ clusterName, isReady }) => ({
          labels: { cluster: clusterName },
          value: isReady ? 1 : 0,
        })),
      warn('cluster readiness'),
    );
    this.metrics.gaugeOnScrape(
      'ote_deployments',
      'Deployments by status',
      ['status'],
      async () =>
        [...(await this.deployments.countByStatus())].map(([status, count]) => ({
          labels: { status },
          value: count,
        })),
      warn('deployments by status'),
    );
  }

  private async queueDepths() {
    const perQueue = await Promise.all(
      ALL_QUEUES.map(async (queue) => {
        const counts = await this.jobs.queue(queue).getJobCounts(...QUEUE_STATES);
        return QUEUE_STATES.map((state) => ({ labels: { queue, state }, value: counts[state] ?? 0 }));
      }),
    );
    return perQueue.flat();
  }
}
