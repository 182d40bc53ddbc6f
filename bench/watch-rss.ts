import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCorpus } from './corpus.js';
import { report } from './report.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'dumpfeed.js');

/**
 * Peak resident memory (VmHWM) of a real `dumpfeed watch` on the store in `dir` (state.db), while it
 * starts with no feeds folder (writing every feed and archive page) and processes `drops` re-dumps.
 */
export async function benchWatchRss(dir: string, items: number, drops: number): Promise<void> {
  rmSync(join(dir, 'feeds'), { recursive: true, force: true });
  mkdirSync(join(dir, 'inbox'), { recursive: true });
  writeFileSync(
    join(dir, 'watch.json'),
    JSON.stringify({ store: { path: 'state.db' }, feeds: { dir: 'feeds' }, source: { inbox: 'inbox' } }),
  );
  const child = spawn(process.execPath, [BIN, 'watch', '--config', 'watch.json'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (log += c));
  const until = async (done: () => boolean): Promise<void> => {
    while (!done()) await new Promise((r) => setTimeout(r, 50));
  };
  try {
    await until(() => log.includes('"msg":"watching"'));
    const corpus = writeCorpus(join(dir, 'rss-corpus'), { topics: 1, dumps: drops, items: 50, seed: 4242 });
    for (const p of corpus) renameSync(p, join(dir, 'inbox', p.split('/').pop()!));
    await until(() => (log.match(/"msg":"dump processed"/g) ?? []).length >= drops);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
    report(`watch, no feeds folder, ${items.toLocaleString('en')} items, +${drops} dumps: peak RSS`, hwm, 'MB', 'target <= 120 MB');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }
}
