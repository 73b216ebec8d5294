import { Role } from '../common/auth/principal';
import { roleOf } from './roles';
import { UserStatus } from './user.entity';

describe('roleOf', () => {
  const user = { status: UserStatus.Approved, isSystemAdmin: false, isAdmin: false, businessId: null };

  it.each([
    ['pending user', { status: UserStatus.Pending }, Role.Pending],
    ['approved user without business', {}, Role.Approved],
    ['approved admin without business', { isAdmin: true }, Role.Approved],
    ['general user of a business', { businessId: 7 }, Role.GeneralUser],
    ['business administrator', { businessId: 7, isAdmin: true }, Role.BusinessAdmin],
    ['system administrator', { isSystemAdmin: true, isAdmin: true }, Role.SystemAdmin],
  ])('%s', (_name, overrides, expected) => {
    expect(roleOf({ ...user, ...overrides })).toBe(expected);
  });
});
