import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type JobOutcome = 'completed' | 'failed' | 'retried';

/**
 * How long a scrape waits for one figure. The queue connection holds commands while Redis is down
 * instead of failing them, so without a limit a scrape would hang until Redis returned.
 */
const READ_TIMEOUT_MS = 3000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The application's Prometheus registry and the metrics other modules feed. One registry per
 * application (not prom-client's global one), so that several applications in one process, as in
 * the tests, never mix their figures.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly jobs = new Counter({
    name: 'ote_jobs_total',
    help: 'Background job runs by job name and outcome: completed, failed (no attempt left) or retried',
    labelNames: ['job', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status: String(status) }, seconds);
  }

  countJob(job: string, outcome: JobOutcome): void {
    this.jobs.inc({ job, outcome });
  }

  /** A gauge read fresh on every scrape; `read` returns one value per label set. */
  gaugeOnScrape<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Promise<{ labels: Record<L, string>; value: number }[]>,
    onError: (error: unknown) => void,
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const { labels, value } of await withTimeout(read(), READ_TIMEOUT_MS)) this.set(labels, value);
        } catch (error) {
          // A scrape still answers with what it has while a dependency is down.
          onError(error);
        }
      },
    });
  }
}
