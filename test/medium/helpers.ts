import { DataSource } from 'typeorm';
import type { AuditAction } from '../../src/audit/audit-action';
import { BusinessService } from '../../src/business/business.service';
import type { AuditView } from '../../src/audit/audit-trail.service';
import { DeployCommands } from '../../src/deploy/deploy-commands.service';
import { CreateDeployDto } from '../../src/deploy/dto';
import { JobQueueService } from '../../src/queue/job-queue.service';
import { JobName, JobPayloads, JOBS } from '../../src/queue/jobs';
import { asActor, MadeUser } from './factories';
import { ServiceContext } from './service-context';

/** One audit_log row as stored: what the API shows but its id and time, plus the business it concerns. */
export type TrailRow = Omit<AuditView, 'id' | 'time'> & { businessId: number | null };

/** What the audit trail holds about one target for one action, oldest first. */
export async function trailOf(
  db: DataSource,
  action: AuditAction,
  targetId: string | number,
): Promise<TrailRow[]> {
  return db.query(
    `SELECT actor_id AS "actorId", actor_name AS "actorName", action, target_type AS "targetType",
            target_id AS "targetId", detail, source_ip AS "sourceIp", business_id AS "businessId"
       FROM audit_log WHERE action = $1 AND target_id = $2 ORDER BY id`,
    [action, String(targetId)],
  );
}

/** The payloads of the jobs of one kind that wait for a worker (none runs in this tier). */
export async function queuedJobs<K extends JobName>(s: ServiceContext, name: K): Promise<JobPayloads[K][]> {
  const queue = s.get(JobQueueService).queue(JOBS[name].queue);
  const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
  return jobs.filter((job) => job.name === name).map((job) => job.data as JobPayloads[K]);
}

/**
 * Runs `work` while `table` refuses new rows failing `check` (NOT VALID: existing rows are not
 * checked), to make one write of a change fail in the database itself.
 */
export async function whileRefusing<T>(
  db: DataSource,
  table: string,
  check: string,
  work: () => Promise<T>,
): Promise<T> {
  await db.query(`ALTER TABLE ${table} ADD CONSTRAINT medium_refusal CHECK (${check}) NOT VALID`);
  try {
    return await work();
  } finally {
    await db.query(`ALTER TABLE ${table} DROP CONSTRAINT medium_refusal`);
  }
}

/** A query or body as the validation pipe hands it over: the class's defaults (page 1, 10 a page...) under `values`. */
export const withDefaults = <T extends object>(type: new () => T, values: Partial<T> = {}): T =>
  Object.assign(new type(), values);

/**
 * `user` asks for a new deployment of application `web` (version 1.0 unless told otherwise) through
 * DeployCommands; returns the deployment and the request it made.
 */
export async function requestDeployment(
  s: ServiceContext,
  user: MadeUser,
  deployName: string,
  values: Partial<CreateDeployDto> = {},
): Promise<{ id: number; requestId: number }> {
  await s
    .get(DeployCommands)
    .create(
      asActor(user),
      withDefaults(CreateDeployDto, { deployName, appName: 'web', version: '1.0', ...values }),
    );
  const [row] = await s.db.query(
    `SELECT id, request_id AS "requestId" FROM deployments
      WHERE business_id = $1 AND deploy_name = $2 ORDER BY id DESC LIMIT 1`,
    [user.principal.businessId, deployName],
  );
  return row;
}

let applications = 0;
/** A fresh business name, unique in the run. */
export const businessName = () => `shop${++applications}x${Date.now().toString(36)}`;

/** `owner` applies for a business through BusinessService; returns the pending business's id and name. */
export async function applyForBusiness(
  s: ServiceContext,
  owner: MadeUser,
  name = businessName(),
): Promise<{ id: number; name: string }> {
  await s
    .get(BusinessService)
    .create(owner.principal, { name, introduce: 'edge video', objective: 'inference', scale: 'small' });
  const [{ id }] = await s.db.query('SELECT id FROM businesses WHERE name = $1', [name]);
  return { id, name };
}
