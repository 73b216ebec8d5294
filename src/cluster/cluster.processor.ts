import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { KubeError } from '../kube/kube-error';
import { JobHandler } from '../queue/job-handler.decorator';
import { JobQueueService } from '../queue/job-queue.service';
import { JobName, JobPayloads } from '../queue/jobs';
import { ClusterService } from './cluster.service';

/** Cluster side effects: node syncs and business namespaces. Every handler is safe to run again. */
@Injectable()
export class ClusterProcessor {
  constructor(
    private readonly clusters: ClusterService,
    private readonly jobs: JobQueueService,
  ) {}

  @JobHandler(JobName.ClusterSyncAll)
  async syncAll(): Promise<void> {
    const clusterIds = await this.clusters.allIds();
    await this.jobs.enqueueMany(
      JobName.ClusterSync,
      clusterIds.map((clusterId) => ({ clusterId })),
    );
  }

  @JobHandler(JobName.ClusterSync)
  sync({ clusterId }: JobPayloads[JobName.ClusterSync]): Promise<void> {
    return this.clusters.sync(clusterId);
  }

  /** Retried with back-off while the cluster is unreachable; a refusal that retrying cannot fix is final. */
  @JobHandler(JobName.NamespaceEnsure)
  async ensureNamespace({ businessId, clusterId }: JobPayloads[JobName.NamespaceEnsure]): Promise<void> {
    try {
      await this.clusters.ensureNamespace(businessId, clusterId);
    } catch (error) {
      if (error instanceof KubeError && !error.transient) throw new UnrecoverableError(error.message);
      throw error;
    }
  }
}
