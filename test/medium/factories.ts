import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { roleOf } from '../../src/auth/roles';
import { Actor } from '../../src/common/auth/actor';
import { Principal, Role } from '../../src/common/auth/principal';
import { AuditStatus } from '../../src/deploy/deploy.entity';
import { DeployAction, DeployStatus } from '../../src/deploy/deployment-status';
import { PlacementStatus } from '../../src/deploy/placement-status';

const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;
/** bcrypt of "Passw0rdX" at cost 4, computed once: factories insert rows, they never hash. */
const PASSWORD_HASH = '$2b$04$VAkhuGc.9moZ.ZlG/KpFy.dJAzVpf4m2V0mxBg3tEVVxrynfEZMx2';

export interface MadeUser {
  id: number;
  userName: string;
  principal: Principal;
}

/** The principal acting from an address, as the audit trail records it. */
export const asActor = (user: MadeUser, sourceIp = DEFAULT_ADDRESS): Actor => ({
  ...user.principal,
  sourceIp,
});
/** The address a factory-made user acts from unless a test says otherwise. */
export const DEFAULT_ADDRESS = '192.0.2.10';

export interface MadeBusiness {
  id: number;
  name: string;
  owner: MadeUser;
}

/** Rows straight into the tables, each with what a rule under test needs and sensible defaults for the rest. */
export class Factories {
  constructor(private readonly db: DataSource) {}

  async newUser(
    options: {
      status?: number;
      isAdmin?: boolean;
      isSystemAdmin?: boolean;
      businessId?: number | null;
      role?: Role;
    } = {},
  ): Promise<MadeUser> {
    const userName = unique('u');
    const [{ id }] = await this.db.query(
      `INSERT INTO users (user_name, password_hash, real_name, phone, is_admin, is_system_admin, status, business_id)
       VALUES ($1, $2, $1, '13800000000', $3, $4, $5, $6) RETURNING id`,
      [
        userName,
        PASSWORD_HASH,
        options.isAdmin ?? false,
        options.isSystemAdmin ?? false,
        options.status ?? 1,
        options.businessId ?? null,
      ],
    );
    const role =
      options.role ??
      (options.businessId ? (options.isAdmin ? Role.BusinessAdmin : Role.GeneralUser) : Role.Approved);
    return { id, userName, principal: principalOf(id, userName, role, options) };
  }

  /** A system administrator (SPEC §2 role 4): no business, sees every one. */
  newSystemAdmin(): Promise<MadeUser> {
    return this.newUser({ isAdmin: true, isSystemAdmin: true, role: Role.SystemAdmin });
  }

  /** The user as their next request would see them: the role follows from their row now (as on login). */
  async reload(user: MadeUser): Promise<MadeUser> {
    const [row] = await this.db.query(
      'SELECT status, is_admin, is_system_admin, business_id FROM users WHERE id = $1',
      [user.id],
    );
    const record = {
      status: row.status,
      isAdmin: row.is_admin,
      isSystemAdmin: row.is_system_admin,
      businessId: row.business_id,
    };
    return { ...user, principal: principalOf(user.id, user.userName, roleOf(record), record) };
  }

  /** A business (approved unless told otherwise) with its owner, an administrator of it once approved. */
  async newBusiness(options: { status?: number } = {}): Promise<MadeBusiness> {
    const status = options.status ?? 1;
    const ownerRow = await this.newUser({ isAdmin: true });
    const name = unique('biz');
    const [{ id }] = await this.db.query(
      `INSERT INTO businesses (name, introduce, objective, scale, user_id, comment, status)
       VALUES ($1, 'edge video', 'inference', 'small', $2, '', $3) RETURNING id`,
      [name, ownerRow.id, status],
    );
    if (status !== 1) return { id, name, owner: ownerRow };
    await this.db.query('UPDATE users SET business_id = $1 WHERE id = $2', [id, ownerRow.id]);
    const owner = {
      ...ownerRow,
      principal: principalOf(ownerRow.id, ownerRow.userName, Role.BusinessAdmin, {
        isAdmin: true,
        businessId: id,
      }),
    };
    return { id, name, owner };
  }

  /** A general user (or, with isAdmin, an administrator) of a business. */
  newMember(business: MadeBusiness, isAdmin = false): Promise<MadeUser> {
    return this.newUser({ businessId: business.id, isAdmin });
  }

