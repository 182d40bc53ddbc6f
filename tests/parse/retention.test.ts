import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { processDump } from '../../src/pipeline.js';
import { seedFiles, testContext, writeDump } from '../helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('what the pipeline keeps of a dump', () => {
  it('is its items, not its text: dumps stored one at a time leave no text behind', async () => {
    const ctx = testContext();
    const page = readFileSync(seedFiles()[0]!, 'utf8');
    const items = page.slice(page.indexOf('  1. '));
    // Pages of about 1 MB (2 MB as text: the seed has curly quotes).
    const filler = items.repeat(Math.ceil((1024 * 1024) / items.length));
    // Dump i shows items i, i-1, ..., 0 on top, as a page does: the rows of the items still on it stay in
    // the match cache, each made from the dump that brought the item.
    const title = (i: number): string => `A new regional fund for decent work, number ${i}`;
    const top = (i: number): string =>
      Array.from({ length: i + 1 }, (_, k) => `  ${k + 1}. ${title(i - k)}\n\n    ${i - k + 1} March 2026`).join('\n\n');
    const dumps = Array.from({ length: 20 }, (_, i) =>
      writeDump(ctx.dir, `${String(i).padStart(2, '0')}.txt`, `Press releases\n\n\n${top(i)}\n\n${filler}`),
    );
    await processDump(ctx, dumps[0]!);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (const file of dumps.slice(1)) {
      const { result } = await processDump(ctx, file);
      expect(result.new.map((ref) => ref.title)).toEqual([title(dumps.indexOf(file))]);
    }
    gc();
    // 19 texts of 2 MB each, were they kept: 38 MB.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
  });
});
