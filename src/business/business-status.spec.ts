import { assertBusinessTransition, BusinessStatus, canMoveBusiness } from './business-status';

describe('business status transitions', () => {
  const all = [
    BusinessStatus.Pending,
    BusinessStatus.Approved,
    BusinessStatus.Disapproved,
    BusinessStatus.Deleted,
  ];
  const allowed = new Set(['0>1', '0>2', '1>3']);

  it.each(all.flatMap((from) => all.map((to) => [from, to] as const)))('%s -> %s', (from, to) => {
    const expected = allowed.has(`${from}>${to}`);
    expect(canMoveBusiness(from, to)).toBe(expected);
    if (expected) expect(() => assertBusinessTransition(from, to)).not.toThrow();
    else expect(() => assertBusinessTransition(from, to)).toThrow(/cannot become/);
  });
});
