import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2, OnEvent as NestOnEvent } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DURABLE_EVENTS, type DurableEventName, type EventMap, type EventName } from './event-map';

/** An announcement of a durable event, stored in its change's transaction until it is delivered. */
export interface Announcement<E extends DurableEventName = DurableEventName> {
  id: string;
  name: E;
  payload: EventMap[E];
}

/** How long a sweep holds the announcements it claims: longer than it takes to deliver a whole batch. */
const CLAIM_LEASE_MS = 10 * 60_000;
/**
 * The wait after a sweep's failed delivery, doubling with each attempt up to the cap: a listener that
 * keeps failing costs a try an hour, and announcements waiting out their back-off are not due, so they
 * leave the batch to the others.
 */
const FIRST_RETRY_AFTER_MS = 60_000;
const MAX_RETRY_AFTER_MS = 60 * 60_000;
export const REDELIVER_BATCH = 100;

/**
 * The one way modules tell each other what happened. `emit` waits for every listener, so a
 * listener's error reaches the emitter (a "checking" event refuses the change that way).
 *
 * A durable event (see DurableEventName) is announced in the transaction of the change and delivered
 * after its commit: the announcement outlives a process that ends in between, or a listener that
 * fails, and is delivered again by `redeliverDue` (every minute, see EventOutboxProcessor). The sweep
 * takes an announcement only once its minute of grace is over (event_outbox.deliver_after, migration
 * 1765600000000): until then it is left to the process that committed it.
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
   * either way, so a failure is not the caller's: it is logged, and the sweep delivers it again once its
   * grace is over. This is on the request path: a failure costs no write.
   */
  async deliver(announcement: Announcement): Promise<void> {
    const error = await this.tryDelivering(announcement);
    if (error)
      this.logger.warn(
        `event ${announcement.name} #${announcement.id} not delivered (${error.message}); the sweep delivers it again`,
      );
  }

  /**
   * Claims the due announcements, oldest first, and delivers them; returns how many it tried. A failed
   * one waits out its back-off; one whose sweep ended midway is due again when the lease runs out.
   * Only the events this version knows are claimed: during a rolling upgrade an older replica's sweep
   * would find no listener for a newer event, call it delivered and forget it; it is left to a replica
   * that knows it.
   */
  async redeliverDue(): Promise<number> {
    // One statement claims the batch: rows another sweep is claiming are skipped (SKIP LOCKED), and those
    // it has claimed are not due any more. now(), not clock_timestamp(): an index condition must be stable.
    const claimed: (Announcement & { attempts: number })[] = await this.dataSource.query(
      `WITH claimed AS (
         UPDATE event_outbox
            SET deliver_after = clock_timestamp() + make_interval(secs => $1::float8 / 1000),
                attempts = attempts + 1
          WHERE id IN (SELECT id FROM event_outbox WHERE deliver_after <= now() AND name = ANY($2::text[])
                        ORDER BY id LIMIT ${REDELIVER_BATCH} FOR UPDATE SKIP LOCKED)
          RETURNING id, name, payload, attempts)
       SELECT * FROM claimed ORDER BY id`,
      [CLAIM_LEASE_MS, DURABLE_EVENTS],
    );
    for (const announcement of claimed) {
      const error = await this.tryDelivering(announcement);
      if (error) await this.backOff(announcement, error);
    }
    return claimed.length;
  }

  /** The listeners' error, if any; the announcement is forgotten once they all succeed. */
  private async tryDelivering({ id, name, payload }: Announcement): Promise<Error | undefined> {
    try {
      await this.emitter.emitAsync(name, payload);
      await this.dataSource.query(`DELETE FROM event_outbox WHERE id = $1`, [id]);
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  private async backOff(
    { id, name, attempts }: Announcement & { attempts: number },
    error: Error,
  ): Promise<void> {
    const retryAfterMs = Math.min(FIRST_RETRY_AFTER_MS * 2 ** (attempts - 1), MAX_RETRY_AFTER_MS);
    this.logger.warn(
      `event ${name} #${id} not delivered at attempt ${attempts} (${error.message}); tried again in ${retryAfterMs / 60_000} min`,
    );
    // Only while the claim is still ours: once the lease ran out, the sweep that claimed it next decides.
    await this.dataSource.query(
      `UPDATE event_outbox SET deliver_after = clock_timestamp() + make_interval(secs => $2::float8 / 1000)
        WHERE id = $1 AND attempts = $3`,
      [id, retryAfterMs, attempts],
    );
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
