import { describe, expect, it } from 'vitest';
import { DumpQueue } from '../../src/service/dump-queue.js';
import { FakeClock } from '../support/fake-clock.js';

function queue(retryMaxMs = 8000) {
  const clock = new FakeClock();
  let ready = 0;
  const q = new DumpQueue(clock, retryMaxMs, () => ready++);
  return { clock, q, ready: () => ready };
}

function takeAll(q: DumpQueue): string[] {
  const out: string[] = [];
  for (let next = q.take(); next !== undefined; next = q.take()) out.push(next);
  return out;
}

describe('the dump queue', () => {
  it('hands out dumps in name order, each once, whatever order they arrived in', () => {
    const { q, ready } = queue();
    for (const name of ['c.txt', 'a.txt', 'b.txt', 'a.txt']) q.add(name);
    expect(ready()).toBe(4);
    expect(q.size).toBe(3);
    expect(takeAll(q)).toEqual(['a.txt', 'b.txt', 'c.txt']);
    expect(q.size).toBe(0);
  });

  it('retries an unreadable dump alone, with a backoff that doubles per dump up to the cap', () => {
    const { q } = queue(2000);
    const delays = [1, 2, 3, 4].map(() => q.retryLater('x.txt').delayMs);
    expect(delays).toEqual([500, 1000, 2000, 2000]);
    // Other dumps are not held up by it.
    q.add('y.txt');
    expect(takeAll(q)).toEqual(['y.txt']);
    expect(q.retrying).toBe(1);
  });

  it('queues a retried dump again when its time comes, and forgets its attempts once done', () => {
    const { clock, q } = queue();
    expect(q.retryLater('x.txt')).toEqual({ attempt: 1, delayMs: 500 });
    clock.advance(499);
    expect(q.take()).toBeUndefined();
    clock.advance(1);
    expect(q.retrying).toBe(0);
    expect(q.take()).toBe('x.txt');
    expect(q.retryLater('x.txt').attempt).toBe(2);
    q.done('x.txt');
    expect(q.retryLater('x.txt').attempt).toBe(1);
  });

  it('takes a dump that changes while it waits for its retry at once, not after the wait', () => {
    const { clock, q } = queue();
    q.retryLater('x.txt');
    q.add('x.txt');
    expect(q.retrying).toBe(0);
    expect(clock.pending).toBe(0);
    expect(q.take()).toBe('x.txt');
  });

  it('pauses the whole queue while the store fails, keeps the dump, and resumes after the backoff', () => {
    const { clock, q, ready } = queue();
    q.add('a.txt');
    q.add('b.txt');
    const first = q.take()!;
    expect(q.pauseForStore(first)).toEqual({ attempt: 1, delayMs: 500 });
    expect(q.paused).toBe(true);
    expect(q.take()).toBeUndefined();
    expect(q.size).toBe(2);
    const before = ready();
    clock.advance(500);
    expect(q.paused).toBe(false);
    expect(ready()).toBe(before + 1);
    expect(q.take()).toBe('a.txt');
    expect(q.pauseForStore('a.txt').delayMs).toBe(1000);
    clock.advance(1000);
    expect(q.storeRecovered()).toBe(2);
    expect(q.storeRecovered()).toBe(0);
  });

  it('starts no timer and queues nothing once closed', () => {
    const { clock, q } = queue();
    q.retryLater('x.txt');
    q.pauseForStore('y.txt');
    q.close();
    expect(clock.pending).toBe(0);
    q.add('z.txt');
    q.retryLater('w.txt');
    expect(clock.pending).toBe(0);
    expect(q.take()).toBeUndefined();
  });
});
