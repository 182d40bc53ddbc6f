import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCorpus } from './corpus.js';
import { percentile, report, timedProcess } from './report.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'dumpfeed.js');

/**
 * Start-up as a cron job sees it: whole processes of `dumpfeed --version`, `parse` of one dump and
 * `ingest` of one new dump into a store that has a history, each against `node -e 0` measured in the
 * same run (medians, interleaved so that a busy moment hits all of them alike). In a folder with no
 * config file: the built-in defaults.
 */
export function benchStartup(rounds: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'dumpfeed-bench-'));
  try {
    // One page re-dumped: each ingest stores a new dump of it (three new items, the rest matched).
    const dumps = writeCorpus(join(dir, 'dumps'), { topics: 1, dumps: rounds + 6, items: 50, seed: 5 });
    const run = (args: string[]): number => timedProcess(args, dir);
    // A store with the page's first dumps, and its feeds, as after earlier cron runs.
    for (const d of dumps.slice(0, 5)) run([BIN, 'ingest', d]);
    const samples = { node: [] as number[], version: [] as number[], parse: [] as number[], ingest: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      samples.node.push(run(['-e', '0']));
      samples.version.push(run([BIN, '--version']));
      samples.parse.push(run([BIN, 'parse', dumps[5 + i]!]));
      samples.ingest.push(run([BIN, 'ingest', dumps[5 + i]!]));
    }
    const node = percentile(samples.node, 50);
    report('start-up: node -e 0 (the reference)', node, 'ms', `median of ${rounds}`);
    for (const [name, label] of [
      ['version', '--version'],
      ['parse', 'parse of one 50-item dump'],
      ['ingest', 'ingest of one new dump + feeds'],
    ] as const) {
      const ms = percentile(samples[name], 50);
      report(`start-up: ${label}, over node`, ms - node, 'ms', `${(ms / node).toFixed(2)}x node; target <= +60 ms`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
