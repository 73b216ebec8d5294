import { DataSource } from 'typeorm';
import { TestApp } from './test-app';

export interface PackageSeed {
  appName: string;
  version: string;
  /** 0 verifying, 1 available, 2 incomplete, 3 corrupt. */
  status?: number;
  statusDetail?: string;
  /** 0 recommended, 1 critical. */
  severityLevel?: number;
  createdBy?: number;
  /** An RFC 3339 time; now when absent. */
  createTime?: string;
}

/** Inserts application versions straight into the table, for tests that need many packages quickly. */
export async function insertPackages(t: TestApp, businessId: number, seeds: PackageSeed[]): Promise<void> {
  if (seeds.length === 0) return;
  const now = new Date().toISOString();
  const column = <T>(read: (seed: PackageSeed) => T) => seeds.map(read);
  await t.app.get(DataSource).query(
    `INSERT INTO applications (business_id, app_name, version, deploy_type, image, replicas, min_replicas,
       max_replicas, min_cpu, max_cpu, is_hpa, target_cpu_utilization, target_mem_utilization, min_memory,
       max_memory, max_unavailable, max_surge, min_ready_seconds, status, status_detail, severity_level,
       created_by, create_time, update_time)
     SELECT $1, name, version, 'deployment', 'nginx:1.25', 1, 1, 1, 10, 10, false, 80, 80, 64, 64, 1, 1, 0,
       status, detail, severity, creator, created, created
     FROM unnest($2::text[], $3::text[], $4::smallint[], $5::text[], $6::smallint[], $7::int[], $8::timestamptz[])
       AS s(name, version, status, detail, severity, creator, created)`,
    [
      businessId,
      column((seed) => seed.appName),
      column((seed) => seed.version),
      column((seed) => seed.status ?? 1),
      column((seed) => seed.statusDetail ?? ''),
      column((seed) => seed.severityLevel ?? 0),
      column((seed) => seed.createdBy ?? 1),
      column((seed) => seed.createTime ?? now),
    ],
  );
}
