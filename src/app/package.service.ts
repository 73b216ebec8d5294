import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BusinessService } from '../business/business.service';
import { Principal, Role } from '../common/auth/principal';
import {
  CollectionSchema,
  cursorAfter,
  enumKind,
  parseCollectionQuery,
  TEXT,
  TIMESTAMP_KIND,
  toSql,
  UUID_KIND,
} from '../common/collection-query';
import { notFound } from '../common/errors';
import { ParseIdPipe } from '../common/id.pipe';
import { collectionNotFound, invalidQuery } from '../common/problem-json';
import { SEVERITY_LEVELS } from './app-version';
import { PACKAGE_STATES } from './package-state';
import { SEMVER_KIND } from './package-version';
import { PACKAGE_TYPES, packageField, PackageRow, PackageView, toPackageView } from './package-view';

/** An application's first version is its install package; every later one is a patch. */
const PACKAGE_TYPE = `CASE WHEN EXISTS (
  SELECT 1 FROM applications e
  WHERE e.business_id = a.business_id AND e.app_name = a.app_name
    AND (e.version_key, e.package_id) < (a.version_key, a.package_id)) THEN 1 ELSE 0 END`;

const laterAvailable = (direction: 'ASC' | 'DESC') => `(
  SELECT u.version FROM applications u
  WHERE u.business_id = a.business_id AND u.app_name = a.app_name AND u.status = 1
    AND u.version_key > a.version_key
  ORDER BY u.version_key ${direction} LIMIT 1)`;

const utc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The package query. What the other versions say (packageType, upgradableVersions) costs index probes
 * per row, so a page that includes neither skips them.
 */
const select = (needs: (field: string) => boolean) => `
  SELECT a.package_id AS id, a.app_name, a.version, a.status, a.status_detail, a.severity_level, a.image,
    a.deploy_type, a.image_digest, a.image_digests, a.created_by, ${utc('a.create_time')} AS creation_timestamp,
    ${utc('a.update_time')} AS modification_timestamp,
    ${needs('packageType') ? PACKAGE_TYPE : 'NULL'} AS package_type,
    ${needs('upgradableVersions') ? laterAvailable('ASC') : 'NULL'} AS upgrade_min,
    ${needs('upgradableVersions') ? laterAvailable('DESC') : 'NULL'} AS upgrade_max
  FROM applications a`;
const EVERYTHING = select(() => true);

/** Seed 004's package fields for `filter`, `orderBy` and `include`. */
const PACKAGE_SCHEMA: CollectionSchema = {
  queryable: {
    id: { sql: 'a.package_id', kind: UUID_KIND },
    type: { sql: `'application/astra-package'`, kind: TEXT },
    version: { sql: `'1.0'`, kind: TEXT },
    packageName: { sql: 'a.app_name', kind: TEXT },
    packageVersion: { sql: 'a.version_key', kind: SEMVER_KIND },
    packageType: { sql: PACKAGE_TYPE, kind: enumKind(PACKAGE_TYPES) },
    severityLevel: { sql: 'a.severity_level', kind: enumKind(SEVERITY_LEVELS) },
    packageState: { sql: 'a.status', kind: enumKind(PACKAGE_STATES) },
    'metadata.creationTimestamp': { sql: 'a.create_time', kind: TIMESTAMP_KIND },
    'metadata.modificationTimestamp': { sql: 'a.update_time', kind: TIMESTAMP_KIND },
    'metadata.createdBy': { sql: 'a.created_by::text', kind: TEXT },
  },
  includable: [
    'type',
    'version',
    'id',
    'packageName',
    'packageVersion',
    'packageType',
    'severityLevel',
    'packageState',
    'packageStateTransitions',
    'packageStateDetails',
    'images',
    'dependencies',
    'upgradableVersions',
    'metadata',
    'metadata.labels',
    'metadata.creationTimestamp',
    'metadata.modificationTimestamp',
    'metadata.createdBy',
  ],
  // The seed's own `include` example asks for `softwareType` and its example answer shows packageType.
  aliases: { softwareType: 'packageType' },
  key: 'id',
  maxLimit: 1000,
};

export interface PackageList {
  type: 'application/astra-packages';
  version: '1.0';
  items: PackageView[] | unknown[][];
  metadata: { continue?: string };
}

/** The business an account id names, if it can name one: path ids follow ParseIdPipe's one rule. */
function businessIdOf(accountId: string): number | null {
  try {
    return new ParseIdPipe().transform(accountId);
  } catch {
    return null;
  }
}

/** Seed 004: the application versions of one business (its account) as Astra packages. */
@Injectable()
export class PackageService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly businesses: BusinessService,
  ) {}

  async list(principal: Principal, accountId: string, params: Record<string, unknown>): Promise<PackageList> {
    const businessId = await this.account(principal, accountId);
    const parsed = parseCollectionQuery(PACKAGE_SCHEMA, params);
    if ('invalidParams' in parsed) throw invalidQuery(parsed.invalidParams);
    const query = parsed.value;
    const { include, order, limit } = query;
    const values: unknown[] = [businessId];
    const { where, orderBy } = toSql(PACKAGE_SCHEMA, query, values);
    values.push(limit + 1);
    const needs = (field: string) => !include || include.includes(field) || order.field === field;
    const rows: PackageRow[] = await this.dataSource.query(
      `${select(needs)} WHERE ${['a.business_id = $1', ...where].join(' AND ')} ORDER BY ${orderBy} LIMIT $${values.length}`,
      values,
    );
    const page = rows.slice(0, limit).map(toPackageView);
    const last = page[page.length - 1];
    return {
      type: 'application/astra-packages',
      version: '1.0',
      items: include ? page.map((view) => include.map((field) => packageField(view, field))) : page,
      metadata:
        rows.length > limit
          ? { continue: cursorAfter(query, String(packageField(last, order.field)), last.id) }
          : {},
    };
  }

  async get(principal: Principal, accountId: string, packageId: string): Promise<PackageView> {
    const businessId = await this.account(principal, accountId);
    const id = UUID_KIND.parse(packageId);
    if ('error' in id) throw notFound(`package ${packageId}`);
    const [row]: PackageRow[] = await this.dataSource.query(
      `${EVERYTHING} WHERE a.business_id = $1 AND a.package_id = $2::uuid`,
      [businessId, id.value],
    );
    if (!row) throw notFound(`package ${packageId}`);
    return toPackageView(row);
  }

  /**
   * The business an account id names, if the caller may read it: system administrators any business,
   * everyone else only the approved business they work in. Any other account id is, for them, an unknown
   * one (SPEC §2: another business's object is 404, where seed 004 shows a 403; the SPEC wins).
   */
  private async account(principal: Principal, accountId: string): Promise<number> {
    if (principal.role !== Role.SystemAdmin) {
      if (principal.businessId === null || String(principal.businessId) !== accountId)
        throw collectionNotFound();
      return principal.businessId;
    }
    const id = businessIdOf(accountId);
    if (id === null || !(await this.businesses.namesByIds([id])).has(id)) throw collectionNotFound();
    return id;
  }
}
