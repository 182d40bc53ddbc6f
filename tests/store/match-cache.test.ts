import { describe, expect, it } from 'vitest';
import { parseDumpBytes } from '../../src/parse/parse-dump.js';
import { processDump } from '../../src/pipeline.js';
import { Store } from '../../src/store/store.js';
import type { Context } from '../../src/context.js';
import { redumpSeries, sequenceFixtures, storeSnapshot, testContext, writeDump } from '../helpers.js';

// A store handle keeps the rows it matched a dump against for the next dump of the same page (see
// MatchCache in src/store/items.ts). What it stores must be exactly what a handle without that memory
// stores: after edits, title changes and cut items (the sequence fixtures), when another connection
// writes the same page in between, and when a write is undone.

const sequences = sequenceFixtures();

/** The store's rows without what names the run (file paths). */
function rows(store: Store): unknown {
  const snapshot = storeSnapshot(store);
  return { ...snapshot, dumps: snapshot.dumps!.map((d) => ({ ...(d as object), file: null })) };
}

/** Stores the dumps in turn, each through the handle `pick` chooses (a fresh one with `fresh`). */
async function store(dumps: Buffer[], pick: (i: number, ctx: Context, other: Store) => Store): Promise<unknown> {
  const ctx = testContext();
  const other = Store.open(ctx.config.store.path);
  try {
    for (const [i, bytes] of dumps.entries()) {
      const file = writeDump(ctx.dir, `${String(i + 1).padStart(3, '0')}.txt`, bytes, new Date(Date.UTC(2026, 0, 1, i)).toISOString());
      const result = await processDump({ ...ctx, store: pick(i, ctx, other) }, file);
      expect(result.result.error).toBeNull();
    }
    return rows(ctx.store);
  } finally {
    other.close();
  }
}

/** The reference: each dump through a handle of its own, which remembers nothing of the others. */
async function storeThroughFreshHandles(dumps: Buffer[]): Promise<unknown> {
  const fresh: Store[] = [];
  try {
    return await store(dumps, (_, ctx) => {
      const s = Store.open(ctx.config.store.path);
      fresh.push(s);
      return s;
    });
  } finally {
    for (const s of fresh) s.close();
  }
}

describe('the match cache', () => {
  it.each(sequences)('$name: one handle, two handles taking turns and a new handle per dump store the same', async ({ dumps }) => {
    const reference = await storeThroughFreshHandles(dumps);
    expect(await store(dumps, (_, ctx) => ctx.store)).toEqual(reference);
    expect(await store(dumps, (i, ctx, other) => (i % 2 === 0 ? ctx.store : other))).toEqual(reference);
  });

  it('a title corrected, then its date: the item found under its new title is the same item', async () => {
    const page = (title: string, date: string) =>
      Buffer.from(
        `Press releases\n\n  1. ${title}\n\n    ${date}\n\n    What the release says.\n\n  2. An older release\n\n    2 March 2024\n\n    More.\n`,
      );
    const dumps = [
      page('Jobs reprot for March', '5 March 2024'),
      page('Jobs report for March', '5 March 2024'),
      page('Jobs report for March', '6 March 2024'),
    ];
    const reference = await storeThroughFreshHandles(dumps);
    expect((reference as { items: unknown[] }).items).toHaveLength(2);
    expect(await store(dumps, (_, ctx) => ctx.store)).toEqual(reference);
  });

  it('a long re-dump series through one handle, with another handle storing every third dump', async () => {
    const dumps = redumpSeries(30).map(([, text]) => Buffer.from(text));
    const reference = await store(dumps, (_, ctx) => ctx.store);
    expect(await store(dumps, (i, ctx, other) => (i % 3 === 2 ? other : ctx.store))).toEqual(reference);
  });

  it('a dump whose transaction is undone leaves nothing behind for the next dump to match', () => {
    const dumps = redumpSeries(3).map(([, text]) => parseDumpBytes(Buffer.from(text), 'x'));
    const ids = { tagAuthority: 'example.org', tagDate: '2026' };
    const meta = (i: number) => ({
      sha256: `s${i}`,
      file: `${i}.txt`,
      writtenAt: `2026-01-0${i + 1}T00:00:00Z`,
      processedAt: '2026-01-05T00:00:00Z',
    });
    const ctx = testContext();
    const { store: s } = ctx;
    s.recordDump(meta(0), dumps[0]!, ids);
    // The second dump's new item is inserted, then its transaction fails and is rolled back.
    expect(() =>
      s.recordDump(meta(1), dumps[1]!, ids, () => {
        throw new Error('the disk is full');
      }),
    ).toThrow();
    const again = s.recordDump(meta(1), dumps[1]!, ids)!;
    expect(again.new.map((r) => r.title)).toEqual(['Breaking item number 1']);
    const third = s.recordDump(meta(2), dumps[2]!, ids)!;
    expect(third.new.map((r) => r.title)).toEqual(['Breaking item number 2']);
    expect(s.counts().items).toBe(dumps[2]!.items.length);
  });
});
