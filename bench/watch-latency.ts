import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, statSync, watch, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentile, report } from './report.js';
import { seedPage } from './corpus.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'dumpfeed.js');

/**
 * Watch latency: the time from a dump file being closed (written in place) or renamed into the inbox
 * to the topic's Atom feed being replaced, measured on the real `dumpfeed watch` process.
 */
export async function benchWatchLatency(drops: number): Promise<void> {
  for (const mode of ['renamed', 'in place'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'dumpfeed-bench-'));
    mkdirSync(join(dir, 'inbox'));
    writeFileSync(
      join(dir, 'dumpfeed.json'),
      JSON.stringify({ store: { path: 'state.db' }, feeds: { dir: 'feeds' }, log: { level: 'warn' } }),
    );
    const child = spawn(process.execPath, [BIN, 'watch', '--config', 'dumpfeed.json'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    try {
      const samples: number[] = [];
      let page = seedPage();
      for (let i = 0; i < drops; i++) {
        page = page.replace('  1. ', `  1. Latency probe ${mode} ${i}\n\n    01 December 2021\n\n  2. `);
        const feed = join(dir, 'feeds', 'press-releases.atom');
        const replaced = feedReplaced(join(dir, 'feeds'), 'press-releases.atom', i === 0 ? null : statSync(feed).ino);
        const name = `${String(i).padStart(4, '0')}.txt`;
        let t0: number;
        if (mode === 'renamed') {
          writeFileSync(join(dir, `.${name}`), page);
          t0 = performance.now();
          renameSync(join(dir, `.${name}`), join(dir, 'inbox', name));
        } else {
          const fd = openSync(join(dir, 'inbox', name), 'w');
          writeSync(fd, page);
          closeSync(fd);
          t0 = performance.now();
        }
        const t1 = await replaced;
        samples.push(t1 - t0);
      }
      report(`watch latency, ${mode}: p50`, percentile(samples, 50), 'ms', mode === 'renamed' ? '<= 300 ms at p95' : '<= 600 ms at p95');
      report(`watch latency, ${mode}: p95`, percentile(samples, 95), 'ms', `over ${drops} drops`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Resolves with the time at which `name` in `dir` is a new file (another inode than `oldIno`). */
function feedReplaced(dir: string, name: string, oldIno: number | null): Promise<number> {
  mkdirSync(dir, { recursive: true });
  return new Promise((resolve) => {
    const check = (): boolean => {
      try {
        if (statSync(join(dir, name)).ino !== oldIno) {
          watcher.close();
          clearInterval(poll);
          resolve(performance.now());
          return true;
        }
      } catch {
        // Not there yet.
      }
      return false;
    };
    const watcher = watch(dir, () => check());
    // fs.watch can coalesce events; a fine poll makes sure no replacement is missed.
    const poll = setInterval(check, 5);
  });
}
