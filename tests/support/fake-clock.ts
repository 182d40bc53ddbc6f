import type { Clock, Timer } from '../../src/clock.js';

/** A clock moved by hand: timers fire, in order, only when `advance` passes their time. */
export class FakeClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = '2026-01-01T00:00:00Z') {
    this.time = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.time);
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, fn });
    return { id } as unknown as Timer;
  }

  clearTimeout(timer: Timer): void {
    this.timers.delete((timer as unknown as { id: number }).id);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.timers.size;
  }

  /** The delays of the waiting timers from now, shortest first. */
  delays(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing each timer due on the way (timers set meanwhile included). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }
}
