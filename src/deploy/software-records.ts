import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { PlacementEntity, SoftwareDeploymentEntity } from './deploy.entity';
import { preparedQuery } from '../database/prepared-query';
import type { WritesWithMove } from './placement.store';

export type SoftwareAction = 'CREATE' | 'UPDATE' | 'ROLLBACK' | 'DELETE';

/** A finished apply record's reason: all pods running, or what is wrong with them as far as it is known. */
export const podsReason = (running: boolean, problems: string): string =>
  running ? 'all pods running' : problems || 'pods not running';

/** Whose apply record: a request's on a cluster, in one generation of its placement there. */
export interface ApplyRecordKey {
  requestId: number;
  clusterId: string;
  generation: PlacementEntity['generation'];
}

/**
 * Which record: one per request, cluster, placement generation and action (SPEC §9: each time a
 * deployment is put on or taken off a cluster is an action of its own).
 */
export interface RecordKey extends ApplyRecordKey {
  action: SoftwareAction;
}

/** Why a record still in progress was finished without its work: the placement was given other work. */
export const SUPERSEDED_REASON =
  'superseded before it finished (a newer request, a change of target clusters, or the cluster removed)';

/** A record's key and what its action was asked to apply: what the record's first write inserts. */
export interface RecordInput extends RecordKey {
  businessId: number;
  deploymentId: number;
  configId: string;
  inputValues: Record<string, unknown>;
}

/** Where a record's write goes: a statement of its own, or one sent with a placement's move. */
interface RecordWriter {
  /** The condition the write carries: `true` on its own, that the move won with one (WritesWithMove). */
  guard: string;
  query(sql: string, params: unknown[]): Promise<void>;
}

/** A new record's output before anything is merged into it. */
const EMPTY_OUTPUT = `jsonb_build_object('deploy_stdout', '', 'deploy_stderr', '', 'deploy_status_code', 0, 'result', '')`;

/**
 * A record's write as one statement: the first write of a request's action on a cluster inserts its record,
 * with `insert`'s output merged into an empty one and its status and reason; a later write merges `update`
 * into it while it is IN_PROGRESS (a finished record stays as it is). $1 to $8 are the record's key and
 * inputs (inputParams); the write's own parameters follow from $9.
 */
const upsert = (
  guard: string,
  insert: { output: string; status: string; reason: string },
  update: string,
) => `INSERT INTO software_deployments AS r (business_id, deployment_id, request_id, cluster_id, config_id,
          action, input_values, generation, output_values, status, status_reason)
   SELECT $1, $2, $3, $4, $5, $6, $7::jsonb, $8::bigint, ${EMPTY_OUTPUT} || ${insert.output}, ${insert.status}, ${insert.reason}
    WHERE ${guard}
   ON CONFLICT (request_id, cluster_id, generation, action) DO UPDATE SET ${update}, updated_time = now()
    WHERE r.status = 'IN_PROGRESS'`;

const inputParams = (record: RecordInput) => [
  record.businessId,
  record.deploymentId,
  record.requestId,
  record.clusterId,
  record.configId,
  record.action,
  JSON.stringify(record.inputValues),
  record.generation,
];

/** What an apply adds to a record's output ($9 the lines, $11 the status when finished, $13 and $14 its result). */
const APPLIED_OUTPUT = `jsonb_build_object('deploy_stdout', $9::text, 'deploy_status_code', 0)
  || CASE WHEN $11::text IS NULL THEN '{}'::jsonb
          ELSE jsonb_build_object('result', $13::text, 'deploy_status_code', $14::int) END`;

/**
 * The software deployment records of SPEC §9, written as the work happens: a request's action on a cluster
 * has its record from its first attempt's outcome on (applied, waiting for pods; finished; or failed and
 * retrying), not before it, so that the apply costs no statement of its own; an attempt that dies on the
 * way leaves its job to retry, and the retry writes the record. Each write is a single statement that
 * inserts the record or merges into the stored JSON, so a retry or a second worker never loses a line nor
 * makes a second record. A write that records a placement's move is sent with the move, in one statement
 * (`PlacementStore.moveWith`): a deployment never reads 5 while a record of it is still IN_PROGRESS, and a
 * crash between the two leaves neither.
 */
@Injectable()
export class SoftwareRecords {
  constructor(
    @InjectRepository(SoftwareDeploymentEntity)
    private readonly records: Repository<SoftwareDeploymentEntity>,
  ) {}

  /**
   * What was applied or deleted, one line per object, as kubectl prints it; with `result`, the
   * record is finished at once (COMPLETE or FAILED), in the same statement.
   */
  async applied(
    record: RecordInput,
    lines: string[],
    reason: string,
    result?: { ok: boolean; reason: string; result?: string },
    withMove?: WritesWithMove,
  ): Promise<void> {
    const ok = result?.ok ?? true;
    const writer = this.writer(withMove);
    await writer.query(
      upsert(
        writer.guard,
        {
          output: `(${APPLIED_OUTPUT})`,
          status: `coalesce($11, 'IN_PROGRESS')`,
          reason: 'coalesce($12, $10)',
        },
        `output_values = r.output_values || ${APPLIED_OUTPUT}, status = coalesce($11, r.status),
         status_reason = coalesce($12, $10)`,
      ),
      [
        ...inputParams(record),
        lines.map((line) => `${line}\n`).join(''),
        reason,
        result ? (ok ? 'COMPLETE' : 'FAILED') : null,
        result?.reason ?? null,
        result?.result ?? (ok ? 'running' : 'not running'),
        ok ? 0 : 1,
      ],
    );
  }

