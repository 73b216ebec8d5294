import { SetMetadata } from '@nestjs/common';
import type { JobName } from './jobs';

export const JOB_HANDLER = 'jobHandler';

/** Marks the one method that runs a job; the queue module finds it at start-up. */
export const JobHandler = (name: JobName) => SetMetadata(JOB_HANDLER, name);
