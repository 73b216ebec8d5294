/**
 * The one polling helper of the test suite: polls `probe` until `accept` holds for its value, or fails
 * with the last value seen. Tests wait for a condition this way rather than sleeping a fixed time. An
 * error thrown by `probe` or `accept` ends the wait at once (an assertion on an intermediate value).
 */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (accept(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`${what} not reached in ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
