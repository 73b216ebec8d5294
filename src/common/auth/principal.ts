/** The roles of SPEC §2, as `GET /v1/authorization` reports them. */
export enum Role {
  Pending = 0,
  Approved = 1,
  GeneralUser = 2,
  BusinessAdmin = 3,
  SystemAdmin = 4,
}

/** Who is calling, as resolved from a valid, unrevoked token and the user's current record. */
export interface Principal {
  userId: number;
  userName: string;
  role: Role;
  isAdmin: boolean;
  /** The approved business the user works in; null for system administrators and users without one. */
  businessId: number | null;
  tokenId: string;
  tokenExpiresAt: number;
  /** The user's token version the token is accepted under; a refresh carries it on. */
  tokenVersion: number;
  /** Unix seconds of the login that began this session; refreshes keep it, SESSION_MAX_HOURS counts from it. */
  sessionStartedAt: number;
}

/** A business-scoped read: system administrators see every business, everyone else only their own. */
export const businessScope = (principal: Principal): number | null | 'all' =>
  principal.role === Role.SystemAdmin ? 'all' : principal.businessId;
