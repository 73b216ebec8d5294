import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Principal, Role } from '../../src/common/auth/principal';

const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;
/** bcrypt of "Passw0rdX" at cost 4, computed once: factories insert rows, they never hash. */
const PASSWORD_HASH = '$2b$04$VAkhuGc.9moZ.ZlG/KpFy.dJAzVpf4m2V0mxBg3tEVVxrynfEZMx2';

export interface MadeUser {
  id: number;
  userName: string;
  principal: Principal;
}

export interface MadeBusiness {
  id: number;
  name: string;
  owner: MadeUser;
}

/** Rows straight into the tables, each with what a rule under test needs and sensible defaults for the rest. */
export class Factories {
  constructor(private readonly db: DataSource) {}

  async newUser(
    options: { status?: number; isAdmin?: boolean; businessId?: number | null; role?: Role } = {},
  ): Promise<MadeUser> {
    const userName = unique('u');
    const [{ id }] = await this.db.query(
      `INSERT INTO users (user_name, password_hash, real_name, phone, is_admin, status, business_id)
       VALUES ($1, $2, $1, '13800000000', $3, $4, $5) RETURNING id`,
      [userName, PASSWORD_HASH, options.isAdmin ?? false, options.status ?? 1, options.businessId ?? null],
    );
    const role =
      options.role ??
      (options.businessId ? (options.isAdmin ? Role.BusinessAdmin : Role.GeneralUser) : Role.Approved);
    return { id, userName, principal: principalOf(id, userName, role, options) };
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
  ): Promise<{ id: number; appName: string; version: string }> {
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
