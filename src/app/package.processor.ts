import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig, runsWorkers } from '../config/app-config';
import { JobHandler } from '../queue/job-handler.decorator';
import { JobQueueService } from '../queue/job-queue.service';
import { JobName, JobPayloads } from '../queue/jobs';
import { AppEntity } from './app.entity';
import { PackageVerdict, verdictForImage } from './app-rules';
import { PackageStatus } from './app-version';
import { canMovePackage, PACKAGE_STATES } from './package-state';

/** Decides each new application version's package state (SPEC §5). Safe to run again. */
@Injectable()
export class PackageProcessor implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(AppEntity) private readonly apps: Repository<AppEntity>,
    private readonly jobs: JobQueueService,
  ) {}

  /** Repairs what an enqueue lost (a crash or an unreachable Redis right after a create commits). */
  async onApplicationBootstrap(): Promise<void> {
    if (!runsWorkers(this.config)) return;
    const waiting = await this.apps.find({
      select: { id: true },
      where: { status: PackageStatus.Verifying, deployType: Not('chart') },
    });
    await this.jobs.enqueueMany(
      JobName.PackageVerify,
      waiting.map((app) => ({ appId: app.id })),
    );
  }

  /** Only a version still `verifying` is decided, and only once: a repeated job changes nothing. */
  @JobHandler(JobName.PackageVerify)
  async verify({ appId }: JobPayloads[JobName.PackageVerify]): Promise<void> {
    const app = await this.apps.findOneBy({ id: appId });
    if (!app || app.status !== PackageStatus.Verifying || app.deployType === 'chart') return;
    await this.moveState(appId, PackageStatus.Verifying, verdictForImage(app.image));
  }

  /**
   * Records a package's move and what the verifier said about it (seed 004 `packageStateDetails`), only
   * along the permitted transitions and compare-and-set on the state it moves from, so that a racing
   * verifier's decision is never overwritten. `update_time` (`modificationTimestamp`) moves with it.
   */
  private async moveState(appId: number, from: PackageStatus, verdict: PackageVerdict): Promise<void> {
    if (!canMovePackage(from, verdict.status))
      throw new Error(
        `package ${appId} cannot move from ${PACKAGE_STATES[from]} to ${PACKAGE_STATES[verdict.status]}`,
      );
    await this.apps.update(
      { id: appId, status: from },
      { status: verdict.status, statusDetail: verdict.detail },
    );
  }
}
