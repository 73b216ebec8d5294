import { Module } from '@nestjs/common';
import { QueueDashboardController } from './queue-dashboard.controller';

/** `/admin/queues`: the bull-board dashboard (the queues come from the global QueueModule). */
@Module({ controllers: [QueueDashboardController] })
export class QueueDashboardModule {}
