import { assertMove, canMove, DeployStatus, isEditable, isInFlight, isLive } from './deployment-status';

const S = DeployStatus;
const ALL = Object.values(DeployStatus).filter((value): value is DeployStatus => typeof value === 'number');

/** The allowed moves written out independently of the implementation's table. */
// prettier-ignore
const ALLOWED = new Set([
  '0>1', '0>2', '0>5', '0>6', '0>7', '0>8',
  '1>3', '1>8',
  '3>4', '3>9', '3>8',
  '4>5', '4>6', '4>7', '4>9', '4>8',
  '5>0', '5>1', '5>3',
  '6>0', '6>1', '6>3',
  '7>0', '7>1', '7>3',
  '8>0', '8>1', '8>3',
]);

describe('deployment state machine', () => {
  it.each(ALL.flatMap((from) => ALL.map((to) => [from, to] as const)))('%s -> %s', (from, to) => {
    const allowed = ALLOWED.has(`${from}>${to}`);
    expect(canMove(from, to)).toBe(allowed);
    if (allowed) expect(() => assertMove(from, to)).not.toThrow();
    else expect(() => assertMove(from, to)).toThrow(/cannot become/);
  });

  it('is editable only once settled', () => {
    expect(ALL.filter(isEditable)).toEqual([S.Success, S.PartialSuccess, S.Failed, S.InternalError]);
  });

  it('is in flight between approval and a result', () => {
    expect(ALL.filter(isInFlight)).toEqual([S.Approved, S.Processing, S.Deploying]);
  });

  it('is live until disapproved or deleted', () => {
    expect(ALL.filter((status) => !isLive(status))).toEqual([S.Disapproved, S.Deleted]);
  });

  it('names statuses for messages', () => {
    expect(() => assertMove(S.Deleted, S.Pending)).toThrow('deployment is deleted and cannot become pending');
    expect(() => assertMove(S.PartialSuccess, S.Success)).toThrow('partial success');
  });
});
