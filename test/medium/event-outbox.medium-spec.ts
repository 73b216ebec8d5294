import { EventEmitter2 } from '@nestjs/event-emitter';
import { EventBus } from '../../src/events/event-bus';
import type { EventMap } from '../../src/events/event-map';
import { ServiceContext, startServiceContext } from './service-context';

type LabelsChanged = EventMap['cluster.labels-changed'];

/** Durable events: announced in the change's transaction, delivered after it, delivered again if need be. */
describe('event outbox (service)', () => {
  let s: ServiceContext;
  let bus: EventBus;
  const heard: LabelsChanged[] = [];
  let failNext = 0;

  beforeAll(async () => {
    s = await startServiceContext();
    bus = s.get(EventBus);
    s.get(EventEmitter2).on('cluster.labels-changed', async (payload: LabelsChanged) => {
      heard.push(payload);
      if (failNext > 0) {
        failNext--;
        throw new Error('listener failed');
      }
    });
  });
  afterAll(() => s?.close());
  beforeEach(() => {
    heard.length = 0;
  });

  const outbox = async () =>
    (await s.db.query('SELECT name, payload FROM event_outbox ORDER BY id')) as {
      name: string;
      payload: unknown;
    }[];
  const announce = (label: string) =>
    s.db.transaction((manager) =>
      bus.announce(manager, 'cluster.labels-changed', { label, clusterIds: ['c-1'] }),
    );

  it('an announcement rolled back with its change is never stored nor delivered', async () => {
    await expect(
      s.db.transaction(async (manager) => {
        await bus.announce(manager, 'cluster.labels-changed', { label: 'rolled-back', clusterIds: [] });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await outbox()).toEqual([]);
    expect(await bus.redeliverStale(0)).toBe(0);
    expect(heard).toEqual([]);
  });

  it('a committed announcement is stored until its delivery, then forgotten', async () => {
    const announcement = await announce('delivered');
    expect(await outbox()).toEqual([
      { name: 'cluster.labels-changed', payload: { label: 'delivered', clusterIds: ['c-1'] } },
    ]);
    await bus.deliver(announcement);
    expect(heard).toEqual([{ label: 'delivered', clusterIds: ['c-1'] }]);
    expect(await outbox()).toEqual([]);
  });

  it('a failed delivery does not reach the caller; the sweep delivers it again once it is older than the grace', async () => {
    const announcement = await announce('retried');
    failNext = 1;
    await expect(bus.deliver(announcement)).resolves.toBeUndefined();
    expect(await outbox()).toHaveLength(1);
    // Younger than the grace: a delivery may still be under way in the process that committed it.
    expect(await bus.redeliverStale(60_000)).toBe(0);
    expect(heard).toHaveLength(1);
    expect(await bus.redeliverStale(0)).toBe(1);
    expect(heard).toEqual([
      { label: 'retried', clusterIds: ['c-1'] },
      { label: 'retried', clusterIds: ['c-1'] },
    ]);
    expect(await outbox()).toEqual([]);
  });

  it('the sweep delivers the oldest first', async () => {
    await announce('first');
    await announce('second');
    expect(await bus.redeliverStale(0)).toBe(2);
    expect(heard.map((payload) => payload.label)).toEqual(['first', 'second']);
  });
});
