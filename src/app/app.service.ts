import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, Repository, SelectQueryBuilder } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { BusinessService } from '../business/business.service';
import { businessScope, Principal } from '../common/auth/principal';
import { conflict, forbidden, invalid, notFound } from '../common/errors';
import { Paged, toPage } from '../common/paging';
import { hostPathRules } from '../common/pod-policy';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { EventBus } from '../events/event-bus';
import { JobQueueService } from '../queue/job-queue.service';
import { JobName } from '../queue/jobs';
import { AppEntity } from './app.entity';
import { duplicateProblems, resolveScaling, scalingProblems, volumeProblems } from './app-rules';
import { AppVersion, PackageStatus, SEVERITY_LEVELS } from './app-version';
import { PACKAGE_STATES, packageStateDetails } from './package-state';
import { AppView, toAppVersion, toAppView } from './app-view';
import { AppListQuery, CreateAppDto } from './dto';
import { escapeLike } from '../common/list-query';

/** A chart application version as the chart module hands it over: its stored chart and the images it runs. */
export interface ChartAppInput {
  appName: string;
  version: string;
  chartId: number;
  images: string[];
}

@Injectable()
export class AppService {
  private readonly logger = new Logger(AppService.name);

  constructor(
    @InjectRepository(AppEntity) private readonly apps: Repository<AppEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly businesses: BusinessService,
    private readonly jobs: JobQueueService,
    private readonly events: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** SPEC §5: only an available package is deployed; otherwise 409 naming its state and what the verifier said. */
  async deployableVersion(businessId: number, appName: string, version: string): Promise<AppVersion> {
    const app = await this.apps.findOneBy({ businessId, appName, version });
    if (!app) throw notFound(`application ${appName} version ${version}`);
    if (app.status !== PackageStatus.Available) {
      const [first] = packageStateDetails(app.status, app.statusDetail);
      throw conflict(
        `application ${appName} version ${version} is not available: its package is ${PACKAGE_STATES[app.status]}${first ? ` (${first.detail})` : ''}`,
      );
    }
    return toAppVersion(app);
  }

  /** Unscoped: callers apply the business scope themselves. */
  async findById(id: number): Promise<AppVersion | null> {
    const app = await this.apps.findOneBy({ id });
    return app && toAppVersion(app);
  }

  /** Several versions in one statement (those that still exist). */
  async findByIds(ids: number[]): Promise<AppVersion[]> {
    if (ids.length === 0) return [];
    return (await this.apps.findBy({ id: In([...new Set(ids)]) })).map(toAppVersion);
  }

  /** Creates a version in the caller's business, `verifying` until the package worker has decided. */
  async create(principal: Principal, dto: CreateAppDto): Promise<void> {
    const businessId = this.ownBusiness(principal);
    const scaling = resolveScaling(dto);
    const problems = [
      ...scalingProblems(dto, scaling),
      ...duplicateProblems(dto),
      ...volumeProblems(dto.volume ?? [], hostPathRules(this.config)),
    ];
    if (problems.length > 0) throw invalid(problems.join('; '));
    await this.refuseDuplicate(businessId, dto.appName, dto.version);
    await this.recordForVerification({
      businessId,
      appName: dto.appName,
      version: dto.version,
      deployType: dto.deployType,
      image: dto.image,
      repositoryId: dto.repositoryId || null,
      ...scaling,
      port: dto.port.map(({ port, hostPort }) => (hostPort == null ? { port } : { port, hostPort })),
      command: dto.command ?? '',
      volume: (dto.volume ?? []).map(({ path, hostPath, readOnly }) => ({
        path,
        hostPath,
        readOnly: readOnly ?? false,
      })),
      env: (dto.env ?? []).map(({ name, value }) => ({ name, value })),
      minCPU: dto.minCPU,
      maxCPU: dto.maxCPU,
      GPU: dto.GPU ?? 0,
      isHPA: dto.isHPA,
      targetCPUUtilization: dto.targetCPUUtilization,
      targetMemUtilization: dto.targetMemUtilization,
      minMemory: dto.minMemory,
      maxMemory: dto.maxMemory,
      maxUnavailable: dto.maxUnavailable,
      maxSurge: dto.maxSurge,
      minReadySeconds: dto.minReadySeconds,
      severityLevel: SEVERITY_LEVELS.indexOf(dto.severityLevel ?? 'recommended'),
      createdBy: principal.userId,
    });
  }

  /**
   * Records a chart application version (SPEC §5). The chart module has already unpacked and rendered
   * the chart and stored it; the package worker then verifies the images it runs, as for any version.
   */
  async createChart(principal: Principal, chart: ChartAppInput): Promise<void> {
    const businessId = this.ownBusiness(principal);
    await this.refuseDuplicate(businessId, chart.appName, chart.version);
    await this.recordForVerification({
      businessId,
      appName: chart.appName,
      version: chart.version,
      deployType: 'chart',
      image: chart.images.join(','),
      repositoryId: null,
      replicas: 0,
      port: [],
      command: '',
      volume: [],
      env: [],
      minReplicas: 0,
      maxReplicas: 0,
      minCPU: 0,
      maxCPU: 0,
      GPU: 0,
      isHPA: false,
      targetCPUUtilization: 0,
      targetMemUtilization: 0,
      minMemory: 0,
      maxMemory: 0,
      maxUnavailable: 0,
      maxSurge: 0,
      minReadySeconds: 0,
      chartId: chart.chartId,
      createdBy: principal.userId,
    });
  }

  /** Inserts a version as `verifying` and asks the package worker to decide it. */
  private async recordForVerification(
    version: Omit<QueryDeepPartialEntity<AppEntity>, 'status' | 'statusDetail'>,
  ): Promise<void> {
    const result = await this.apps.insert({
      ...version,
      status: PackageStatus.Verifying,
      statusDetail: 'waiting for verification',
    });
    const appId = result.identifiers[0].id as number;
    try {
      await this.jobs.enqueue(JobName.PackageVerify, { appId });
    } catch (error) {
      // The version exists; the package worker's start-up repair enqueues what was lost here.
      this.logger.warn(`could not enqueue verification of application ${appId}: ${(error as Error).message}`);
    }
  }

  /** 409 when the business already has this application version. */
  async refuseDuplicate(businessId: number, appName: string, version: string): Promise<void> {
    if (await this.apps.existsBy({ businessId, appName, version })) {
      throw conflict(`application ${appName} version ${version} already exists`);
    }
  }

  async list(principal: Principal, query: AppListQuery): Promise<Paged<AppView>> {
    const builder = this.scoped(principal);
    if (query.appName !== undefined) {
      if (query.appNameMode === 'strict') builder.andWhere('a.app_name = :name', { name: query.appName });
      else {
        const pattern =
          query.appNameMode === 'prefix' ? `${escapeLike(query.appName)}%` : `%${escapeLike(query.appName)}%`;
        builder.andWhere("a.app_name ILIKE :pattern ESCAPE '\\'", { pattern });
      }
    }
    if (query.version !== undefined) builder.andWhere('a.version = :version', { version: query.version });
    const { skip, take } = toPage(query);
    const [rows, total] = await builder
      .orderBy('a.id', query.order === 'desc' ? 'DESC' : 'ASC')
      .skip(skip)
      .take(take)
      .getManyAndCount();
    return { data: await this.views(rows), total };
  }

  async get(principal: Principal, id: number): Promise<AppView> {
    const app = await this.scoped(principal).andWhere('a.id = :id', { id }).getOne();
    if (!app) throw notFound(`application ${id}`);
    return (await this.views([app]))[0];
  }

  /** All or nothing: every id must be one of the caller's business, and no check may object. */
  async remove(principal: Principal, ids: number[]): Promise<void> {
    const businessId = this.ownBusiness(principal);
    const wanted = [...new Set(ids)];
    await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(AppEntity);
      const found = await repository.find({
        where: { id: In(wanted), businessId },
        order: { id: 'ASC' },
        lock: { mode: 'pessimistic_write' },
      });
      const missing = wanted.filter((id) => !found.some((app) => app.id === id));
      if (missing.length > 0) throw notFound(`application ${missing.join(', ')}`);
      const versions = found.map(toAppVersion);
      // Inside the deleting transaction: the deploy module refuses versions that deployments use.
      await this.events.emit('app.deletion-checking', { apps: versions });
      await repository.delete({ id: In(wanted) });
    });
  }

  /** The business a member works in; a system administrator has none to create or delete in. */
  ownBusiness(principal: Principal): number {
    const scope = businessScope(principal);
    if (typeof scope !== 'number') throw forbidden('only members of a business manage its applications');
    return scope;
  }

  private scoped(principal: Principal): SelectQueryBuilder<AppEntity> {
    const builder = this.apps.createQueryBuilder('a');
    const scope = businessScope(principal);
    if (scope !== 'all') builder.where('a.business_id = :businessId', { businessId: scope ?? -1 });
    return builder;
  }

  /** `projectName` is the business name, asked of the business module once per page. */
  private async views(rows: AppEntity[]): Promise<AppView[]> {
    const names = await this.businesses.namesByIds([...new Set(rows.map((row) => row.businessId))]);
    return rows.map((row) => toAppView(row, names.get(row.businessId) ?? ''));
  }
}
