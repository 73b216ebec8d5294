import { Role } from '../common/auth/principal';
import { AccountActor, AccountTarget, refusalToChangeAccount, refusalToCreateAdmin } from './account-rules';

const systemAdmin: AccountActor = { id: 1, role: Role.SystemAdmin, isOwner: false };
const owner: AccountActor = { id: 2, role: Role.BusinessAdmin, isOwner: true };
const otherAdmin: AccountActor = { id: 3, role: Role.BusinessAdmin, isOwner: false };

const general: AccountTarget = { id: 10, isAdmin: false, isSystemAdmin: false, isOwner: false };
const subAdmin: AccountTarget = { id: 3, isAdmin: true, isSystemAdmin: false, isOwner: false };
const ownerAccount: AccountTarget = { id: 2, isAdmin: true, isSystemAdmin: false, isOwner: true };
const anotherSystemAdmin: AccountTarget = { id: 5, isAdmin: true, isSystemAdmin: true, isOwner: false };
const selfAsSystemAdmin: AccountTarget = { id: 1, isAdmin: true, isSystemAdmin: true, isOwner: false };

describe('refusalToChangeAccount', () => {
  it.each([
    ['system administrator → general user', systemAdmin, general, true],
    ['system administrator → owner', systemAdmin, ownerAccount, true],
    ['system administrator → themselves', systemAdmin, selfAsSystemAdmin, true],
    ['system administrator → another system administrator', systemAdmin, anotherSystemAdmin, false],
    ['owner → general user', owner, general, true],
    ['owner → another administrator', owner, subAdmin, true],
    ['owner → themselves', owner, ownerAccount, false],
    ['administrator → general user', otherAdmin, general, true],
    ['administrator → owner', otherAdmin, ownerAccount, false],
    ['administrator → another administrator', otherAdmin, { ...subAdmin, id: 4 }, false],
    ['administrator → themselves', otherAdmin, subAdmin, false],
  ])('%s: allowed %s', (_name, actor, target, allowed) => {
    expect(refusalToChangeAccount(actor, target) === null).toBe(allowed);
  });
});

describe('refusalToCreateAdmin', () => {
  it.each([
    ['system administrator', systemAdmin, true],
    ['owner', owner, true],
    ['another administrator', otherAdmin, false],
  ])('%s: allowed %s', (_name, actor, allowed) => {
    expect(refusalToCreateAdmin(actor) === null).toBe(allowed);
  });
});
