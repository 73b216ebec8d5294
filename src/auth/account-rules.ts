import { Role } from '../common/auth/principal';

export interface AccountActor {
  id: number;
  role: Role;
  /** Owns the business they administer (businesses.user_id). */
  isOwner: boolean;
}

export interface AccountTarget {
  id: number;
  isAdmin: boolean;
  isSystemAdmin: boolean;
  isOwner: boolean;
}

/**
 * SPEC §12: whose account (password reset, deletion) a caller may change, given that the target is
 * within the caller's reach (same business, or any for a system administrator). A business
 * administrator changes the general users of the business; the owner also changes the other
 * administrators; the owner's account is a system administrator's. Returns why not, or null.
 */
export function refusalToChangeAccount(actor: AccountActor, target: AccountTarget): string | null {
  if (actor.role === Role.SystemAdmin) {
    return target.isSystemAdmin && target.id !== actor.id
      ? "another system administrator's account cannot be changed"
      : null;
  }
  if (!target.isAdmin) return null;
  if (target.isOwner) return "the business owner's account is changed only by a system administrator";
  return actor.isOwner
    ? null
    : "only the business owner or a system administrator may change an administrator's account";
}

/** SPEC §12: only the business's owner or a system administrator creates another administrator. */
export function refusalToCreateAdmin(actor: AccountActor): string | null {
  return actor.role === Role.SystemAdmin || actor.isOwner
    ? null
    : 'only the business owner or a system administrator may create an administrator';
}
