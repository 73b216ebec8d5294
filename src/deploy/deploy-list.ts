import { DeployAction, DeployStatus, isEditable } from './deployment-status';
import type { DeploymentView } from './dto';

/*
 * The statements and the row mapping of the deploy list (GET /v1/deploy). Free of Nest and TypeORM, so that
 * bench/api-list-baseline.js runs the product's own statement from dist/ and the two can never differ.
 */

/** What the list shows of a deployment and its placements, times already in Unix seconds. */
const LIST_SELECT = `SELECT d.id, d.deploy_name, d.app_name, d.version, d.cluster, d.node_label, d.comment,
              d.deploy_type, d.status, d.audit_comment,
              floor(extract(epoch FROM d.create_time))::float8 AS create_time,
              floor(extract(epoch FROM d.update_time))::float8 AS update_time,
              p.clusters, p.running, p.error, p.total`;
/** The page's rows with their placements (by the placements' primary key), in cluster-name order. */
const LIST_FROM = `FROM page JOIN deployments d ON d.id = page.id
        CROSS JOIN LATERAL (
          SELECT coalesce(json_agg(json_build_object('clusterName', cluster_name, 'status', status,
                   'running', running, 'error', error, 'total', total, 'message', message,
                   'since', floor(extract(epoch FROM status_since))) ORDER BY cluster_name), '[]') AS clusters,
                 coalesce(sum(running) FILTER (WHERE NOT removing), 0)::int AS running,
                 coalesce(sum(error) FILTER (WHERE NOT removing), 0)::int AS error,
                 coalesce(sum(total) FILTER (WHERE NOT removing), 0)::int AS total
            FROM placements WHERE deployment_id = d.id) p`;

export interface ListRow {
  id: number;
  deploy_name: string;
  app_name: string;
  version: string;
  cluster: string;
  node_label: string;
  comment: string;
  deploy_type: DeployAction;
  status: DeployStatus;
  audit_comment: string;
  create_time: number;
  update_time: number;
  clusters: DeploymentView['clusters'];
  running: number;
  error: number;
  total: number;
  total_rows: number;
}

export const toListView = (row: ListRow): DeploymentView => ({
  id: row.id,
  deployName: row.deploy_name,
  appName: row.app_name,
  version: row.version,
  cluster: row.cluster,
  nodeLabel: row.node_label,
  comment: row.comment,
  deployType: row.deploy_type,
  status: row.status,
  // SPEC §6: summed over the clusters listed with it (those not being removed), as toViews does.
  errorMessage: JSON.stringify({ running: row.running, error: row.error, total: row.total }),
  auditComment: row.audit_comment,
  editable: isEditable(row.status),
  createTime: row.create_time,
  updateTime: row.update_time,
  clusters: row.clusters,
});

/**
 * The same text object for the same shape of statement. A prepared statement's name is looked up by its
 * text (src/database/prepared-query.ts), and V8 hashes a string object once: a text built afresh for
 * every request was hashed in full every time (about 3 % of the product's CPU in bench/api-list). The
 * shapes are the filters' few combinations, as prepared statements require anyway.
 */
function sameText<Args extends string[]>(build: (...args: Args) => string): (...args: Args) => string {
  const texts = new Map<string, string>();
  return (...args) => {
    const key = args.join('\0');
    let text = texts.get(key);
    if (text === undefined) {
      text = build(...args);
      texts.set(key, text);
    }
    return text;
  };
}

/**
 * One page of the list: `where` filters deployments, `limit` and `offset` are parameter placeholders. The
 * total rides on the page's rows, counted apart only for a full page.
 */
export const listStatement = sameText(
  (where: string, order: 'ASC' | 'DESC', limit: string, offset: string): string =>
    `WITH page AS (SELECT id FROM deployments ${where} ORDER BY id ${order} LIMIT ${limit} OFFSET ${offset})
       ${LIST_SELECT},
              CASE WHEN count(*) OVER () < ${limit} THEN ${offset}::bigint + count(*) OVER ()
                   ELSE (SELECT count(*) FROM deployments ${where}) END::int AS total_rows
         ${LIST_FROM}
        ORDER BY d.id ${order}`,
);

/** One deployment (`$1`) as the list shows it, with its business for the caller's scope check. */
export const oneStatement = sameText(
  (): string =>
    `WITH page AS (SELECT id FROM deployments WHERE id = $1)
       ${LIST_SELECT}, d.business_id
         ${LIST_FROM}`,
);

/** The total alone, for a page past the end (no row to carry it). */
export const countStatement = sameText(
  (where: string): string => `SELECT count(*)::int AS total FROM deployments ${where}`,
);
