import { Role } from '../common/auth/principal';
import { UserStatus } from './user.entity';

/** SPEC §2: a user's role follows from their status, their admin flags and whether they work in a business. */
export function roleOf(user: {
  status: UserStatus;
  isSystemAdmin: boolean;
  isAdmin: boolean;
  businessId: number | null;
}): Role {
  if (user.isSystemAdmin) return Role.SystemAdmin;
  if (user.status === UserStatus.Pending) return Role.Pending;
  if (user.businessId === null) return Role.Approved;
  return user.isAdmin ? Role.BusinessAdmin : Role.GeneralUser;
}
