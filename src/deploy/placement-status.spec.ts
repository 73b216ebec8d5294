import { canPlacementMove, PlacementStatus, placementPredecessorsOf } from './placement-status';

const P = PlacementStatus;
const ALL = Object.values(PlacementStatus);

/**
 * The allowed moves, from the rules the implementation's table encodes and written independently of it:
 * a new request or a changed target sends any placement back to Pending or Deleting; a removal is never
 * applied or run, and fails only when its cluster refuses it for good; only a placement that still owes
 * its cluster work waits Offline.
 */
const allowed = (from: PlacementStatus, to: PlacementStatus): boolean => {
  switch (to) {
    case P.Pending:
    case P.Deleting:
      return true;
    case P.Applied:
    case P.Running:
      return from !== P.Deleting;
    case P.Failed:
      return true;
    case P.Offline:
      return [P.Pending, P.Applied, P.Offline, P.Deleting].includes(from);
  }
};

describe('placement state machine', () => {
  it.each(ALL.flatMap((from) => ALL.map((to) => [from, to] as const)))('%s -> %s', (from, to) => {
    expect(canPlacementMove(from, to)).toBe(allowed(from, to));
  });

  it('gives every compare-and-set the statuses allowed before the new one', () => {
    for (const to of ALL)
      expect(placementPredecessorsOf(to)).toEqual(ALL.filter((from) => allowed(from, to)));
  });

  it('a removal is never marked running or applied: it goes, waits offline, or fails where refused', () => {
    expect(placementPredecessorsOf(P.Running)).not.toContain(P.Deleting);
    expect(placementPredecessorsOf(P.Applied)).not.toContain(P.Deleting);
  });
});
