import { Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Like, Repository } from 'typeorm';
import { escapeLike } from '../common/list-query';
import { APP_CONFIG, AppConfig, runsWorkers } from '../config/app-config';
import { JobHandler } from '../queue/job-handler.decorator';
import { JobQueueService } from '../queue/job-queue.service';
import { JobName, JobPayloads } from '../queue/jobs';
import { RegistryService } from '../registry/registry.service';
import { AppEntity } from './app.entity';
import {
  appImages,
  ImageVerdict,
  ManagedImage,
  managedImage,
  PackageVerdict,
  verdictForChart,
  verdictForImage,
  verdictForManagedImage,
} from './app-rules';
import { PackageStatus } from './app-version';
import { canMovePackage, PACKAGE_STATES } from './package-state';

/** Decides each new application version's package state (SPEC §5). Safe to run again. */
@Injectable()
export class PackageProcessor implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(AppEntity) private readonly apps: Repository<AppEntity>,
    private readonly jobs: JobQueueService,
    private readonly registry: RegistryService,
  ) {}

  onModuleInit(): void {
    this.registry.onImagesRemoved((repositories) => this.reverify(repositories));
  }

  /** Repairs what an enqueue lost (a crash or an unreachable Redis right after a create commits). */
  async onApplicationBootstrap(): Promise<void> {
    if (!runsWorkers(this.config)) return;
    const waiting = await this.apps.find({
      select: { id: true },
      where: { status: PackageStatus.Verifying },
    });
    await this.jobs.enqueueMany(
      JobName.PackageVerify,
      waiting.map((app) => ({ appId: app.id })),
    );
  }

  /**
   * Only a version still `verifying` is decided, and only once: a repeated job changes nothing. An
   * unreachable registry throws, so the job is retried.
   */
  @JobHandler(JobName.PackageVerify)
  async verify({ appId }: JobPayloads[JobName.PackageVerify]): Promise<void> {
    const app = await this.apps.findOneBy({ id: appId });
    if (!app || app.status !== PackageStatus.Verifying) return;
    const images = await Promise.all(appImages(app).map((image) => this.verdictFor(app.businessId, image)));
    if (app.deployType !== 'chart') {
      await this.moveState(appId, PackageStatus.Verifying, images[0], {
        imageDigest: images[0].imageDigest ?? null,
      });
      return;
    }
    await this.moveState(appId, PackageStatus.Verifying, verdictForChart(images), {
      imageDigests: images.map((image) => image.imageDigest ?? null),
    });
  }

  private async verdictFor(businessId: number, image: string): Promise<ImageVerdict> {
    const managed = managedImage(image, this.registry.registryHost());
    return managed
      ? verdictForManagedImage(managed, await this.managedDigest(businessId, managed))
      : verdictForImage(image);
  }

  /**
   * The digest of an image in the platform's registry as the app's business sees it: the platform's own
   * credentials read any project, so an image the business may not pull (another business's private
   * project) is treated as missing — nothing tells it apart from an image that does not exist.
   */
  private async managedDigest(businessId: number, image: ManagedImage): Promise<string | null> {
    if (!(await this.registry.mayPull(businessId, image.repository))) return null;
    return this.registry.digestOf(image.repository, image.reference);
  }

  /** Available versions (workloads and charts) with an image in a repository that lost tags are verified again. */
  private async reverify(repositories: string[]): Promise<void> {
    const host = this.registry.registryHost();
    if (!host) return;
    const candidates = await this.apps.find({
      select: { id: true, image: true, deployType: true },
      where: { status: PackageStatus.Available, image: Like(`%${escapeLike(host)}/%`) },
    });
    const affected = candidates
      .filter((app) =>
        appImages(app).some((image) => repositories.includes(managedImage(image, host)?.repository ?? '')),
      )
      .map((app) => app.id);
    if (affected.length === 0) return;
    await this.apps.update(
      { id: In(affected), status: PackageStatus.Available },
      { status: PackageStatus.Verifying, statusDetail: 'its image changed in the registry: verifying again' },
    );
    await this.jobs.enqueueMany(
      JobName.PackageVerify,
      affected.map((appId) => ({ appId })),
    );
  }

  /**
   * Records a package's move and what the verifier said about it (seed 004 `packageStateDetails`), only
   * along the permitted transitions and compare-and-set on the state it moves from, so that a racing
   * verifier's decision is never overwritten. `update_time` (`modificationTimestamp`) moves with it.
   */
  private async moveState(
    appId: number,
    from: PackageStatus,
    verdict: PackageVerdict,
    digests: Pick<AppEntity, 'imageDigest'> | Pick<AppEntity, 'imageDigests'>,
  ): Promise<void> {
    if (!canMovePackage(from, verdict.status))
      throw new Error(
        `package ${appId} cannot move from ${PACKAGE_STATES[from]} to ${PACKAGE_STATES[verdict.status]}`,
      );
    await this.apps.update(
      { id: appId, status: from },
      { status: verdict.status, statusDetail: verdict.detail, ...digests },
    );
  }
}
