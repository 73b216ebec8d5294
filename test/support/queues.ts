import { Job, Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { AppConfig } from '../../src/config/app-config';
import { ALL_QUEUES, bullPrefix } from '../../src/queue/jobs';
import { eventually } from './eventually';

/** A job that is neither finished nor failed for good, in every state BullMQ has for one. */
const PENDING_STATES = ['waiting', 'active', 'prioritized', 'waiting-children', 'delayed'] as const;
/** Quiet twice in a row: a job finishing just after one check may enqueue the next one. */
const QUIET_CHECKS = 2;
/** A retry promoted this many times in one wait that still fails is a cluster kept down, not a hiccup. */
const MAX_PROMOTIONS = 5;

export interface QuietQueuesOptions {
  /** 30 s unless given. */
  timeoutMs?: number;
  /**
   * A job backing off before its next attempt (an attempt failed, more are left):
   * - `'promote'` (the default) runs it now, so that a test never waits out a back-off (1 s doubling
   *   up to about an hour). If it keeps failing (MAX_PROMOTIONS times in one wait) the wait fails and
   *   says so, rather than spending every attempt of the job in a few milliseconds.
   * - `'ignore'` leaves it delayed and does not count it: for a test that keeps a cluster unreachable
   *   on purpose while its jobs back off, and waits for everything else to settle.
   */
  retries?: 'promote' | 'ignore';
}

interface QueueState {
  quietChecks: number;
  /** What was still pending at the last check, per queue, for the message of a wait that times out. */
  pending: Record<string, string[]>;
}

/**
 * Waits until the application's queues are quiet: no job waiting, active, prioritized, waiting for its
 * children or delayed, in two consecutive checks. It reads the queues of the job registry
 * (src/queue/jobs.ts) directly through BullMQ, on its own connection under the application's Redis
 * prefix, so that production code needs nothing for it. Without workers (PROCESS_ROLE=api) queued
 * jobs never run and the wait times out.
 *
 * Delayed jobs are of three kinds:
 * - the next run of a repeating job (cluster sync, deploy repair) is always there: it never counts;
 * - a retry backing off after a failed attempt: see `retries`;
 * - a job enqueued with a delay (a placement's rollout deadline) is a timer the product set on purpose:
 *   it counts and is waited out, never promoted, since firing it early would fail a rollout before its
 *   deadline.
 */
export async function waitForQuietQueues(
  app: { config: Pick<AppConfig, 'redisUrl' | 'redisPrefix'> },
  { timeoutMs = 30_000, retries = 'promote' }: QuietQueuesOptions = {},
): Promise<void> {
  const connection = new IORedis(app.config.redisUrl, { maxRetriesPerRequest: null });
  const queues = ALL_QUEUES.map((name) => new Queue(name, { connection, prefix: bullPrefix(app.config) }));
  const promotions = new Map<string, number>();
  let quietChecks = 0;

  const check = async (): Promise<QueueState> => {
    const pending: Record<string, string[]> = {};
    const note = (queue: Queue, line: string) => (pending[queue.name] ??= []).push(line);
    for (const queue of queues) {
      const counts = await queue.getJobCounts(...PENDING_STATES);
      for (const state of PENDING_STATES.filter((state) => state !== 'delayed' && counts[state] > 0)) {
        const some = await queue.getJobs([state], 0, 4);
        note(queue, `${counts[state]} ${state}: ${some.map((job) => `${job?.name} ${job?.id}`).join(', ')}`);
      }
      if (counts.delayed === 0) continue;
      for (const job of await queue.getDelayed()) {
        if (!job || isRepeatRun(job)) continue;
        if (isBackingOff(job)) {
          if (retries === 'ignore') continue;
          const key = `${queue.name}/${job.id}`;
          const count = (promotions.get(key) ?? 0) + 1;
          if (count > MAX_PROMOTIONS)
            throw new Error(
              `${job.name} ${job.id} still fails after ${MAX_PROMOTIONS} promoted retries ` +
                `(${job.failedReason}); a test that keeps its cluster down on purpose passes { retries: 'ignore' }`,
            );
          promotions.set(key, count);
          await job.promote().catch(() => undefined); // it may have been promoted or started meanwhile
        }
        note(queue, `delayed: ${job.name} ${job.id} (${job.attemptsMade} attempts made)`);
      }
    }
    quietChecks = Object.keys(pending).length === 0 ? quietChecks + 1 : 0;
    return { quietChecks, pending };
  };

  try {
    await eventually(check, (state) => state.quietChecks >= QUIET_CHECKS, {
      timeoutMs,
      intervalMs: 50,
      what: 'quiet queues',
    });
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
    await connection.quit().catch(() => connection.disconnect());
  }
}

/** The next run of a job scheduler (cluster sync, deploy repair): always delayed, never work left over. */
const isRepeatRun = (job: Job) => Boolean(job.repeatJobKey) || Boolean(job.id?.startsWith('repeat:'));

/** Delayed because an attempt failed and BullMQ backs off before the next one, not enqueued with a delay. */
const isBackingOff = (job: Job) => job.attemptsMade > 0;
