import { EventEmitter2 } from '@nestjs/event-emitter';
import { EventBus, REDELIVER_BATCH } from '../../src/events/event-bus';
import type { EventMap } from '../../src/events/event-map';
import { ServiceContext, startServiceContext } from './service-context';

type LabelsChanged = EventMap['cluster.labels-changed'];

/** Durable events: announced in the change's transaction, delivered after it, delivered again if need be. */
describe('event outbox (service)', () => {
  let s: ServiceContext;
  let bus: EventBus;
  const heard: LabelsChanged[] = [];
  let failNext = 0;
  /** Labels whose listener fails every time. */
  const failing = new Set<string>();

  beforeAll(async () => {
    s = await startServiceContext();
    bus = s.get(EventBus);
    s.get(EventEmitter2).on('cluster.labels-changed', async (payload: LabelsChanged) => {
      heard.push(payload);
      if (failing.has(payload.label)) throw new Error('listener failed again');
      if (failNext > 0) {
        failNext--;
        throw new Error('listener failed');
      }
    });
  });
  afterAll(() => s?.close());
  beforeEach(() => {
    heard.length = 0;
    failing.clear();
  });
  afterEach(() => s.db.query('DELETE FROM event_outbox'));

  const outbox = async () =>
    (await s.db.query('SELECT name, payload FROM event_outbox ORDER BY id')) as {
      name: string;
      payload: unknown;
    }[];
  const announce = (label: string) =>
    s.db.transaction((manager) =>
      bus.announce(manager, 'cluster.labels-changed', { label, clusterIds: ['c-1'] }),
    );
  /** As if the minute of grace had passed; announcements a sweep has tried wait out their back-off still. */
  const graceOver = () => s.db.query('UPDATE event_outbox SET deliver_after = now() WHERE attempts = 0');
  /** As if every wait were over, back-offs included. */
  const allDue = () => s.db.query('UPDATE event_outbox SET deliver_after = now()');
  /** How many times the sweep tried it, and in how many seconds it will be due again. */
  const schedule = async (label: string) =>
    (
      (await s.db.query(
        `SELECT attempts, extract(epoch FROM deliver_after - clock_timestamp())::float8 AS "dueInS"
           FROM event_outbox WHERE payload->>'label' = $1`,
        [label],
      )) as { attempts: number; dueInS: number }[]
    )[0];
  const labelsHeard = () => heard.map((payload) => payload.label);

  it('an announcement rolled back with its change is never stored nor delivered', async () => {
    await expect(
      s.db.transaction(async (manager) => {
        await bus.announce(manager, 'cluster.labels-changed', { label: 'rolled-back', clusterIds: [] });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await outbox()).toEqual([]);
    await allDue();
    expect(await bus.redeliverDue()).toBe(0);
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
    expect(await bus.redeliverDue()).toBe(0);
    expect(heard).toHaveLength(1);
    await graceOver();
    expect(await bus.redeliverDue()).toBe(1);
    expect(heard).toEqual([
      { label: 'retried', clusterIds: ['c-1'] },
      { label: 'retried', clusterIds: ['c-1'] },
    ]);
    expect(await outbox()).toEqual([]);
  });

  it('the sweep delivers the oldest first', async () => {
    await announce('first');
    await announce('second');
    await graceOver();
    expect(await bus.redeliverDue()).toBe(2);
    expect(heard.map((payload) => payload.label)).toEqual(['first', 'second']);
  });

  it('a successful sweep forgets the announcement: the next sweep finds nothing', async () => {
    await announce('swept');
    await graceOver();
    expect(await bus.redeliverDue()).toBe(1);
    expect(await outbox()).toEqual([]);
    await allDue();
    expect(await bus.redeliverDue()).toBe(0);
    expect(labelsHeard()).toEqual(['swept']);
  });

  it('two sweeps at once deliver each due announcement once', async () => {
    const labels = ['c0', 'c1', 'c2', 'c3', 'c4'];
    for (const label of labels) await announce(label);
    await graceOver();
    const [one, other] = await Promise.all([bus.redeliverDue(), bus.redeliverDue()]);
    expect(one + other).toBe(labels.length);
    expect(labelsHeard().sort()).toEqual(labels);
    expect(await outbox()).toEqual([]);
  });

  it("an event this version does not know (a newer replica's, during a rolling upgrade) is left to a replica that knows it", async () => {
    await s.db.query(
      `INSERT INTO event_outbox (name, payload) VALUES ('cluster.from-a-later-version', '{}')`,
    );
    await announce('known');
    await allDue();
    expect(await bus.redeliverDue()).toBe(1);
    expect(labelsHeard()).toEqual(['known']);
    expect(await s.db.query('SELECT name, attempts FROM event_outbox')).toEqual([
      { name: 'cluster.from-a-later-version', attempts: 0 },
    ]);
  });

  it('a failed sweep delivery waits out a back-off instead of being tried again at once; newer announcements are not held back', async () => {
    await announce('broken');
    failing.add('broken');
    await graceOver();
    expect(await bus.redeliverDue()).toBe(1);
    const backedOff = await schedule('broken');
    expect(backedOff?.attempts).toBe(1);
    expect(backedOff?.dueInS).toBeGreaterThan(50);
    expect(await bus.redeliverDue()).toBe(0);

    await announce('behind');
    await graceOver();
    expect(await bus.redeliverDue()).toBe(1);
    expect(labelsHeard()).toEqual(['broken', 'behind']);
    expect(await outbox()).toEqual([
      { name: 'cluster.labels-changed', payload: { label: 'broken', clusterIds: ['c-1'] } },
    ]);
  });

  it('the back-off doubles with each failed attempt, up to an hour', async () => {
    await announce('broken');
    failing.add('broken');
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await allDue();
      expect(await bus.redeliverDue()).toBe(1);
      waits.push(Math.round((await schedule('broken'))!.dueInS / 60));
    }
    await s.db.query('UPDATE event_outbox SET attempts = 9');
    await allDue();
    expect(await bus.redeliverDue()).toBe(1);
    expect((await schedule('broken'))?.attempts).toBe(10);
    waits.push(Math.round((await schedule('broken'))!.dueInS / 60));
    expect(waits).toEqual([1, 2, 4, 60]);
  });

  it('a full batch of announcements that keep failing does not hold back a newer one', async () => {
    for (let i = 0; i < REDELIVER_BATCH; i++) {
      await announce(`broken-${i}`);
      failing.add(`broken-${i}`);
    }
    await announce('behind');
    await graceOver();
    expect(await bus.redeliverDue()).toBe(REDELIVER_BATCH);
    expect(labelsHeard()).not.toContain('behind');
    expect(await bus.redeliverDue()).toBe(1);
    expect(labelsHeard().at(-1)).toBe('behind');
    expect(heard).toHaveLength(REDELIVER_BATCH + 1);
  });
});
