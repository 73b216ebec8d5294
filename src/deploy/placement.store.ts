import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ClusterEntity } from '../cluster/cluster.entity';
import { preparedQuery } from '../database/prepared-query';
import { AppliedObject, DeploymentEntity, PlacementEntity } from './deploy.entity';
import { canPlacementMove, PlacementStatus, placementPredecessorsOf } from './placement-status';
import type { PodCounts } from './pod-counts';
import { podsReason, SoftwareRecords } from './software-records';

/** The part of a placement a compare-and-set compares: which request and generation it works for, and its status as read. */
export type PlacementKey = Pick<
  PlacementEntity,
  'deploymentId' | 'clusterId' | 'requestId' | 'generation' | 'status'
>;

/** A placement with the parts of its deployment and cluster that its job uses. */
export interface PlacementWork {
  placement: PlacementEntity;
  deployment: Pick<
    DeploymentEntity,
    'id' | 'businessId' | 'deployName' | 'appId' | 'nodeLabel' | 'requestId' | 'values'
  >;
  cluster: Pick<ClusterEntity, 'id' | 'name' | 'kubeconfigSealed'> | null;
}

/**
 * The writes that record a placement's move (PlacementStore.moveWith), collected to be sent with the
 * move as one statement. Each is one INSERT or UPDATE that carries `guard`, the condition that the move
 * won; its parameters are numbered from $1.
 */
export class WritesWithMove {
  readonly guard = 'EXISTS (SELECT 1 FROM moved)';
  readonly statements: { sql: string; params: unknown[] }[] = [];

  query(sql: string, params: unknown[]): Promise<void> {
    if (!/^\s*(INSERT|UPDATE)\b/i.test(sql) || !sql.includes(this.guard))
      throw new Error('a write with a move is one INSERT or UPDATE that carries the move’s guard');
    this.statements.push({ sql, params });
    return Promise.resolve();
  }
}

/** Every column of a placement (alias p), named as PlacementEntity's properties. */
const PLACEMENT_COLUMNS = `p.deployment_id AS "deploymentId", p.cluster_id AS "clusterId",
  p.cluster_name AS "clusterName", p.request_id AS "requestId", p.generation, p.removing,
  p.applied_request_id AS "appliedRequestId", p.objects, p.status, p.status_since AS "statusSince",
  p.rollout_deadline_at AS "rolloutDeadlineAt", p.next_retry_at AS "nextRetryAt", p.running, p.error,
  p.total, p.message, p.update_time AS "updateTime"`;

const P = PlacementStatus;

export interface TargetCluster {
  id: string;
  name: string;
}

/** A deployment's current request and the clusters it is to run on. */
interface PlacementTargets {
  deploymentId: number;
  requestId: number;
  targets: TargetCluster[];
}

/**
 * The target clusters of an insert of Pending placements ($3 their ids, $4 their names), as those that
 * still exist: a cluster removed since the targets were read gets none (and one removed later takes its
 * placements with it: placements reference their cluster ON DELETE CASCADE).
 */
const TARGET_ROWS = `unnest($3::uuid[], $4::text[]) AS t (id, name) JOIN clusters c ON c.id = t.id`;

/** $1 to $5 of an insert of Pending placements from TARGET_ROWS. */
const pendingRowParams = ({ deploymentId, requestId, targets }: PlacementTargets) => [
  deploymentId,
  requestId,
  targets.map((cluster) => cluster.id),
  targets.map((cluster) => cluster.name),
  P.Pending,
];

/**
 * Placements in the database. Every status write is a compare-and-set on the request and the status
 * the caller read, restricted in SQL to the statuses the transition table allows before the new one:
 * zero rows means another writer got there first, and the caller stops.
 */
@Injectable()
export class PlacementStore {
  private readonly columns = new Map<string, { name: string; json: boolean }>();

  constructor(
    @InjectRepository(PlacementEntity) private readonly placements: Repository<PlacementEntity>,
    private readonly records: SoftwareRecords,
  ) {}

  find(deploymentId: number, clusterId: string): Promise<PlacementEntity | null> {
    return this.placements.findOneBy({ deploymentId, clusterId });
  }

  ofDeployments(deploymentIds: number[]): Promise<PlacementEntity[]> {
    if (deploymentIds.length === 0) return Promise.resolve([]);
    return this.placements
      .createQueryBuilder('p')
      .where('p.deployment_id = ANY(:deploymentIds)', { deploymentIds })
      .orderBy('p.cluster_name')
      .getMany();
  }

