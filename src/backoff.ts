/**
 * The one backoff formula: doubling from `firstMs`, capped at `maxMs`. `attempt` counts from 1 (the
 * wait after the first failure is `firstMs`). Used for dumps, feed writes and digests.
 */
export function backoffMs(attempt: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
}

/** True for the attempts worth a log line of their own when the same error repeats: 1, 2, 4, 8, ... */
export function worthLogging(repeat: number): boolean {
  return (repeat & (repeat - 1)) === 0;
}
