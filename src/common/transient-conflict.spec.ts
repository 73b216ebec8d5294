import { QueryFailedError } from 'typeorm';
import { isTransientConflict, retryOnTransientConflict } from './transient-conflict';

const failure = (code: string) =>
  new QueryFailedError('UPDATE', [], Object.assign(new Error(code), { code }));

describe('retryOnTransientConflict', () => {
  it.each(['40P01', '40001'])('runs a transaction aborted with %s again', async (code) => {
    let calls = 0;
    const result = await retryOnTransientConflict(async () => {
      calls++;
      if (calls < 3) throw failure(code);
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up after three attempts with the last error', async () => {
    let calls = 0;
    const run = retryOnTransientConflict(async () => {
      calls++;
      throw failure('40P01');
    });
    await expect(run).rejects.toBeInstanceOf(QueryFailedError);
    expect(calls).toBe(3);
  });

  it('does not run again for any other error', async () => {
    let calls = 0;
    const run = retryOnTransientConflict(async () => {
      calls++;
      throw failure('23505');
    });
    await expect(run).rejects.toThrow('23505');
    expect(calls).toBe(1);
    expect(isTransientConflict(new Error('40P01'))).toBe(false);
  });
});