  ofCluster(clusterId: string): Promise<PlacementEntity[]> {
    return this.placements.findBy({ clusterId });
  }

  /**
   * The compare-and-set of a placement's status, as one statement written here rather than by the
   * query builder (it runs once per placement and cluster, the hot path of a fan-out). `alongside`, the
   * writes that record the move (see moveWith), go in the same statement, as data-modifying CTEs that
   * run only when the move updated its row: they commit with it or not at all.
   */
  async move(
    placement: PlacementKey,
    to: PlacementStatus,
    changes: Partial<Omit<PlacementEntity, 'status' | 'statusSince'>> = {},
    alongside?: WritesWithMove,
  ): Promise<boolean> {
    const move = this.moveStatement(placement, to, changes);
    if (!alongside?.statements.length) {
      const { rowCount } = await preparedQuery(this.placements.manager, move.sql, move.params);
      return (rowCount ?? 0) > 0;
    }
    const params = [...move.params];
    const ctes = [`moved AS (${move.sql} RETURNING 1)`];
    for (const [index, write] of alongside.statements.entries()) {
      // The write's own $n follow the parameters before it.
      const offset = params.length;
      const sql = write.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
      params.push(...write.params);
      ctes.push(`write${index} AS (${sql})`);
    }
    const {
      rows: [row],
    } = await preparedQuery<{ moved: number }>(
      this.placements.manager,
      `WITH ${ctes.join(', ')} SELECT count(*)::int AS moved FROM moved`,
      params,
    );
    return row.moved > 0;
  }

  /**
   * Adds objects to those the placement holds in its cluster, without a status write (the objects are
   * there, whatever the placement's status): for a job that applied them and then lost its move.
   */
  async noteApplied(
    key: Pick<PlacementKey, 'deploymentId' | 'clusterId'>,
    objects: AppliedObject[],
  ): Promise<void> {
    await this.placements.query(
      `UPDATE placements
          SET objects = objects || (SELECT coalesce(jsonb_agg(o), '[]'::jsonb)
                                      FROM jsonb_array_elements($3::jsonb) o WHERE NOT objects @> jsonb_build_array(o))
        WHERE deployment_id = $1 AND cluster_id = $2`,
      [key.deploymentId, key.clusterId, JSON.stringify(objects)],
    );
  }

  /**
   * `move`, and when it wins, what `alongside` writes to record it (the software deployment record):
   * in one statement, one round trip instead of a transaction's four.
   */
  async moveWith(
    placement: PlacementKey,
    to: PlacementStatus,
    changes: Partial<Omit<PlacementEntity, 'status' | 'statusSince'>>,
    alongside: (writes: WritesWithMove) => Promise<void>,
  ): Promise<boolean> {
    const writes = new WritesWithMove();
    await alongside(writes);
    return this.move(placement, to, changes, writes);
  }

