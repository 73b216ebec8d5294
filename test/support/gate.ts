/**
 * A promise the test opens when it chooses: holds a worker between its read and its write. The worker
 * calls `entered()` and awaits `opened`; the test awaits `reached`, does what must come in between,
 * then calls `open()`.
 */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let entered!: () => void;
  const reached = new Promise<void>((resolve) => (entered = resolve));
  return { open, opened, entered, reached };
}
