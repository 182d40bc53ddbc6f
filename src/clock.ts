/**
 * Time as the service sees it: the current time and timers. Injected, so the daemon's parts (queue,
 * backoff, feed writes, digest rounds) are tested in-process by moving a fake clock, never by sleeping.
 */
export interface Clock {
  now(): Date;
  /** Runs `fn` once after `ms`; the timer never keeps the process alive by itself. */
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer): void;
}

/** A pending timer of a Clock. */
export type Timer = { readonly __timer: unique symbol } | NodeJS.Timeout;

/** The real clock. */
export const systemClock: Clock = {
  now: () => new Date(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
};

/**
 * Milliseconds on a monotonic clock, for measuring how long work took. Not `performance.now()`:
 * Node loads its performance-timing modules on first use, about 2 ms of a cron run's start.
 */
export function elapsedMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
