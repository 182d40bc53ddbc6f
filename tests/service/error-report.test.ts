import { describe, expect, it } from 'vitest';
import { ErrorReport } from '../../src/service/error-report.js';
import type { DaemonState } from '../../src/store/daemon-state.js';
import { captureLog } from '../support/capture-log.js';
import { FakeClock } from '../support/fake-clock.js';

describe("the daemon's error report", () => {
  it('logs a repeated error at its 1st, 2nd, 4th and 8th time, the others at debug, with the count', () => {
    const { log, lines } = captureLog();
    const report = new ErrorReport(log, new FakeClock(), () => undefined);
    for (let i = 0; i < 9; i++) report.record('store', 'store x.db: database is locked');
    const errors = lines.filter((l) => l.level === 50);
    expect(errors.map((l) => l.repeated ?? 1)).toEqual([1, 2, 4, 8]);
    expect(lines.filter((l) => l.level === 20)).toHaveLength(5);
    expect(errors.every((l) => l.event === 'error' && l.where === 'store')).toBe(true);
  });

  it('counts afresh when another error comes between', () => {
    const { log, lines } = captureLog();
    const report = new ErrorReport(log, new FakeClock(), () => undefined);
    for (const text of ['a failed', 'a failed', 'b failed', 'a failed']) report.record('x', text);
    expect(lines.map((l) => [l.msg, l.repeated ?? 1])).toEqual([
      ['a failed', 1],
      ['a failed', 2],
      ['b failed', 1],
      ['a failed', 1],
    ]);
  });

  it('records the last error with its place and time for status and /healthz', () => {
    const states: Partial<DaemonState>[] = [];
    const clock = new FakeClock('2026-03-04T05:06:07Z');
    const report = new ErrorReport(captureLog().log, clock, (s) => states.push(s));
    report.record('feeds', 'EACCES: permission denied');
    report.record('/in/a.txt', '/in/a.txt: cannot read: EIO');
    expect(states).toEqual([
      { lastError: 'feeds: EACCES: permission denied', lastErrorAt: '2026-03-04T05:06:07.000Z' },
      { lastError: '/in/a.txt: cannot read: EIO', lastErrorAt: '2026-03-04T05:06:07.000Z' },
    ]);
  });
});
