import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2, OnEvent as NestOnEvent } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { DurableEventName, EventMap, EventName } from './event-map';

/** An announcement of a durable event, stored in its change's transaction until it is delivered. */
export interface Announcement<E extends DurableEventName = DurableEventName> {
  id: string;
  name: E;
  payload: EventMap[E];
}

/**
 * How old an undelivered announcement must be before the sweep delivers it: older than any delivery
 * still under way after its commit, so that a sweep seldom repeats one (a repeat is harmless: the
 * listeners of durable events act on the state as it is then).
 */
const REDELIVER_AFTER_MS = 60_000;
const REDELIVER_BATCH = 100;

/**
 * The one way modules tell each other what happened. `emit` waits for every listener, so a
 * listener's error reaches the emitter (a "checking" event refuses the change that way).
 *
 * A durable event (see DurableEventName) is announced in the transaction of the change and delivered
 * after its commit: the announcement outlives a process that ends in between, or a listener that
 * fails, and is delivered again by `redeliverStale` (every minute, see EventOutboxProcessor).
 */
@Injectable()
export class EventBus {
  private readonly logger = new Logger(EventBus.name);

  constructor(
    private readonly emitter: EventEmitter2,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** A durable event cannot be emitted this way: it is announced, then delivered. */
  async emit<E extends Exclude<EventName, DurableEventName>>(name: E, payload: EventMap[E]): Promise<void> {
    await this.emitter.emitAsync(name, payload);
  }

  /** Stores the announcement in the caller's transaction; `deliver` it once that has committed. */
  async announce<E extends DurableEventName>(
    manager: EntityManager,
    name: E,
    payload: EventMap[E],
  ): Promise<Announcement<E>> {
    const [row]: { id: string }[] = await manager.query(
      `INSERT INTO event_outbox (name, payload) VALUES ($1, $2) RETURNING id`,
      [name, JSON.stringify(payload)],
    );
    return { id: row!.id, name, payload };
  }

  /**
   * Runs the listeners of a committed announcement, then forgets it. The change it announces stands
   * either way, so a failure is not the caller's: it is logged, and the sweep delivers it again.
   */
  async deliver(announcement: Announcement): Promise<void> {
    const { id, name, payload } = announcement;
    try {
      await this.emitter.emitAsync(name, payload);
      await this.dataSource.query(`DELETE FROM event_outbox WHERE id = $1`, [id]);
    } catch (error) {
      this.logger.warn(
        `event ${name} #${id} not delivered (${(error as Error).message}); the sweep delivers it again`,
      );
    }
  }

  /** Delivers, oldest first, the announcements left undelivered for longer than `graceMs`; returns how many. */
  async redeliverStale(graceMs = REDELIVER_AFTER_MS): Promise<number> {
    const stale: Announcement[] = await this.dataSource.query(
      `SELECT id, name, payload FROM event_outbox
        WHERE created_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000)
        ORDER BY id LIMIT ${REDELIVER_BATCH}`,
      [graceMs],
    );
    for (const announcement of stale) await this.deliver(announcement);
    return stale.length;
  }
}

/**
 * Marks a provider method as a listener of one event; the method's parameter must accept that
 * event's payload. Errors propagate to the emitter instead of being swallowed.
 */
export const OnEvent =
  <E extends EventName>(name: E) =>
  (
    target: object,
    key: string | symbol,
    descriptor: { value?: (payload: EventMap[E]) => Promise<void> },
  ): void => {
    NestOnEvent(name, { async: false, promisify: true, suppressErrors: false })(
      target,
      key,
      descriptor as PropertyDescriptor,
    );
  };
