import { canPlacementMove, PlacementStatus, placementPredecessorsOf } from './placement-status';

const P = PlacementStatus;
const ALL = Object.values(PlacementStatus);

/** The allowed moves written out independently of the implementation's table. */
const ALLOWED: Record<PlacementStatus, PlacementStatus[]> = {
  [P.Pending]: [P.Pending, P.Applied, P.Running, P.Failed, P.Offline, P.Deleting],
  [P.Applied]: [P.Pending, P.Applied, P.Running, P.Failed, P.Offline, P.Deleting],
  [P.Running]: [P.Pending, P.Applied, P.Running, P.Failed, P.Deleting],
  [P.Failed]: [P.Pending, P.Applied, P.Running, P.Failed, P.Deleting],
  [P.Offline]: [P.Pending, P.Applied, P.Running, P.Failed, P.Offline, P.Deleting],
  [P.Deleting]: [P.Pending, P.Offline, P.Deleting],
};

describe('placement state machine', () => {
  it.each(ALL.flatMap((from) => ALL.map((to) => [from, to] as const)))('%s -> %s', (from, to) => {
    expect(canPlacementMove(from, to)).toBe(ALLOWED[from].includes(to));
  });

  it('gives every compare-and-set the statuses allowed before the new one', () => {
    for (const to of ALL)
      expect(placementPredecessorsOf(to)).toEqual(ALL.filter((from) => ALLOWED[from].includes(to)));
  });

  it('a removal is never marked running or applied: it goes, or waits offline', () => {
    expect(placementPredecessorsOf(P.Running)).not.toContain(P.Deleting);
    expect(placementPredecessorsOf(P.Applied)).not.toContain(P.Deleting);
  });
});
