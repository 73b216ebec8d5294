import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SoftwareDeploymentEntity } from './deploy.entity';
import { preparedQuery } from '../database/prepared-query';
import type { WritesWithMove } from './placement.store';

export type SoftwareAction = 'CREATE' | 'UPDATE' | 'ROLLBACK' | 'DELETE';

/** A finished apply record's reason: all pods running, or what is wrong with them as far as it is known. */
export const podsReason = (running: boolean, problems: string): string =>
  running ? 'all pods running' : problems || 'pods not running';

/** Which record: one per request, cluster and action (SPEC §9). */
export interface RecordKey {
  requestId: number;
  clusterId: string;
  action: SoftwareAction;
}

export interface RecordStart extends RecordKey {
  businessId: number;
  deploymentId: number;
  configId: string;
  inputValues: Record<string, unknown>;
}

/**
 * The software deployment records of SPEC §9, written as the work happens. Each write is a single
 * statement that merges into the stored JSON, so a retry or a second worker never loses a line. A write
 * that records a placement's move is sent with the move, in one statement (`PlacementStore.moveWith`): a deployment
 * never reads 5 while a record of it is still IN_PROGRESS, and a crash between the two leaves neither.
 */
@Injectable()
export class SoftwareRecords {
  constructor(
    @InjectRepository(SoftwareDeploymentEntity)
    private readonly records: Repository<SoftwareDeploymentEntity>,
  ) {}

  /**
   * Opens the record, IN_PROGRESS; one that exists already (a retry) is kept as it is. One statement of
   * our own: it runs once per placement and cluster, the hot path of a fan-out.
   */
  async start(record: RecordStart): Promise<void> {
    await preparedQuery(
      this.records.manager,
      `INSERT INTO software_deployments (business_id, deployment_id, request_id, cluster_id, config_id,
              action, input_values, output_values, status, status_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'IN_PROGRESS', 'started')
       ON CONFLICT DO NOTHING`,
      [
        record.businessId,
        record.deploymentId,
        record.requestId,
        record.clusterId,
        record.configId,
        record.action,
        JSON.stringify(record.inputValues),
        JSON.stringify({ deploy_stdout: '', deploy_stderr: '', deploy_status_code: 0, result: '' }),
      ],
    );
  }

  /**
   * What was applied or deleted, one line per object, as kubectl prints it; with `result`, the
   * record is finished at once (COMPLETE or FAILED), in the same statement.
   */
  async applied(
    key: RecordKey,
    lines: string[],
    reason: string,
    result?: { ok: boolean; reason: string; result?: string },
    withMove?: WritesWithMove,
  ): Promise<void> {
    const ok = result?.ok ?? true;
    await this.on(withMove).query(
      `UPDATE software_deployments
          SET output_values = output_values || jsonb_build_object('deploy_stdout', $4::text, 'deploy_status_code', 0)
                || CASE WHEN $6::text IS NULL THEN '{}'::jsonb
                        ELSE jsonb_build_object('result', $8::text, 'deploy_status_code', $9::int) END,
              status = coalesce($6, status), status_reason = coalesce($7, $5), updated_time = now()
        WHERE request_id = $1 AND cluster_id = $2 AND action = $3 AND status = 'IN_PROGRESS'`,
      [
        key.requestId,
        key.clusterId,
        key.action,
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
    key: RecordKey,
    reason: string,
    final: boolean,
    withMove?: WritesWithMove,
  ): Promise<void> {
    await this.on(withMove).query(
      `UPDATE software_deployments
          SET output_values = output_values || jsonb_build_object(
                'deploy_stderr', (output_values->>'deploy_stderr') || $4::text, 'deploy_status_code', 1),
              status = CASE WHEN $6 THEN 'FAILED' ELSE status END,
              status_reason = $5, updated_time = now()
        WHERE request_id = $1 AND cluster_id = $2 AND action = $3 AND status = 'IN_PROGRESS'`,
      [
        key.requestId,
        key.clusterId,
        key.action,
        `${new Date().toISOString()} ${reason}\n`,
        final ? reason : `retrying: ${reason}`,
        final,
      ],
    );
  }

  /** The result on that cluster: COMPLETE or FAILED, once. */
  async finish(key: RecordKey, ok: boolean, reason: string, result: string): Promise<void> {
    await preparedQuery(
      this.records.manager,
      `UPDATE software_deployments
          SET status = $4, status_reason = $5, updated_time = now(),
              output_values = output_values || jsonb_build_object('result', $6::text, 'deploy_status_code', $7::int)
        WHERE request_id = $1 AND cluster_id = $2 AND action = $3 AND status = 'IN_PROGRESS'`,
      [key.requestId, key.clusterId, key.action, ok ? 'COMPLETE' : 'FAILED', reason, result, ok ? 0 : 1],
    );
  }

  /** The apply record (whichever action it was) of a request on a cluster, finished once its pods settle. */
  async finishApply(
    requestId: number,
    clusterId: string,
    ok: boolean,
    reason: string,
    withMove?: WritesWithMove,
  ): Promise<void> {
    await this.on(withMove).query(
      `UPDATE software_deployments
          SET status = $3, status_reason = $4, updated_time = now(),
              output_values = output_values || jsonb_build_object('result', $5::text, 'deploy_status_code', $6::int)
        WHERE request_id = $1 AND cluster_id = $2 AND action <> 'DELETE' AND status = 'IN_PROGRESS'`,
      [requestId, clusterId, ok ? 'COMPLETE' : 'FAILED', reason, ok ? 'running' : 'not running', ok ? 0 : 1],
    );
  }

  /** The placement move a write records (it is sent with the move, in one statement), or none. */
  private on(move?: WritesWithMove): Pick<WritesWithMove, 'query'> {
    return (
      move ?? { query: async (sql, params) => void (await preparedQuery(this.records.manager, sql, params)) }
    );
  }
}