  /** A failed attempt: the reason is appended to stderr; a retry follows unless `final`. */
  async attemptFailed(
    record: RecordInput,
    reason: string,
    final: boolean,
    withMove?: WritesWithMove,
  ): Promise<void> {
    const writer = this.writer(withMove);
    await writer.query(
      upsert(
        writer.guard,
        {
          output: `jsonb_build_object('deploy_stderr', $9::text, 'deploy_status_code', 1)`,
          status: `CASE WHEN $11::boolean THEN 'FAILED' ELSE 'IN_PROGRESS' END`,
          reason: '$10',
        },
        `output_values = r.output_values || jsonb_build_object(
           'deploy_stderr', (r.output_values->>'deploy_stderr') || $9::text, 'deploy_status_code', 1),
         status = CASE WHEN $11::boolean THEN 'FAILED' ELSE r.status END, status_reason = $10`,
      ),
      [
        ...inputParams(record),
        `${new Date().toISOString()} ${reason}\n`,
        final ? reason : `retrying: ${reason}`,
        final,
      ],
    );
  }

  /** The result on that cluster: COMPLETE or FAILED, once. */
  async finish(record: RecordInput, ok: boolean, reason: string, result: string): Promise<void> {
    const output = `jsonb_build_object('result', $11::text, 'deploy_status_code', $12::int)`;
    await this.writer().query(
      upsert(
        'true',
        { output, status: '$9', reason: '$10' },
        `status = $9, status_reason = $10,
         output_values = r.output_values || ${output}`,
      ),
      [...inputParams(record), ok ? 'COMPLETE' : 'FAILED', reason, result, ok ? 0 : 1],
    );
  }

  /** The apply record (whichever action it was) of a request on a cluster, finished once its pods settle. */
  async finishApply(
    { requestId, clusterId, generation }: ApplyRecordKey,
    ok: boolean,
    reason: string,
    withMove?: WritesWithMove,
  ): Promise<void> {
    const writer = this.writer(withMove);
    await writer.query(
      `UPDATE software_deployments
          SET status = $4, status_reason = $5, updated_time = now(),
              output_values = output_values || jsonb_build_object('result', $6::text, 'deploy_status_code', $7::int)
        WHERE request_id = $1 AND cluster_id = $2 AND generation = $3 AND action <> 'DELETE'
          AND status = 'IN_PROGRESS' AND ${writer.guard}`,
      [
        requestId,
        clusterId,
        generation,
        ok ? 'COMPLETE' : 'FAILED',
        reason,
        ok ? 'running' : 'not running',
        ok ? 0 : 1,
      ],
    );
  }

  /** The action of the apply record (not a removal's) of a request on a cluster in one generation, if it has one. */
  async applyActionOf({ requestId, clusterId, generation }: ApplyRecordKey): Promise<SoftwareAction | null> {
    const [row] = await this.records.query(
      `SELECT action FROM software_deployments
        WHERE request_id = $1 AND cluster_id = $2 AND generation = $3 AND action <> 'DELETE'`,
      [requestId, clusterId, generation],
    );
    return (row?.action as SoftwareAction | undefined) ?? null;
  }

  /**
   * Finishes, FAILED as superseded, the records still in progress of these deployments that belong to no
   * placement as it is now (the placement was given other work, or forgotten with its cluster): no job
   * will ever finish them. Run where the placements change, in the same transaction, and for all of
   * them by the repair (a cluster's removal takes its placements along by the foreign key).
   */
  async supersede(manager: EntityManager, deploymentIds: number[] | 'all'): Promise<void> {
    await manager.query(
      `UPDATE software_deployments r
          SET status = 'FAILED', status_reason = $2, updated_time = now(),
              output_values = r.output_values || jsonb_build_object('result', 'superseded', 'deploy_status_code', 1)
        WHERE ($1::int[] IS NULL OR r.deployment_id = ANY($1)) AND r.status = 'IN_PROGRESS'
          AND NOT EXISTS (SELECT 1 FROM placements p
                           WHERE p.deployment_id = r.deployment_id AND p.cluster_id = r.cluster_id
                             AND p.request_id = r.request_id AND p.generation = r.generation)`,
      [deploymentIds === 'all' ? null : deploymentIds, SUPERSEDED_REASON],
    );
  }

  /** The placement move a write records (it is sent with the move, in one statement), or a statement of its own. */
  private writer(move?: WritesWithMove): RecordWriter {
    return (
      move ?? {
        guard: 'true',
        query: async (sql, params) => void (await preparedQuery(this.records.manager, sql, params)),
      }
    );
  }
}
