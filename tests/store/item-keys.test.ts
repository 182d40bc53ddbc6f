import { describe, expect, it } from 'vitest';
import { itemKey } from '../../src/identify/item-key.js';
import { processDump } from '../../src/pipeline.js';
import { testContext, writeDump } from '../helpers.js';

// An item's key comes from its topic, title and date: two items with the same title and date (in a
// topic) take the first free one of `key`, `key-2`, `key-3`, ..., which the insert finds by trying.
function page(items: { title: string; summary: string }[]): string {
  return `Press releases\n\n\n${items.map((it, i) => `  ${i + 1}. ${it.title}\n\n    1 March 2026\n\n    ${it.summary}`).join('\n\n')}\n`;
}

describe('item keys', () => {
  it('gives items with one title and date the next free key, in this dump and in later ones', async () => {
    const ctx = testContext();
    const same = 'Statement on the fire';
    await processDump(
      ctx,
      writeDump(
        ctx.dir,
        'a.txt',
        page([
          { title: same, summary: 'First.' },
          { title: same, summary: 'Second.' },
        ]),
      ),
    );
    // A later dump of a page that shows a third one after the other two.
    const later = page([
      { title: same, summary: 'First.' },
      { title: same, summary: 'Second.' },
      { title: same, summary: 'Third.' },
    ]);
    const again = await processDump(ctx, writeDump(ctx.dir, 'b.txt', later, '2026-03-02T00:00:00Z'));
    expect(again.result.new).toHaveLength(1);
    const base = itemKey('press releases', { title: same, date: '2026-03-01' } as Parameters<typeof itemKey>[1], 0);
    const rows = ctx.store.sqlite.prepare('SELECT key, summary FROM items ORDER BY id').all();
    expect(rows).toEqual([
      { key: base, summary: 'First.' },
      { key: `${base}-2`, summary: 'Second.' },
      { key: `${base}-3`, summary: 'Third.' },
    ]);
    expect(ctx.store.sqlite.prepare('SELECT COUNT(*) AS n FROM item_versions').get()).toEqual({ n: 3 });
  });
});