  /** The UPDATE of `move`, without RETURNING. */
  private moveStatement(
    placement: PlacementKey,
    to: PlacementStatus,
    changes: Partial<Omit<PlacementEntity, 'status' | 'statusSince'>>,
  ): { sql: string; params: unknown[] } {
    if (!canPlacementMove(placement.status, to))
      throw new Error(`placement cannot move from ${placement.status} to ${to}`);
    const values: unknown[] = [
      placement.deploymentId,
      placement.clusterId,
      placement.requestId,
      placement.status,
      placementPredecessorsOf(to),
      to,
      placement.generation,
    ];
    const sets = ['status = $6', 'update_time = now()'];
    if (to !== placement.status) sets.push('status_since = now()');
    for (const [property, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      const column = this.column(property);
      values.push(column.json ? JSON.stringify(value) : value);
      sets.push(`${column.name} = $${values.length}`);
    }
    return {
      sql: `UPDATE placements SET ${sets.join(', ')}
        WHERE deployment_id = $1 AND cluster_id = $2 AND request_id IS NOT DISTINCT FROM $3
          AND status = $4 AND status = ANY($5) AND generation = $7`,
      params: values,
    };
  }

  /**
   * A placement's pods were read (by its deadline job or the cluster sync): it moves to `status` with
   * their counts and `message`. A result (Running or Failed) finishes its request's apply record in the
   * same statement (its reason: podsReason).
   */
  settle(
    placement: PlacementKey,
    status: PlacementStatus,
    counts: PodCounts,
    message: string,
  ): Promise<boolean> {
    return this.moveWith(placement, status, { ...counts, message }, async (writes) => {
      if (status === P.Applied) return;
      const ok = status === P.Running;
      // A placement is applied only for its request, so one that settles has one.
      await this.records.finishApply(
        { requestId: placement.requestId!, clusterId: placement.clusterId, generation: placement.generation },
        ok,
        podsReason(ok, message),
        writes,
      );
    });
  }

  /** A placement property's column, from the entity's metadata (so that the two cannot disagree). */
  private column(property: string): { name: string; json: boolean } {
    let column = this.columns.get(property);
    if (!column) {
      const metadata = this.placements.metadata.findColumnWithPropertyName(property);
      if (!metadata) throw new Error(`placements have no property ${property}`);
      column = { name: metadata.databaseName, json: metadata.type === 'jsonb' };
      this.columns.set(property, column);
    }
    return column;
  }

  /**
   * What a placement's job needs, in one statement: the placement, its deployment and its cluster
   * (null when the placement is gone; `cluster` null when the cluster is).
   */
  async work(deploymentId: number, clusterId: string): Promise<PlacementWork | null> {
    const {
      rows: [row],
    } = await preparedQuery<
      PlacementEntity & { deployment: PlacementWork['deployment']; cluster: PlacementWork['cluster'] | null }
    >(
      this.placements.manager,
      `SELECT ${PLACEMENT_COLUMNS},
              json_build_object('id', d.id, 'businessId', d.business_id, 'deployName', d.deploy_name,
                'appId', d.app_id, 'nodeLabel', d.node_label, 'requestId', d.request_id,
                'values', d.chart_values) AS deployment,
              CASE WHEN c.id IS NULL THEN NULL ELSE json_build_object('id', c.id, 'name', c.name,
                'kubeconfigSealed', c.kubeconfig_sealed) END AS cluster
         FROM placements p JOIN deployments d ON d.id = p.deployment_id
         LEFT JOIN clusters c ON c.id = p.cluster_id
        WHERE p.deployment_id = $1 AND p.cluster_id = $2`,
      [deploymentId, clusterId],
    );
    if (!row) return null;
    const { deployment, cluster, ...placement } = row;
    return { placement: placement as PlacementEntity, deployment, cluster };
  }

  /** A removal is done: the placement goes, if it is still the removal the caller read. */
  async forget(placement: PlacementKey): Promise<boolean> {
    const result = await this.placements
      .createQueryBuilder()
      .delete()
      .where('deployment_id = :deploymentId AND cluster_id = :clusterId AND removing', placement)
      .andWhere('request_id IS NOT DISTINCT FROM :requestId AND status = :status', placement)
      .andWhere('generation = :generation', placement)
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * Points every placement of a deployment at a new request: the target clusters are to run it
   * (Pending), every other cluster it was placed on is to lose it (Deleting). Run in the approval's
   * transaction, which holds the deployment's row. Returns the clusters that now have work.
   */
  async retarget(manager: EntityManager, to: PlacementTargets): Promise<string[]> {
    const { deploymentId, requestId, targets } = to;
    const ids = targets.map((cluster) => cluster.id);
    if (targets.length > 0) {
      await manager.query(
        `INSERT INTO placements AS p (deployment_id, cluster_id, cluster_name, request_id, status, removing)
         SELECT $1, t.id, t.name, $2, $5, false FROM ${TARGET_ROWS}
         ON CONFLICT (deployment_id, cluster_id) DO UPDATE
           SET request_id = EXCLUDED.request_id, generation = EXCLUDED.generation, status = EXCLUDED.status,
               removing = false, status_since = now(), rollout_deadline_at = NULL, next_retry_at = NULL,
               message = ''
           WHERE p.status = ANY($6)`,
        [...pendingRowParams(to), placementPredecessorsOf(P.Pending)],
      );
    }
    await manager.query(
      `UPDATE placements
          SET request_id = $2, generation = nextval('placement_generations'), status = $4, removing = true,
              status_since = now(), rollout_deadline_at = NULL, next_retry_at = NULL, message = ''
        WHERE deployment_id = $1 AND cluster_id <> ALL($3::uuid[]) AND status = ANY($5)`,
      [deploymentId, requestId, ids, P.Deleting, placementPredecessorsOf(P.Deleting)],
    );
    await this.records.supersede(manager, [deploymentId]);
    const rows: { cluster_id: string }[] = await manager.query(
      `SELECT cluster_id FROM placements WHERE deployment_id = $1`,
      [deploymentId],
    );
    return rows.map((row) => row.cluster_id);
  }

  /**
   * A deployment's targets changed under the same request (a cluster gained or lost the label, or
   * was registered): new targets get a Pending placement, lost ones start Deleting, regained ones
   * come back. Returns the clusters that now have work.
   */
  async follow(manager: EntityManager, to: PlacementTargets): Promise<string[]> {
    const { deploymentId, requestId, targets } = to;
    const ids = targets.map((cluster) => cluster.id);
    const added: { cluster_id: string }[] = await manager.query(
      `INSERT INTO placements (deployment_id, cluster_id, cluster_name, request_id, status, removing)
       SELECT $1, t.id, t.name, $2, $5, false FROM ${TARGET_ROWS}
       ON CONFLICT (deployment_id, cluster_id) DO NOTHING
       RETURNING cluster_id`,
      pendingRowParams(to),
    );
    const regained = returned<{ cluster_id: string }>(
      await manager.query(
        `UPDATE placements
          SET status = $4, removing = false, generation = nextval('placement_generations'),
              status_since = now(), rollout_deadline_at = NULL, message = ''
        WHERE deployment_id = $1 AND request_id = $2 AND removing AND cluster_id = ANY($3::uuid[])
          AND status = ANY($5)
      RETURNING cluster_id`,
        [deploymentId, requestId, ids, P.Pending, placementPredecessorsOf(P.Pending)],
      ),
    );
    const lost = returned<{ cluster_id: string }>(
      await manager.query(
        `UPDATE placements
          SET status = $4, removing = true, generation = nextval('placement_generations'),
              status_since = now(), rollout_deadline_at = NULL, message = ''
        WHERE deployment_id = $1 AND request_id = $2 AND NOT removing AND cluster_id <> ALL($3::uuid[])
          AND status = ANY($5)
      RETURNING cluster_id`,
        [deploymentId, requestId, ids, P.Deleting, placementPredecessorsOf(P.Deleting)],
      ),
    );
    if (regained.length || lost.length) await this.records.supersede(manager, [deploymentId]);
    return [...added, ...regained, ...lost].map((row) => row.cluster_id);
  }

  /** Placements that owe work to a cluster now answering: never applied for their request, offline, or removing. */
  async owedOn(clusterId: string): Promise<{ deploymentId: number; clusterId: string }[]> {
    const rows: { deployment_id: number }[] = await this.placements.query(
      `SELECT p.deployment_id FROM placements p JOIN deployments d ON d.id = p.deployment_id
        WHERE p.cluster_id = $1 AND p.request_id = d.request_id AND p.status = ANY($2)`,
      [clusterId, [P.Pending, P.Offline, P.Deleting]],
    );
    return rows.map((row) => ({ deploymentId: row.deployment_id, clusterId }));
  }

  /** Every placement whose request is its deployment's current one and which still owes work. */
  async owed(): Promise<{ deploymentId: number; clusterId: string }[]> {
    const rows: { deployment_id: number; cluster_id: string }[] = await this.placements.query(
      `SELECT p.deployment_id, p.cluster_id FROM placements p JOIN deployments d ON d.id = p.deployment_id
        WHERE p.request_id = d.request_id AND p.status = ANY($1)`,
      [[P.Pending, P.Deleting]],
    );
    return rows.map((row) => ({ deploymentId: row.deployment_id, clusterId: row.cluster_id }));
  }

  /**
   * Finishes the records still in progress, of these deployments or of all, that no placement holds any
   * more (SoftwareRecords.supersede).
   */
  supersedeOrphanedRecords(deploymentIds: number[] | 'all' = 'all'): Promise<void> {
    return this.records.supersede(this.placements.manager, deploymentIds);
  }

  /** Applied placements past their rollout deadline (their deadline job may have been lost). */
  pastDeadline(): Promise<PlacementEntity[]> {
    return this.placements
      .createQueryBuilder('p')
      .where('p.status = :applied AND p.rollout_deadline_at < now()', { applied: P.Applied })
      .getMany();
  }
}

/** TypeORM answers an UPDATE or DELETE … RETURNING with [rows, count], an INSERT … RETURNING with rows. */
function returned<T>(result: T[] | [T[], number]): T[] {
  return Array.isArray(result[0]) ? (result[0] as T[]) : (result as T[]);
}
