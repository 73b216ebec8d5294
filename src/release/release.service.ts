import { Injectable } from '@nestjs/common';
import type { JsonObject } from '../common/json';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Not, Repository } from 'typeorm';
import { ClusterService } from '../cluster/cluster.service';
import { businessScope, Principal } from '../common/auth/principal';
import { invalid, notFound } from '../common/errors';
import { MAX_ROW_ID } from '../common/id.pipe';
import { ReleaseEntity, ReleaseStatus } from './release.entity';
import { maskSecrets } from './release-values';

/**
 * Which revision: a request's on a cluster, in one generation of the deployment's placement there (the
 * placement applier's opaque token, new whenever the placement gets new work: a cluster that left the
 * targets and rejoined them under the same request runs a new revision).
 */
export interface ReleaseKey {
  requestId: number;
  clusterId: string;
  generation: string;
}

/** What the placement applier knows when a chart deployment's apply starts on one cluster. */
export interface ReleaseStart extends ReleaseKey {
  businessId: number;
  deploymentId: number;
  name: string;
  namespace: string;
  appId: number;
  chartName: string;
  chartVersion: string;
  values: JsonObject;
  rollback: boolean;
}

/** Seed 000 `ReleaseResp`, field for field. */
export interface ReleaseResp {
  chart_name: string;
  chart_public: boolean;
  chart_version: string;
  cluster_id: string;
  cluster_name: string;
  create_at: string;
  description: string;
  name: string;
  namespace: string;
  parameters: string;
  resources: string;
  status: string;
  status_description: string;
  update_at: string;
  values: string;
  version: number;
}

const PENDING: ReleaseStatus[] = ['PENDING_INSTALL', 'PENDING_UPGRADE', 'PENDING_ROLLBACK'];
const GONE: ReleaseStatus[] = ['UNINSTALLING', 'UNINSTALLED'];
const UUID_RULE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The application a `chart_id` filter names: any decimal id (422 for anything else), or null for one no
 * row can have (0, or beyond the id column), which, as any other unknown id, matches no release.
 */
function chartIdFilter(text: string): number | null {
  if (!/^\d+$/.test(text)) throw invalid('chart_id must be the id of a chart application');
  const id = Number(text);
  return id >= 1 && id <= MAX_ROW_ID ? id : null;
}

/** RFC 3339 without fractions, as the seed's `create_at`. */
const rfc3339 = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * SPEC §8: one Helm release per chart deployment and cluster, one revision per request carried out
 * there (per placement generation). The deploy module's placement applier reports each step; every move
 * is a compare-and-set on the status it leaves, so a repeated or late report changes nothing. A new
 * revision ends those before it that never will: one still pending fails as superseded, one being
 * uninstalled is superseded; a deployed one is superseded once the new one is deployed.
 */
@Injectable()
export class ReleaseService {
  constructor(
    @InjectRepository(ReleaseEntity) private readonly releases: Repository<ReleaseEntity>,
    private readonly clusters: ClusterService,
  ) {}

  /** A new revision, pending, for this request on this cluster; a repeated call keeps the first. */
  async begin(start: ReleaseStart): Promise<void> {
    const where = { deploymentId: start.deploymentId, clusterId: start.clusterId };
    const key = { requestId: start.requestId, clusterId: start.clusterId, generation: start.generation };
    if (await this.releases.existsBy(key)) return;
    const latest = await this.releases.findOne({ where, order: { revision: 'DESC' } });
    const installed = latest !== null && latest.status !== 'UNINSTALLED';
    const [status, statusDescription]: [ReleaseStatus, string] = !installed
      ? ['PENDING_INSTALL', 'Initial install underway']
      : start.rollback
        ? ['PENDING_ROLLBACK', `Rollback to ${start.chartVersion} underway`]
        : ['PENDING_UPGRADE', 'Upgrade underway'];
    await this.releases
      .createQueryBuilder()
      .insert()
      .values({
        businessId: start.businessId,
        deploymentId: start.deploymentId,
        clusterId: start.clusterId,
        requestId: start.requestId,
        generation: start.generation,
        name: start.name,
        namespace: start.namespace,
        revision: (latest?.revision ?? 0) + 1,
        status,
        statusDescription,
        appId: start.appId,
        chartName: start.chartName,
        chartVersion: start.chartVersion,
        values: start.values,
      })
      .orIgnore()
      .execute();
    const begun = await this.releases.findOneBy(key);
    if (!begun) return;
    await this.endOthers(begun, ['UNINSTALLING']);
  }

