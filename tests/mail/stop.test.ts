import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchProcesses, writeWatchConfig } from '../daemon/watch-process.js';
import { seedFiles, tempDir } from '../helpers.js';
import { received, startSink } from './smtp-sink.js';

const stops: (() => Promise<void>)[] = [];
const watchProcess = watchProcesses();
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe('stopping during a digest round', () => {
  it('SIGTERM mid-round: exit 0 within the deadline, no stale lock, and after a restart every digest sent once', async () => {
    const sinkDir = tempDir('dumpfeed-sink-');
    const sink = await startSink(sinkDir);
    stops.push(sink.stop);
    const dir = tempDir();
    mkdirSync(join(dir, 'inbox'));
    const subscribers = Array.from({ length: 40 }, (_, i) => ({ address: `s${i}@example.org`, schedule: 'immediate', backfill: true }));
    writeWatchConfig(dir, {
      watch: { stabilityMs: 50 },
      // 40 digests at 4 a second: a round of ten seconds, longer than the stop deadline.
      mail: { smtp: `smtp://127.0.0.1:${sink.port}`, ratePerSecond: 4, connections: 2, checkEveryMs: 200, from: 'news@example.org' },
      subscribers,
    });
    writeFileSync(join(dir, 'inbox', 'a.txt'), readFileSync(seedFiles()[0]!));
    const w = watchProcess(dir);
    // Mid-round: two messages have reached the SMTP server (files it writes), 38 are still to go.
    await w.waitUntil(() => existsSync(join(sinkDir, '0002.eml')), 30_000);
    const asked = Date.now();
    w.signal('SIGTERM');
    const { code } = await w.exited;
    expect(code).toBe(0);
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect(existsSync(join(dir, 'state.db.lock'))).toBe(false);
    const before = (await received(sinkDir)).length;
    expect(before).toBeGreaterThanOrEqual(2);
    expect(before).toBeLessThan(40);

    const again = watchProcess(dir);
    await again.waitUntil(() => existsSync(join(sinkDir, '0040.eml')), 60_000);
    await again.waitFor((l) => l.event === 'digest-sent', 40 - before, 30_000);
    again.signal('SIGTERM');
    expect((await again.exited).code).toBe(0);
    const to = (await received(sinkDir)).flatMap((m) => m.to).sort();
    expect(to).toEqual(subscribers.map((s) => s.address).sort());
  }, 120_000);
});
