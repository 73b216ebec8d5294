import { PackageStatus } from './app-version';
import { canMovePackage, PACKAGE_STATE_TRANSITIONS, packageStateDetails } from './package-state';

describe('package states', () => {
  const S = PackageStatus;
  const allowed = [
    [S.Verifying, S.Available],
    [S.Verifying, S.Incomplete],
    [S.Verifying, S.Corrupt],
    [S.Available, S.Verifying],
    [S.Incomplete, S.Verifying],
  ];
  const states = [S.Verifying, S.Available, S.Incomplete, S.Corrupt];

  it('allows exactly the listed moves', () => {
    for (const from of states)
      for (const to of states)
        expect([from, to, canMovePackage(from, to)]).toEqual([
          from,
          to,
          allowed.some(([a, b]) => a === from && b === to),
        ]);
  });

  it('shows the same moves in the seed shape', () => {
    expect(PACKAGE_STATE_TRANSITIONS).toEqual([
      { from: 'verifying', to: ['available', 'incomplete', 'corrupt'] },
      { from: 'available', to: ['verifying'] },
      { from: 'incomplete', to: ['verifying'] },
      { from: 'corrupt', to: [] },
    ]);
  });

  it('details what the verifier said, or nothing', () => {
    expect(packageStateDetails(S.Corrupt, 'bad image')).toEqual([
      { type: 'urn:ote-stack:package-state:corrupt', title: 'Package is corrupt', detail: 'bad image' },
    ]);
    expect(packageStateDetails(S.Available, '')).toEqual([]);
  });
});
