import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.js';
import { ErrorReport } from '../../src/service/error-report.js';
import { FeedWriter } from '../../src/service/feed-writer.js';
import type { Change, Output, PublishReport } from '../../src/sinks/outputs.js';
import { captureLog } from '../support/capture-log.js';
import { FakeClock } from '../support/fake-clock.js';

/** An output that fails as often as told, and records what it was asked to publish. */
function scriptedOutput(failures: number) {
  const asked: Change['topics'][] = [];
  const output: Output = {
    name: 'feeds',
    publish(_ctx, change) {
      asked.push(change.topics);
      const failed = asked.length <= failures;
      const report: PublishReport = {
        output: 'feeds',
        written: failed ? [] : ['x.atom'],
        unchanged: 0,
        errors: failed ? ['feeds/: EACCES'] : [],
        warnings: [],
      };
      return Promise.resolve(report);
    },
  };
  return { output, asked };
}

function writer(failures: number) {
  const clock = new FakeClock();
  const { log, events } = captureLog();
  const { output, asked } = scriptedOutput(failures);
  let retries = 0;
  const w = new FeedWriter(output, clock, log, new ErrorReport(log, clock, () => undefined), {
    flushEveryMs: 1000,
    retryMaxMs: 4000,
    onRetry: () => retries++,
  });
  return { clock, w, asked, events, retries: () => retries };
}

const ctx = {} as Context;

describe("the daemon's feed writer", () => {
  it('writes only the topics that changed, and nothing when none did', async () => {
    const { w, asked, events } = writer(0);
    await w.write(ctx);
    expect(asked).toEqual([]);
    w.changed(3);
    w.changed(5);
    w.changed(3);
    await w.write(ctx);
    await w.write(ctx);
    expect(asked).toEqual([[3, 5]]);
    expect(events('info')).toEqual(['feeds-written']);
  });

  it('is due again a second into a burst, counted from its last write', async () => {
    const { clock, w } = writer(0);
    expect(w.due).toBe(false);
    clock.advance(999);
    expect(w.due).toBe(false);
    clock.advance(1);
    expect(w.due).toBe(true);
    await w.write(ctx);
    expect(w.due).toBe(false);
  });

  it('retries a failing write with backoff, then writes every feed once it can', async () => {
    const { clock, w, asked, events, retries } = writer(2);
    w.changed(7);
    await w.write(ctx);
    expect(clock.delays()).toEqual([500]);
    clock.advance(500);
    expect(retries()).toBe(1);
    await w.write(ctx);
    expect(clock.delays()).toEqual([1000]);
    clock.advance(1000);
    await w.write(ctx);
    expect(asked).toEqual([[7], 'all', 'all']);
    expect(events()).toEqual(['error', 'error', 'feeds-writable', 'feeds-written']);
    expect(clock.pending).toBe(0);
    // Written: the topic is clean again.
    await w.write(ctx);
    expect(asked).toHaveLength(3);
  });

  it('schedules no retry once closed, but still makes a last write', async () => {
    const { clock, w, asked } = writer(1);
    w.close();
    w.changed(1);
    await w.write(ctx);
    expect(asked).toEqual([[1]]);
    expect(clock.pending).toBe(0);
  });
});
