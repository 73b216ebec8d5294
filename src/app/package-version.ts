import type { FieldKind, Parsed } from '../common/collection-query';

/** A package version as SemVer and as the numbers it orders by (the `version_key` column). */
export interface PackageVersion {
  semver: string;
  key: number[];
}

const VERSION = /^(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9})(?:[.+](\d{1,9}))?)?$/;

/**
 * Application versions are 2 to 4 dotted numbers (SPEC §5); packages carry SemVer (seed 004):
 * - `1.2` is `1.2.0`, and numbers lose leading zeros (`22.01` is `22.1.0`), as SemVer requires;
 * - a fourth number is the build: `1.2.3.4` is `1.2.3+4`. SemVer gives build metadata no precedence;
 *   we order by it after the core (1.2.3 < 1.2.3+4 < 1.2.3+5 < 1.2.4), which refines SemVer's order
 *   without contradicting it, and keeps two builds of one release apart.
 * Literals in a filter may use either spelling.
 */
export function packageVersion(text: string): Parsed<PackageVersion> {
  const match = VERSION.exec(text);
  if (!match) return { error: 'must be a version such as 1.2, 1.2.3 or 1.2.3+4' };
  const [major, minor, patch = 0, build] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const core = [major!, minor!, patch];
  return {
    value: {
      semver: `${core.join('.')}${build === undefined ? '' : `+${build}`}`,
      key: build === undefined ? core : [...core, build],
    },
  };
}

/** The SemVer of a stored version (which the create route has already checked). */
export const toSemVer = (version: string): string => {
  const parsed = packageVersion(version);
  return 'error' in parsed ? version : parsed.value.semver;
};

/** Versions compare as their number arrays, as PostgreSQL compares `int[]`. */
export const SEMVER_KIND: FieldKind = {
  parse: (literal) => {
    const parsed = packageVersion(literal);
    return 'error' in parsed ? parsed : { value: parsed.value.key };
  },
  placeholder: (index) => `$${index}::int[]`,
  expression: (sql) => sql,
};
