import { describe, expect, it } from 'vitest';
import { lastSlot } from '../../src/sinks/mail/schedule.js';

const at = (s: string) => new Date(s);

describe('digest schedules', () => {
  it.each([
    ['hourly', 'UTC', '2026-11-23T10:47:00Z', '2026-11-23T10:00:00.000Z'],
    ['daily 08:00', 'UTC', '2026-11-23T10:47:00Z', '2026-11-23T08:00:00.000Z'],
    ['daily 08:00', 'UTC', '2026-11-23T07:59:00Z', '2026-11-22T08:00:00.000Z'],
    ['daily 08:00', 'UTC', '2026-11-23T08:00:00Z', '2026-11-23T08:00:00.000Z'],
    // 08:00 in Zurich is 07:00 UTC in winter and 06:00 UTC in summer.
    ['daily 08:00', 'Europe/Zurich', '2026-11-23T07:30:00Z', '2026-11-23T07:00:00.000Z'],
    ['daily 08:00', 'Europe/Zurich', '2026-07-01T06:30:00Z', '2026-07-01T06:00:00.000Z'],
    ['daily 08:00', 'Asia/Dhaka', '2026-11-23T01:30:00Z', '2026-11-22T02:00:00.000Z'],
    // 2026-11-23 is a Monday.
    ['weekly mon 09:30', 'UTC', '2026-11-23T10:00:00Z', '2026-11-23T09:30:00.000Z'],
    ['weekly mon 09:30', 'UTC', '2026-11-23T09:00:00Z', '2026-11-16T09:30:00.000Z'],
    ['weekly fri 17:00', 'UTC', '2026-11-23T10:00:00Z', '2026-11-20T17:00:00.000Z'],
    ['weekly sun 00:00', 'America/New_York', '2026-11-23T10:00:00Z', '2026-11-22T05:00:00.000Z'],
  ])('%s in %s at %s -> %s', (schedule, tz, now, slot) => {
    expect(lastSlot(schedule, tz, at(now))!.toISOString()).toBe(slot);
  });

  it('has no slots for immediate', () => {
    expect(lastSlot('immediate', 'UTC', at('2026-11-23T10:00:00Z'))).toBeNull();
  });
});
