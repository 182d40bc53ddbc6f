import { backoffMs } from '../backoff.js';
import type { Clock, Timer } from '../clock.js';

/** A retry that was scheduled: which attempt failed and how long until the next. */
export interface Retry {
  attempt: number;
  delayMs: number;
}

/**
 * The daemon's queue of dumps, taken in name order. Two kinds of waiting, both with the one backoff:
 * a dump that cannot be read for now waits alone; while the store cannot be written the whole queue
 * waits (no other dump could be stored either). `onReady` is called whenever there may be work to take.
 */
export class DumpQueue {
  private readonly pending = new Set<string>();
  /** Dumps waiting for a retry of their own, with their timers. */
  private readonly retries = new Map<string, Timer>();
  /** Failed attempts per dump, kept across re-queueing until the dump is done. */
  private readonly attempts = new Map<string, number>();
  private storePause: Timer | null = null;
  private storeFailures = 0;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly retryMaxMs: number,
    private readonly onReady: () => void,
    private readonly firstRetryMs = 500,
  ) {}

  /** Dumps waiting to be taken. */
  get size(): number {
    return this.pending.size;
  }

  /** Dumps waiting for a retry of their own. */
  get retrying(): number {
    return this.retries.size;
  }

  /** True while the whole queue waits for the store. */
  get paused(): boolean {
    return this.storePause !== null;
  }

  /** Queues a dump (again): a retry it was waiting for is cancelled, it is taken with the others. */
  add(path: string): void {
    if (this.closed) return;
    const retry = this.retries.get(path);
    if (retry) {
      this.clock.clearTimeout(retry);
      this.retries.delete(path);
    }
    this.pending.add(path);
    this.onReady();
  }

  /** Takes the lowest name waiting (a linear scan, not a sort of the whole queue for every dump). */
  take(): string | undefined {
    if (this.paused || this.closed) return undefined;
    let next: string | undefined;
    for (const path of this.pending) if (next === undefined || path < next) next = path;
    if (next !== undefined) this.pending.delete(next);
    return next;
  }

  /** The dump is finished (stored or rejected): its failed attempts are forgotten. */
  done(path: string): void {
    this.attempts.delete(path);
  }

  /** A dump that cannot be read for now: it is queued again alone, after a backoff that grows per dump. */
  retryLater(path: string): Retry {
    const attempt = (this.attempts.get(path) ?? 0) + 1;
    this.attempts.set(path, attempt);
    const delayMs = backoffMs(attempt, this.firstRetryMs, this.retryMaxMs);
    if (!this.closed) {
      this.retries.set(
        path,
        this.clock.setTimeout(() => {
          this.retries.delete(path);
          this.add(path);
        }, delayMs),
      );
    }
    return { attempt, delayMs };
  }

  /** The store failed with this dump: it goes back to the queue, and the whole queue waits, with backoff. */
  pauseForStore(path: string): Retry {
    this.pending.add(path);
    const attempt = ++this.storeFailures;
    const delayMs = backoffMs(attempt, this.firstRetryMs, this.retryMaxMs);
    if (!this.closed && this.storePause === null) {
      this.storePause = this.clock.setTimeout(() => {
        this.storePause = null;
        this.onReady();
      }, delayMs);
    }
    return { attempt, delayMs };
  }

  /** A dump was stored: returns how many store failures came before (0 when none). */
  storeRecovered(): number {
    const failures = this.storeFailures;
    this.storeFailures = 0;
    return failures;
  }

  /** Cancels every timer; nothing is queued afterwards. What was waiting stays in the inbox. */
  close(): void {
    this.closed = true;
    for (const timer of this.retries.values()) this.clock.clearTimeout(timer);
    this.retries.clear();
    if (this.storePause) this.clock.clearTimeout(this.storePause);
    this.storePause = null;
  }
}
