import { packageVersion, toSemVer } from './package-version';

describe('package versions', () => {
  it.each([
    ['1.2', '1.2.0', [1, 2, 0]],
    ['1.2.3', '1.2.3', [1, 2, 3]],
    ['22.01', '22.1.0', [22, 1, 0]],
    ['1.2.3.4', '1.2.3+4', [1, 2, 3, 4]],
    ['1.2.3+4', '1.2.3+4', [1, 2, 3, 4]],
    ['999999999.0', '999999999.0.0', [999999999, 0, 0]],
  ])('%s is SemVer %s, ordered as %j', (text, semver, key) => {
    expect(packageVersion(text)).toEqual({ value: { semver, key } });
  });

  it.each(['1', '1.2.3.4.5', '1.2+3', 'v1.2', '1.2.3-rc1', '1..2', '1234567890.0', ''])(
    '%j is refused',
    (text) => {
      expect(packageVersion(text)).toHaveProperty('error');
    },
  );

  it('a stored version shows as its SemVer', () => {
    expect(toSemVer('1.10')).toBe('1.10.0');
  });
});
