import { Global, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { EventBus } from './event-bus';
import { EventOutboxProcessor } from './event-outbox.processor';

@Global()
@Module({
  imports: [EventEmitterModule.forRoot({ wildcard: false })],
  providers: [EventBus, EventOutboxProcessor],
  exports: [EventBus],
})
export class EventsModule {}
