import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);
dayjs.extend(timezone);

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * The latest scheduled moment at or before `now` for a schedule (`hourly`, `daily HH:MM`,
 * `weekly DAY HH:MM`) in a time zone, or null for `immediate` (no slots: due whenever there is news).
 * A digest is due when this slot is later than the last one handled.
 */
export function lastSlot(schedule: string, timeZone: string, now: Date): Date | null {
  if (schedule === 'immediate') return null;
  const local = dayjs(now).tz(timeZone);
  if (schedule === 'hourly') return local.startOf('hour').toDate();
  const [kind, ...rest] = schedule.split(' ');
  const [hh, mm] = rest[rest.length - 1]!.split(':').map(Number) as [number, number];
  // dayjs.tz() on a wall-clock string resolves it in the zone, daylight saving time included.
  const at = (day: dayjs.Dayjs): dayjs.Dayjs =>
    dayjs.tz(`${day.format('YYYY-MM-DD')} ${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}`, timeZone);
  if (kind === 'daily') {
    const today = at(local);
    return (today.isAfter(local) ? at(local.subtract(1, 'day')) : today).toDate();
  }
  const target = DAYS.indexOf(rest[0]!);
  let day = local.subtract((local.day() - target + 7) % 7, 'day');
  let slot = at(day);
  if (slot.isAfter(local)) {
    day = day.subtract(7, 'day');
    slot = at(day);
  }
  return slot.toDate();
}
