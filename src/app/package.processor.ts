import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig, runsWorkers } from '../config/app-config';
import { JobHandler } from '../queue/job-handler.decorator';
import { JobQueueService } from '../queue/job-queue.service';
import { JobName, JobPayloads } from '../queue/jobs';
import { AppEntity } from './app.entity';
import { verdictForImage } from './app-rules';
import { PackageStatus } from './app-version';

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
    const verdict = verdictForImage(app.image);
    await this.apps.update(
      { id: appId, status: PackageStatus.Verifying },
      { status: verdict.status, statusDetail: verdict.detail },
    );
  }
}
