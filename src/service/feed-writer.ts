import { backoffMs } from '../backoff.js';
import type { Clock, Timer } from '../clock.js';
import type { Context } from '../context.js';
import type { Logger } from '../log.js';
import { publishAll, type Output } from '../sinks/outputs.js';
import type { ErrorReport } from './error-report.js';

/**
 * The daemon's feed writes: which topics changed since the last write, a write at least every
 * `flushEveryMs` during a long burst, and, while the feeds folder cannot be written, a retry with
 * backoff that rewrites every feed once it can.
 */
export class FeedWriter {
  /** Topics whose feeds are not yet written. */
  private readonly dirty = new Set<number>();
  private failing = false;
  private attempt = 0;
  private retry: Timer | null = null;
  private lastWrite: number;
  private closed = false;

  constructor(
    private readonly output: Output,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly errors: ErrorReport,
    private readonly options: { flushEveryMs: number; retryMaxMs: number; onRetry: () => void },
  ) {
    this.lastWrite = clock.now().getTime();
  }

  /** A dump changed this topic. */
  changed(topicId: number): void {
    this.dirty.add(topicId);
  }

  /** True when a write is due during a burst (the last one is `flushEveryMs` old). */
  get due(): boolean {
    return this.clock.now().getTime() - this.lastWrite >= this.options.flushEveryMs;
  }

  /** Writes the feeds of the topics changed since the last write (every feed when `all`, or after a failure). */
  async write(ctx: Context, all = false): Promise<void> {
    this.lastWrite = this.clock.now().getTime();
    if (!all && this.dirty.size === 0 && !this.failing) return;
    const topics = [...this.dirty];
    const [report] = await publishAll(ctx, [this.output], { topics: all || this.failing ? 'all' : topics });
    for (const warning of report!.warnings) this.log.warn({ event: 'websub-failed', where: 'websub' }, warning);
    if (report!.errors.length === 0) {
      for (const t of topics) this.dirty.delete(t);
      if (this.failing) this.log.info({ event: 'feeds-writable' }, 'feeds can be written again');
      this.failing = false;
      this.attempt = 0;
      if (report!.written.length > 0)
        this.log.info({ event: 'feeds-written', written: report!.written.length, unchanged: report!.unchanged }, 'feeds written');
      return;
    }
    this.failing = true;
    const delay = backoffMs(++this.attempt, 500, this.options.retryMaxMs);
    this.errors.record('feeds', report!.errors.join('; '), { retryInMs: delay });
    if (!this.retry && !this.closed) {
      this.retry = this.clock.setTimeout(() => {
        this.retry = null;
        this.options.onRetry();
      }, delay);
    }
  }

  /** No more retries; a last write is still possible. */
  close(): void {
    this.closed = true;
    if (this.retry) this.clock.clearTimeout(this.retry);
    this.retry = null;
  }
}
