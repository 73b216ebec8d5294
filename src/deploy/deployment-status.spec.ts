import {
  canMove,
  DeployAction,
  DeployStatus,
  isEditable,
  isInFlight,
  isLive,
  predecessorsOf,
  rolledUpStatus,
  statusName,
} from './deployment-status';

const S = DeployStatus;
const ALL = Object.values(DeployStatus).filter((value): value is DeployStatus => typeof value === 'number');

/** The allowed moves written out independently of the implementation's table. */
// prettier-ignore
const ALLOWED = new Set([
  '0>1', '0>2', '0>5', '0>6', '0>7', '0>8',
  '1>3', '1>4', '1>5', '1>6', '1>7', '1>9', '1>8',
  '3>4', '3>5', '3>6', '3>7', '3>9', '3>8',
  '4>5', '4>6', '4>7', '4>9', '4>8',
  '5>0', '5>1', '5>6', '5>7',
  '6>0', '6>1', '6>5', '6>7',
  '7>0', '7>1', '7>5', '7>6', '7>9',
  '8>0', '8>1', '8>5', '8>6', '8>7', '8>9',
]);

describe('deployment state machine', () => {
  it.each(ALL.flatMap((from) => ALL.map((to) => [from, to] as const)))('%s -> %s', (from, to) => {
    const allowed = ALLOWED.has(`${from}>${to}`);
    expect(canMove(from, to)).toBe(allowed);
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
    expect(statusName(S.Deleted)).toBe('deleted');
    expect(statusName(S.PartialSuccess)).toBe('partial success');
  });

  it('gives every compare-and-set the statuses allowed before the new one', () => {
    for (const to of ALL)
      expect(predecessorsOf(to)).toEqual(ALL.filter((from) => ALLOWED.has(`${from}>${to}`)));
  });
});

describe('status rolled up from placements', () => {
  const tally = (total: number, running: number, open: number, answered = total, refused = 0) => ({
    total,
    running,
    open,
    answered,
    refused,
  });
  const create = DeployAction.Create;

  it('in flight: Processing until a cluster answered, then Deploying while work is open', () => {
    expect(rolledUpStatus(S.Approved, create, tally(2, 0, 2, 0))).toBe(S.Processing);
    expect(rolledUpStatus(S.Approved, create, tally(2, 0, 2, 1))).toBe(S.Deploying);
    expect(rolledUpStatus(S.Processing, create, tally(2, 1, 1, 1))).toBe(S.Deploying);
    expect(rolledUpStatus(S.Deploying, create, tally(2, 1, 1, 1))).toBeNull();
  });

  it('settles as 5, 6 or 7 once no open work is left; offline placements are not open', () => {
    expect(rolledUpStatus(S.Deploying, create, tally(2, 2, 0))).toBe(S.Success);
    expect(rolledUpStatus(S.Deploying, create, tally(2, 1, 0))).toBe(S.PartialSuccess);
    expect(rolledUpStatus(S.Deploying, create, tally(2, 0, 0))).toBe(S.Failed);
    expect(rolledUpStatus(S.Approved, create, tally(0, 0, 0, 0))).toBe(S.Failed);
  });

  it('rolls a settled deployment up again when a cluster returns, but not while its work is open', () => {
    expect(rolledUpStatus(S.PartialSuccess, create, tally(2, 2, 0))).toBe(S.Success);
    expect(rolledUpStatus(S.PartialSuccess, create, tally(2, 1, 1))).toBeNull();
    expect(rolledUpStatus(S.Success, create, tally(2, 2, 0))).toBeNull();
  });

  it('a delete ends in 9 once no cluster that answers holds its objects', () => {
    expect(rolledUpStatus(S.Approved, DeployAction.Delete, tally(0, 0, 1, 0))).toBe(S.Processing);
    expect(rolledUpStatus(S.Deploying, DeployAction.Delete, tally(0, 0, 1, 0))).toBeNull();
    expect(rolledUpStatus(S.Deploying, DeployAction.Delete, tally(0, 0, 0, 0))).toBe(S.Deleted);
  });

  it('a delete that a cluster refused for good fails (7), its objects still there', () => {
    expect(rolledUpStatus(S.Deploying, DeployAction.Delete, tally(0, 0, 0, 0, 1))).toBe(S.Failed);
    expect(rolledUpStatus(S.Deploying, DeployAction.Delete, tally(0, 0, 1, 0, 1))).toBeNull();
  });

  it('a refused delete is done (9) once nothing refuses it: the refusing cluster was removed', () => {
    for (const settled of [S.Failed, S.InternalError]) {
      const next = rolledUpStatus(settled, DeployAction.Delete, tally(0, 0, 0, 0, 0));
      expect(next).toBe(S.Deleted);
      expect(canMove(settled, next!)).toBe(true);
    }
  });

  it('leaves pending, disapproved and deleted deployments alone', () => {
    for (const status of [S.Pending, S.Disapproved, S.Deleted])
      expect(rolledUpStatus(status, create, tally(1, 1, 0))).toBeNull();
  });
});
