import { PlacementStore } from '../../src/deploy/placement.store';
import type { TestApp } from './test-app';

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

/**
 * Holds the first compare-and-set of a pending placement of deployment `id` (its job has applied, or
 * failed to, and not yet recorded it) until the test opens the gate; `spy.mockRestore()` ends it.
 */
export function holdFirstPendingMove(t: TestApp, id: number) {
  const store = t.app.get(PlacementStore);
  const original = store.move.bind(store);
  const held = gate();
  let holding = true;
  const spy = jest.spyOn(store, 'move').mockImplementation(async (placement, to, changes, manager) => {
    if (holding && placement.deploymentId === id && placement.status === 'pending') {
      holding = false;
      held.entered();
      await held.opened;
    }
    return original(placement, to, changes, manager);
  });
  return { held, spy };
}
