import { createHash } from 'node:crypto';
import type { JsonObject } from '../common/json';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { KubernetesObject, V1PodSpec } from '@kubernetes/client-node';
import { Repository } from 'typeorm';
import { AppService } from '../app/app.service';
import { AppVersion } from '../app/app-version';
import { businessNamespace } from '../cluster/cluster.service';
import { Principal } from '../common/auth/principal';
import { invalid } from '../common/errors';
import { hostPathRules } from '../common/pod-policy';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ChartArchiveError, ChartMetadata } from './chart-archive';
import { ChartEntity } from './chart.entity';
import { UploadChartDto } from './dto';
import { ChartRenderError, renderChart } from './helm-renderer';
import { adoptObjects, objectPolicyProblems, podTemplates } from './object-policy';

/** Where a chart is rendered for: the release (a deployment's name) in a business's namespace. */
export interface ChartTarget {
  releaseName: string;
  namespace: string;
  values: JsonObject;
  /** Labels every rendered object and pod template gets, so the platform finds them again. */
  labels: Record<string, string>;
}

/** The release name the upload check renders with; real releases are named after their deployment. */
const UPLOAD_CHECK_RELEASE = 'upload-check';

/** Chart applications: upload (checked, stored with its digest) and rendering for a deployment. */
@Injectable()
export class ChartService {
  constructor(
    @InjectRepository(ChartEntity) private readonly charts: Repository<ChartEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apps: AppService,
  ) {}

  /**
   * `POST /v1/app/chart`: the archive must unpack, render with its default values and pass SPEC §12
   * as rendered into the business's namespace; then it is stored and becomes an available version.
   */
  async upload(principal: Principal, dto: UploadChartDto, archive: Buffer | undefined): Promise<void> {
    const businessId = this.apps.ownBusiness(principal);
    if (!archive || archive.length === 0) throw invalid('chart must be a file (.tgz)');
    await this.apps.refuseDuplicate(businessId, dto.appName, dto.version);
    const { chart, objects } = await this.refusingAsInvalid(() =>
      this.render(archive, {
        releaseName: UPLOAD_CHECK_RELEASE,
        namespace: businessNamespace(businessId),
        values: {},
        labels: {},
      }),
    );
    if (objects.length === 0) throw invalid('chart renders no objects with its default values');
    const chartId = await this.store(businessId, chart, archive);
    await this.apps.createChart(principal, {
      appName: dto.appName,
      version: dto.version,
      chartId,
      images: imagesOf(objects),
    });
  }

  /** The objects a chart application version becomes for one release; ChartArchiveError when refused. */
  async objectsFor(app: AppVersion, target: ChartTarget): Promise<KubernetesObject[]> {
    const archive = await this.archiveOf(app);
    return (await this.render(archive, target)).objects;
  }

  /** Chart.yaml's name and version of a chart application version. */
  async metadataOf(app: AppVersion): Promise<ChartMetadata> {
    const chart = await this.charts.findOneByOrFail({ id: this.chartIdOf(app) });
    return { name: chart.name, version: chart.version };
  }

  private async render(
    archive: Buffer,
    target: ChartTarget,
  ): Promise<{ chart: ChartMetadata; objects: KubernetesObject[] }> {
    const rendered = await renderChart(this.config.helmBin, archive, {
      name: target.releaseName,
      namespace: target.namespace,
      values: target.values,
    });
    const objects = adoptObjects(rendered.objects, target.namespace, target.labels);
    const problems = objectPolicyProblems(objects, target.namespace, hostPathRules(this.config));
    if (problems.length > 0) throw new ChartRenderError(`chart is refused: ${problems.join('; ')}`);
    return { chart: rendered.chart, objects };
  }

  private async refusingAsInvalid<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ChartArchiveError) throw invalid(error.message);
      throw error;
    }
  }

  /** One row per business and content: uploading the same archive again reuses it. */
  private async store(businessId: number, chart: ChartMetadata, archive: Buffer): Promise<number> {
    const digest = createHash('sha256').update(archive).digest('hex');
    await this.charts
      .createQueryBuilder()
      .insert()
      .values({
        businessId,
        digest,
        name: chart.name,
        version: chart.version,
        size: archive.length,
        content: archive,
      })
      .orIgnore()
      .execute();
    return (await this.charts.findOneByOrFail({ businessId, digest })).id;
  }

  private async archiveOf(app: AppVersion): Promise<Buffer> {
    const row = await this.charts
      .createQueryBuilder('c')
      .addSelect('c.content')
      .where('c.id = :id', { id: this.chartIdOf(app) })
      .getOneOrFail();
    return row.content;
  }

  private chartIdOf(app: AppVersion): number {
    if (app.chartId === null) throw new Error(`application version ${app.id} has no chart`);
    return app.chartId;
  }
}

/** The images the chart runs, for the application list's `image`. */
function imagesOf(objects: KubernetesObject[]): string[] {
  const specs = objects.flatMap(podTemplates).map((template) => (template.spec ?? {}) as V1PodSpec);
  const images = specs.flatMap((spec) => [...(spec.initContainers ?? []), ...(spec.containers ?? [])]);
  return [...new Set(images.map((container) => container.image).filter((image): image is string => !!image))];
}
