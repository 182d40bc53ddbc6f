import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../bench/corpus.js';
import { parseDump } from '../../src/parse/parse-dump.js';
import { REPO } from '../helpers.js';

// Benchmarks are not tests: nothing here times anything. This only keeps the bench script and the
// corpus generator from rotting.
describe('npm run bench', () => {
  it('runs at small sizes and prints every figure with a number and what it is compared with', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'run.ts'), '--quick'], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').slice(1);
    const names = lines.map((l) => l.slice(0, 58).trim());
    for (const expected of [
      /^parse: .* MB dump/,
      /^start-up: node -e 0/,
      /^start-up: ingest of one new dump/,
      /^parse: floor/,
      /^parse: time relative to the floor/,
      /^ingest: time relative to the floor/,
      /^ingest process: time relative to the floor/,
      /^http: index page, 50 conn\.: ratio to bare/,
      /^http: a feed, 50 conn\.: ratio to bare/,
      /^ingest: .* re-dumps/,
      /^growth: ratio/,
      /^feeds: rewrite one topic/,
      /^feeds: files rewritten when nothing changed/,
      /^watch latency, renamed: p95/,
      /^watch latency, in place: p95/,
      /^digests: build for/,
    ]) {
      expect(
        names.some((n) => expected.test(n)),
        String(expected),
      ).toBe(true);
    }
    // A difference to a reference may be below zero at these small sizes (`--version` against `node -e 0`
    // on a busy machine); what matters is that it is a number with its unit.
    for (const line of lines) expect(line.slice(58)).toMatch(/^\s+-?\d+(\.\d+)?\s+\S+/);
    expect(lines.find((l) => l.startsWith('feeds: files rewritten'))).toMatch(/\s0\.00 files .*mtime kept: true$/);
  }, 120_000);

  it('generates re-dumps that parse, with new items on top and a fixed page length', () => {
    const dumps = [...generateCorpus({ topics: 2, dumps: 3, items: 10, seed: 5 })];
    expect(dumps.map(([t, d]) => [t, d])).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
      [0, 2],
      [1, 2],
    ]);
    const pages = dumps.filter(([t]) => t === 0).map(([, , text]) => parseDump(text, 'gen'));
    for (const p of pages) expect(p.items).toHaveLength(10);
    // The second dump keeps the first's top items, three places further down.
    expect(pages[1]!.items.slice(3).map((i) => i.title)).toEqual(pages[0]!.items.slice(0, 7).map((i) => i.title));
    // Same seed, same corpus.
    expect([...generateCorpus({ topics: 2, dumps: 3, items: 10, seed: 5 })]).toEqual(dumps);
  });
});
