import { concurrencyGate } from './concurrency';

describe('concurrencyGate', () => {
  it('runs at most `limit` at once, starts the rest in order, and passes results and errors through', async () => {
    const gate = concurrencyGate(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const task = (index: number) =>
      gate(async () => {
        started.push(index);
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        if (index === 3) throw new Error('task 3 failed');
        return index;
      });
    const results = [0, 1, 2, 3, 4].map((index) => task(index).catch((error: Error) => error.message));
    for (let finished = 0; finished < 5; finished++) {
      await new Promise((resolve) => setImmediate(resolve));
      releases.shift()!();
    }
    expect(await Promise.all(results)).toEqual([0, 1, 2, 'task 3 failed', 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });
});
