import { getMetadataStorage, IsDefined } from 'class-validator';
import { rememberValidationRules } from './validation';

class Base {
  @IsDefined() inherited!: string;
}
class Derived extends Base {
  @IsDefined() own!: string;
  @IsDefined({ groups: ['admin'] }) grouped!: string;
}

const storage = getMetadataStorage();
const rulesOf = (groups?: string[]) =>
  storage.getTargetValidationMetadatas(Derived, '', false, false, groups);
const names = (rules: { propertyName: string }[]) => rules.map((rule) => rule.propertyName).sort();

describe('rememberValidationRules', () => {
  let workedOut: string[][];
  beforeAll(() => {
    workedOut = [names(rulesOf()), names(rulesOf(['admin']))];
    rememberValidationRules();
  });

  it("gives class-validator's own answer, inherited rules and groups included", () => {
    expect([names(rulesOf()), names(rulesOf(['admin']))]).toEqual(workedOut);
    expect(workedOut).toEqual([['grouped', 'inherited', 'own'], ['grouped']]);
  });

  it('works a class out once, and again after a rule is added', () => {
    const first = rulesOf();
    expect(rulesOf()).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);

    IsDefined()(Base.prototype, 'addedLater');
    expect(names(rulesOf())).toEqual(['addedLater', 'grouped', 'inherited', 'own']);
  });

  it('is installed once however often it is asked', () => {
    const installed = storage.getTargetValidationMetadatas;
    rememberValidationRules();
    expect(storage.getTargetValidationMetadatas).toBe(installed);
  });
});
