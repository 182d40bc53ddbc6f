import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCorpus } from './corpus.js';
import { report } from './report.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'dumpfeed.js');

/**
 * Peak resident memory (VmHWM) of a real `dumpfeed watch` on the store in `dir` (state.db), while it
 * starts (rendering every feed) and processes `drops` re-dumps.
 */
export async function benchWatchRss(dir: string, items: number, drops: number): Promise<void> {
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
    report(`watch: peak RSS with ${items.toLocaleString('en')} items stored`, hwm, 'MB', `<= 200 MB; after ${drops} dumps`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }
}
