import { describe, expect, it } from 'vitest';
import { processDump } from '../../src/pipeline.js';
import { testContext, writeDump } from '../helpers.js';

// Title keys are looked up in batches: a page longer than a batch must match every item all the same.
function page(titles: string[]): string {
  return `A long page\n\n\n${titles.map((title, i) => `  ${i + 1}. ${title}\n\n    1 March 2026`).join('\n\n')}\n`;
}
const titles = Array.from({ length: 300 }, (_, i) => `Item number ${i + 1}`);

describe('a page of hundreds of items', () => {
  it('matches every item of a re-dump, whatever batch its title falls in', async () => {
    const ctx = testContext();
    const first = await processDump(ctx, writeDump(ctx.dir, 'a.txt', page(titles), '2026-03-01T00:00:00Z'));
    expect(first.result.new).toHaveLength(300);
    // A new item on top: every other item one place down.
    const again = await processDump(ctx, writeDump(ctx.dir, 'b.txt', page(['A new item on top', ...titles]), '2026-03-02T00:00:00Z'));
    expect(again.result.new.map((n) => n.title)).toEqual(['A new item on top']);
    expect(again.result.updated).toEqual([]);
    expect(again.result.unchanged).toBe(300);
    expect(ctx.store.counts().items).toBe(301);
  });
});
