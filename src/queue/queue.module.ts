import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobQueueService } from './job-queue.service';
import { WorkerRunner } from './worker-runner.service';

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [JobQueueService, WorkerRunner],
  exports: [JobQueueService],
})
export class QueueModule {}
