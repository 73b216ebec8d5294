import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent as NestOnEvent } from '@nestjs/event-emitter';
import type { EventMap, EventName } from './event-map';

/**
 * The one way modules tell each other what happened. `emit` waits for every listener, so a
 * listener's error reaches the emitter (a "checking" event refuses the change that way).
 */
@Injectable()
export class EventBus {
  constructor(private readonly emitter: EventEmitter2) {}

  async emit<E extends EventName>(name: E, payload: EventMap[E]): Promise<void> {
    await this.emitter.emitAsync(name, payload);
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
