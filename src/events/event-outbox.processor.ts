import { Injectable } from '@nestjs/common';
import { JobHandler } from '../queue/job-handler.decorator';
import { JobName } from '../queue/jobs';
import { EventBus } from './event-bus';

/** Every minute (JOBS), whichever worker replica takes it: durable events left undelivered are delivered. */
@Injectable()
export class EventOutboxProcessor {
  constructor(private readonly events: EventBus) {}

  @JobHandler(JobName.EventsRedeliver)
  async redeliver(): Promise<void> {
    await this.events.redeliverDue();
  }
}
