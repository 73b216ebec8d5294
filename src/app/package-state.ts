import { PackageStatus } from './app-version';

/** Seed 004 `packageState`, indexed by the application's `status` (SPEC §5). */
export const PACKAGE_STATES = ['verifying', 'available', 'incomplete', 'corrupt'] as const;

const S = PackageStatus;
/**
 * Every move a package makes. The verifier decides a `verifying` package once; a package whose
 * images change in the registry is verified again, so `available` and `incomplete` may go back to
 * `verifying`. A corrupt package stays corrupt: its definition itself is wrong.
 */
const TRANSITIONS: Record<PackageStatus, readonly PackageStatus[]> = {
  [S.Verifying]: [S.Available, S.Incomplete, S.Corrupt],
  [S.Available]: [S.Verifying],
  [S.Incomplete]: [S.Verifying],
  [S.Corrupt]: [],
};

export const canMovePackage = (from: PackageStatus, to: PackageStatus): boolean =>
  TRANSITIONS[from].includes(to);

/** Seed 004 `packageStateTransitions`: the permitted destinations from each state. */
export const PACKAGE_STATE_TRANSITIONS = PACKAGE_STATES.map((from, status) => ({
  from,
  to: TRANSITIONS[status as PackageStatus].map((to) => PACKAGE_STATES[to]),
}));

export interface StateDetail {
  type: string;
  title: string;
  detail: string;
}

const DETAIL_TITLES: Record<PackageStatus, string> = {
  [S.Verifying]: 'Verification in progress',
  [S.Available]: 'Verified with a note',
  [S.Incomplete]: 'Package elements are missing',
  [S.Corrupt]: 'Package is corrupt',
};

/**
 * Seed 004 `packageStateDetails`: what the verifier said about the current state (the application's
 * `status_detail`), or nothing when it had nothing to say.
 */
export function packageStateDetails(status: PackageStatus, detail: string): StateDetail[] {
  if (!detail) return [];
  return [
    { type: `urn:ote-stack:package-state:${PACKAGE_STATES[status]}`, title: DETAIL_TITLES[status], detail },
  ];
}