  /**
   * The deployment's other revisions on the cluster that `current` replaces: pending ones, which will
   * never finish, fail as superseded; those in one of `from` are superseded.
   */
  private async endOthers(current: ReleaseEntity, from: ReleaseStatus[]): Promise<void> {
    const others = { deploymentId: current.deploymentId, clusterId: current.clusterId, id: Not(current.id) };
    const superseded = `Superseded by revision ${current.revision}`;
    await this.releases.update(
      { ...others, status: In(PENDING) },
      { status: 'FAILED', statusDescription: `${superseded} before it finished` },
    );
    await this.releases.update(
      { ...others, status: In(from) },
      { status: 'SUPERSEDED', statusDescription: superseded },
    );
  }

  /** Every object is applied: this revision is the deployed one and the one before it superseded. */
  async deployed(key: ReleaseKey): Promise<void> {
    const release = await this.releases.findOneBy({ ...key, status: In(PENDING) });
    if (!release) return;
    const description =
      release.status === 'PENDING_INSTALL'
        ? 'Install complete'
        : release.status === 'PENDING_ROLLBACK'
          ? `Rollback to ${release.chartVersion} complete`
          : 'Upgrade complete';
    const moved = await this.releases.update(
      { id: release.id, status: release.status },
      { status: 'DEPLOYED', statusDescription: description },
    );
    if (!moved.affected) return;
    await this.endOthers(release, ['DEPLOYED']);
  }

  /** The cluster refused the objects (or the chart refused to render): the reason is the description. */
  async failed(key: ReleaseKey, reason: string): Promise<void> {
    const release = await this.releases.findOneBy({ ...key, status: In(PENDING) });
    if (!release) return;
    await this.releases.update(
      { id: release.id, status: release.status },
      { status: 'FAILED', statusDescription: reason },
    );
  }

  /**
   * The deployment's objects are being removed from the cluster: its latest revision is uninstalling,
   * and one deployed before it is superseded by it.
   */
  async uninstalling(deploymentId: number, clusterId: string): Promise<void> {
    const latest = await this.releases.findOne({
      where: { deploymentId, clusterId },
      order: { revision: 'DESC' },
    });
    if (!latest || GONE.includes(latest.status)) return;
    const moved = await this.releases.update(
      { id: latest.id, status: latest.status },
      { status: 'UNINSTALLING', statusDescription: 'Deletion in progress' },
    );
    if (moved.affected) await this.endOthers(latest, ['DEPLOYED']);
  }

  async uninstalled(deploymentId: number, clusterId: string): Promise<void> {
    await this.releases.update(
      { deploymentId, clusterId, status: 'UNINSTALLING' },
      { status: 'UNINSTALLED', statusDescription: 'Uninstallation complete' },
    );
  }

  /** `GET /cce/cam/v3/clusters/{cluster_id}/releases` (seed 000): the caller's business's releases there. */
  async list(
    principal: Principal,
    clusterId: string,
    filters: { chartId?: string; namespace?: string },
  ): Promise<ReleaseResp[]> {
    const cluster = UUID_RULE.test(clusterId) ? await this.clusters.findById(clusterId) : null;
    if (!cluster) throw notFound(`cluster ${clusterId}`);
    const chartId = filters.chartId === undefined ? undefined : chartIdFilter(filters.chartId);
    if (chartId === null) return [];
    const scope = businessScope(principal);
    const rows = await this.releases.find({
      where: {
        clusterId,
        ...(scope === 'all' ? {} : { businessId: scope ?? -1 }),
        ...(chartId !== undefined ? { appId: chartId } : {}),
        ...(filters.namespace !== undefined ? { namespace: filters.namespace } : {}),
      },
      order: { name: 'ASC', revision: 'DESC' },
    });
    return rows.map((row) => ({
      chart_name: row.chartName,
      chart_public: false,
      chart_version: row.chartVersion,
      cluster_id: cluster.id,
      cluster_name: cluster.name,
      create_at: rfc3339(row.createTime),
      description: row.statusDescription,
      name: row.name,
      namespace: row.namespace,
      parameters: '',
      resources: '',
      status: row.status,
      status_description: row.statusDescription,
      update_at: rfc3339(row.updateTime),
      values: JSON.stringify(maskSecrets(row.values)),
      version: row.revision,
    }));
  }
}
