import { describe, expect, it } from 'vitest';
import { backoffMs, worthLogging } from '../../src/backoff.js';

describe('backoff', () => {
  it('doubles from the first wait up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffMs(a, 500, 10_000))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(backoffMs(1000, 30_000, 3_600_000)).toBe(3_600_000);
  });

  it('logs the 1st, 2nd, 4th, 8th... repeat of an error', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 16].filter(worthLogging)).toEqual([1, 2, 4, 8, 16]);
  });
});