  /** An application version of a business, available unless told otherwise. */
  async newApp(
    business: MadeBusiness,
    options: { appName?: string; version?: string; status?: number; image?: string } = {},
  ): Promise<MadeApp> {
    const appName = options.appName ?? unique('app');
    const version = options.version ?? '1.0';
    const [{ id }] = await this.db.query(
      `INSERT INTO applications (business_id, app_name, version, deploy_type, image, replicas, min_replicas,
         max_replicas, min_cpu, max_cpu, is_hpa, target_cpu_utilization, target_mem_utilization, min_memory,
         max_memory, max_unavailable, max_surge, min_ready_seconds, status, status_detail, created_by)
       VALUES ($1, $2, $3, 'deployment', $4, 1, 1, 1, 10, 10, false, 80, 80, 64, 64, 1, 1, 0, $5, '', $6)
       RETURNING id`,
      [business.id, appName, version, options.image ?? 'nginx:1.25', options.status ?? 1, business.owner.id],
    );
    return { id, appName, version };
  }

  /** A registered cluster carrying `labels`; nothing ever connects to it in this tier. */
  async newCluster(options: { name?: string; labels?: string[] } = {}): Promise<MadeCluster> {
    const name = options.name ?? unique('edge');
    const [{ id }] = await this.db.query(
      `INSERT INTO clusters (name, kubeconfig_sealed) VALUES ($1, 'sealed') RETURNING id`,
      [name],
    );
    for (const label of options.labels ?? [])
      await this.db.query('INSERT INTO cluster_labels (cluster_id, label) VALUES ($1, $2)', [id, label]);
    return { id, name };
  }

  /**
   * A deployment of `app` as the workers would have left it: its approved request (a create unless
   * told otherwise), the version it ran, and one placement per cluster (running unless told otherwise).
   */
  async newDeployment(
    business: MadeBusiness,
    app: MadeApp,
    options: {
      deployName?: string;
      status?: DeployStatus;
      action?: DeployAction;
      cluster?: string;
      placements?: MadePlacement[];
    } = {},
  ): Promise<MadeDeployment> {
    const deployName = options.deployName ?? unique('d');
    const action = options.action ?? DeployAction.Create;
    const status = options.status ?? DeployStatus.Success;
    const [{ id }] = await this.db.query(
      `INSERT INTO deployments (business_id, deploy_name, app_name, version, app_id, cluster, node_label,
         deploy_type, status) VALUES ($1, $2, $3, $4, $5, $6, 'all', $7, $8) RETURNING id`,
      [business.id, deployName, app.appName, app.version, app.id, options.cluster ?? 'all', action, status],
    );
    const [{ id: requestId }] = await this.db.query(
      `INSERT INTO deploy_requests (deployment_id, business_id, action, app_id, version, audit_status,
         requester_id, auditor_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
      [id, business.id, action, app.id, app.version, AuditStatus.Approved, business.owner.id],
    );
    await this.db.query('UPDATE deployments SET request_id = $2 WHERE id = $1', [id, requestId]);
    await this.db.query(
      `INSERT INTO deployment_versions (deployment_id, request_id, app_id, version, action)
       VALUES ($1, $2, $3, $4, $5)`,
      [id, requestId, app.id, app.version, action],
    );
    const generations: Record<string, string> = {};
    for (const placement of options.placements ?? []) {
      const placementStatus = placement.status ?? PlacementStatus.Running;
      const { running = 1, error = 0, total = 1 } = placement;
      [{ generation: generations[placement.cluster.id] }] = await this.db.query(
        `INSERT INTO placements (deployment_id, cluster_id, cluster_name, request_id, applied_request_id,
           status, removing, running, error, total)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9) RETURNING generation`,
        [
          id,
          placement.cluster.id,
          placement.cluster.name,
          requestId,
          placementStatus,
          placementStatus === PlacementStatus.Deleting,
          running,
          error,
          total,
        ],
      );
    }
    return { id, deployName, requestId, generations };
  }
}

export interface MadeApp {
  id: number;
  appName: string;
  version: string;
}

export interface MadeCluster {
  id: string;
  name: string;
}

/** Where a made deployment stands in one cluster, with its pod counts. */
export interface MadePlacement {
  cluster: MadeCluster;
  status?: PlacementStatus;
  running?: number;
  error?: number;
  total?: number;
}

export interface MadeDeployment {
  id: number;
  deployName: string;
  requestId: number;
  /** Each placement's generation, by cluster id. */
  generations: Record<string, string>;
}

function principalOf(
  userId: number,
  userName: string,
  role: Role,
  options: { isAdmin?: boolean; businessId?: number | null },
): Principal {
  return {
    userId,
    userName,
    role,
    isAdmin: options.isAdmin ?? false,
    businessId: options.businessId ?? null,
    tokenId: randomBytes(8).toString('hex'),
    tokenExpiresAt: Math.floor(Date.now() / 1000) + 3600,
    tokenVersion: 0,
    sessionStartedAt: Math.floor(Date.now() / 1000),
  };
}
