import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run-cli.js';
import { redumpSeries, tempDir, writeDump } from '../helpers.js';
import { watchProcesses, writeWatchConfig } from './watch-process.js';

const watchProcess = watchProcesses();

// A small deterministic generator, so a failure can be replayed with the same kill times.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const N = 150;

describe('kill -9 during a burst', () => {
  it('after any number of kills and a restart, store and feeds equal one clean run; no dump lost or repeated', async () => {
    const series = redumpSeries(N);
    const fill = (inbox: string) =>
      series.forEach(([name, text], i) => writeDump(inbox, name, text, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));

    const clean = tempDir();
    mkdirSync(join(clean, 'in'));
    fill(join(clean, 'in'));
    expect(cli(['ingest', '--db', 'db', '--out', 'feeds', 'in'], clean).code).toBe(0);

    const dir = tempDir();
    mkdirSync(join(dir, 'inbox'));
    writeWatchConfig(dir, { watch: { stabilityMs: 50, retryMaxMs: 400, moveProcessed: true } });
    fill(join(dir, 'inbox'));
    const stored = () => JSON.parse(cli(['status', '--config', 'dumpfeed.json', '--json'], dir).stdout).counts.dumps as number;

    const rand = random(20261123);
    let kills = 0;
    let progressed = 0;
    let before = 0;
    const moved = () => (existsSync(join(dir, 'inbox', 'processed')) ? readdirSync(join(dir, 'inbox', 'processed')).length : 0);
    for (let i = 0; i < 25; i++) {
      const w = watchProcess(dir);
      if (i % 4 === 3) {
        // Now and then during start-up, whatever it is doing by then.
        await new Promise((r) => setTimeout(r, rand() * 300));
      } else {
        // Mostly mid-burst: once the daemon has moved a few more dumps (an event on disk, not a delay,
        // so a slow machine kills at the same point of the work as a fast one).
        const target = Math.min(N, moved() + 1 + Math.floor(rand() * 12));
        await w.waitUntil(() => moved() >= target);
      }
      w.signal('SIGKILL');
      await w.exited;
      kills++;
      const now = stored();
      if (now > before && now < N) progressed++;
      before = now;
      if (now === N) break;
    }
    expect(kills).toBeGreaterThan(0);
    // The kills must have landed mid-burst for the test to mean anything.
    expect(progressed).toBeGreaterThan(0);

    const last = watchProcess(dir);
    await expect.poll(stored, { timeout: 30_000, interval: 100 }).toBe(N);
    await expect.poll(() => readdirSync(join(dir, 'inbox')).filter((f) => f.endsWith('.txt')), { timeout: 10_000 }).toEqual([]);
    await last.waitFor((l) => l.event === 'watching');
    last.signal('SIGTERM');
    expect((await last.exited).code).toBe(0);

    // Every dump was moved exactly once: none lost, none processed twice under another name.
    expect(readdirSync(join(dir, 'inbox', 'processed')).sort()).toEqual(series.map(([name]) => name));
    const status = (d: string, args: string[]) => JSON.parse(cli(['status', '--json', ...args], d).stdout).counts;
    expect(status(dir, ['--config', 'dumpfeed.json'])).toEqual(status(clean, ['--db', 'db']));
    for (const f of readdirSync(join(clean, 'feeds'), { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.'))) {
      expect(readFileSync(join(dir, 'feeds', f), 'utf8'), f).toBe(readFileSync(join(clean, 'feeds', f), 'utf8'));
    }
  }, 120_000);
});
