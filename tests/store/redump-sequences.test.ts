import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processDump } from '../../src/pipeline.js';
import { sequenceFixtures, storeSnapshot, testContext, writeDump } from '../helpers.js';

// A sequence is a folder of dumps of the same page(s) over time (01.txt, 02.txt, ...) and
// expected.json: for each dump the titles that are new and updated and the count unchanged, and the
// number of items stored at the end. The dumps are delivered an hour apart, in name order.
interface Step {
  new: string[];
  updated: string[];
  unchanged: number;
}
const sequences = sequenceFixtures().map(({ name, dir, dumps }) => ({
  name,
  dumps,
  expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { steps: Step[]; items: number },
}));

async function run(dumps: Buffer[]) {
  const ctx = testContext();
  const files = dumps.map((bytes, i) =>
    writeDump(ctx.dir, `${String(i + 1).padStart(2, '0')}.txt`, bytes, new Date(Date.UTC(2026, 0, 1, i)).toISOString()),
  );
  const results = [];
  for (const file of files) results.push((await processDump(ctx, file)).result);
  return { ctx, files, results };
}

describe('item identity across re-dumps', () => {
  it.each(sequences)('$name', async ({ dumps, expected }) => {
    const { ctx, files, results } = await run(dumps);
    const ids = new Set<string>();
    results.forEach((result, i) => {
      const step = expected.steps[i]!;
      expect(result.error, `dump ${i + 1}`).toBeNull();
      expect({
        dump: i + 1,
        new: result.new.map((r) => r.title),
        updated: result.updated.map((r) => r.title),
        unchanged: result.unchanged,
      }).toEqual({
        dump: i + 1,
        ...step,
      });
      // A new item gets an id never used before; an updated item keeps the id it already had.
      for (const r of result.new) {
        expect(ids.has(r.id)).toBe(false);
        ids.add(r.id);
      }
      for (const r of result.updated) expect(ids.has(r.id), `updated "${r.title}" kept its id`).toBe(true);
    });
    expect(ctx.store.counts().items).toBe(expected.items);
    // The figures kept in each topic's row are what counting the tables gives.
    const counted = ctx.store.sqlite
      .prepare(
        `SELECT t.id, (SELECT COUNT(*) FROM items i WHERE i.topic_id = t.id) AS itemCount,
           (SELECT COUNT(*) FROM dumps d WHERE d.topic_id = t.id) AS dumpCount,
           (SELECT MAX(d.processed_at) FROM dumps d WHERE d.topic_id = t.id) AS lastDumpAt FROM topics t ORDER BY t.id`,
      )
      .all();
    expect(ctx.store.topics.stats().map(({ id, itemCount, dumpCount, lastDumpAt }) => ({ id, itemCount, dumpCount, lastDumpAt }))).toEqual(
      counted,
    );

    // Delivering the same files again changes nothing at all.
    const before = storeSnapshot(ctx.store);
    for (const file of files) expect((await processDump(ctx, file)).result.duplicate).toBe(true);
    expect(storeSnapshot(ctx.store)).toEqual(before);
  });

  it('gives the same ids when the same dumps are replayed into a fresh store', async () => {
    const seq = sequences.find((s) => s.name === 'scroll-off')!;
    const a = await run(seq.dumps);
    const b = await run(seq.dumps);
    const guids = (ctx: typeof a.ctx) => ctx.store.items.newest(null, 100).map((i) => i.guid);
    expect(guids(b.ctx)).toEqual(guids(a.ctx));
  });

  it('keeps every version of an edited item', async () => {
    const seq = sequences.find((s) => s.name === 'edited-twice')!;
    const { ctx } = await run(seq.dumps);
    const [item] = ctx.store.items.newest(null, 10);
    const versions = ctx.store.items.versions(item!.key);
    expect(versions.map((v) => [v.version, v.summary])).toEqual([
      [1, 'A recent workshop highlighted challenges.'],
      [2, 'Second wording of the summary.'],
      [3, 'Third wording of the summary.'],
    ]);
    expect(item!.version).toBe(3);
    expect(item!.updatedAt).toBe('2026-01-01T02:00:00.000Z');
  });

  it('does not roll an item back when an older dump arrives late', async () => {
    const seq = sequences.find((s) => s.name === 'summary-edited')!;
    const ctx = testContext();
    const newer = writeDump(ctx.dir, 'b.txt', seq.dumps[1]!, '2026-01-02T00:00:00Z');
    const older = writeDump(ctx.dir, 'a.txt', seq.dumps[0]!, '2026-01-01T00:00:00Z');
    await processDump(ctx, newer);
    const late = (await processDump(ctx, older)).result;
    expect(late.updated).toEqual([]);
    expect(late.unchanged).toBe(2);
    expect(ctx.store.items.newest(null, 10)[0]!.summary).toBe('A recent workshop highlighted challenges and opportunities.');
  });
});
