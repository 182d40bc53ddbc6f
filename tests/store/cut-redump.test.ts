import { describe, expect, it } from 'vitest';
import { processDump } from '../../src/pipeline.js';
import { testContext, writeDump } from '../helpers.js';

// A dump's last item can be cut short by the write (FORMAT.md "Is a dump complete?"). The next dump
// that shows it whole completes it: the same item, one update, and no "Updated" entry in digests,
// because a completion is not news. A real edit still is.

const page = (last: string, firstSummary = 'A review of minimum wage setting in six countries.') =>
  [
    'Publications',
    '',
    '  1. Wages in the garment sector: a review',
    '',
    '    16 September 2021',
    '',
    `    ${firstSummary}`,
    '',
    '  2. © ILO/J. Doe 2021',
    '',
    '    Working conditions of domestic workers',
    '',
    '    4 August 2021, GENEVA',
    '',
    '    Domestic workers in the region earn a third of the average wage.',
    '',
    `  3. ${last}`,
  ].join('\n');

const WHOLE_LAST =
  'Tsunami recovery: job centres open in Aceh\n\n    14 March 2005, JAKARTA\n\n    Ten centres now match workers with reconstruction jobs.';

async function ingestSeries(texts: string[]) {
  const ctx = testContext();
  const results = [];
  for (const [i, text] of texts.entries()) {
    const file = writeDump(ctx.dir, `${i}.txt`, text, new Date(Date.UTC(2026, 0, 1 + i)).toISOString());
    results.push((await processDump(ctx, file)).result);
  }
  const digests = ctx.store.digests;
  const lastDump = ctx.store.dumps.lastId();
  // What a subscriber with `updates` gets for the dumps after the first.
  const after = (first: number) => digests.candidates('edits@example.org', first, lastDump, true, true);
  return { ctx, results, after };
}

describe('a cut last item, then its whole version', () => {
  it.each([
    ['in its summary', WHOLE_LAST.slice(0, -20)],
    ['in its dateline place', 'Tsunami recovery: job centres open in Aceh\n\n    14 March 2005, JAK'],
    ['after its dateline', 'Tsunami recovery: job centres open in Aceh\n\n    14 March 2005'],
  ])('cut %s: one item, one id, one update, no "Updated" digest entry', async (_, cutLast) => {
    const { ctx, results, after } = await ingestSeries([page(cutLast), page(WHOLE_LAST)]);
    expect(results[0]!.new.map((n) => n.title)).toContain('Tsunami recovery: job centres open in Aceh');
    expect(results[1]!.new).toEqual([]);
    expect(results[1]!.updated).toEqual([results[0]!.new[2]]);
    expect(ctx.store.counts().items).toBe(3);
    const versions = ctx.store.sqlite
      .prepare(`SELECT version, minor, location, summary FROM item_versions ORDER BY item_id, version`)
      .all();
    expect(versions.filter((v) => (v as { version: number }).version === 2)).toEqual([
      { version: 2, minor: 1, location: 'JAKARTA', summary: 'Ten centres now match workers with reconstruction jobs.' },
    ]);
    expect(after(1).filter((c) => c.kind === 'updated')).toEqual([]);
  });

  it('a real edit in the same dump is still announced', async () => {
    const { results, after } = await ingestSeries([
      page(WHOLE_LAST.slice(0, -20)),
      page(WHOLE_LAST, 'A review of wage setting in six countries.'),
    ]);
    expect(results[1]!.updated.map((u) => u.title)).toEqual([
      'Wages in the garment sector: a review',
      'Tsunami recovery: job centres open in Aceh',
    ]);
    expect(after(1).map((c) => [c.kind, c.title])).toEqual([['updated', 'Wages in the garment sector: a review']]);
  });

  it('an extended summary of an item that was never last is an edit', async () => {
    const { results, after } = await ingestSeries([
      page(WHOLE_LAST),
      page(WHOLE_LAST, 'A review of minimum wage setting in six countries. It adds two more.'),
    ]);
    expect(results[1]!.updated).toHaveLength(1);
    expect(after(1).map((c) => c.kind)).toEqual(['updated']);
  });

  it('a dateless page: a title cut by the write is completed, not doubled', async () => {
    const dateless = (last: string) =>
      ['Speeches', '', '  1. Opening address to the conference', '', '  2. Statement on youth employment', '', `  3. ${last}`].join('\n');
    const { ctx, results } = await ingestSeries([
      dateless('Remarks at the launch of the re'),
      dateless('Remarks at the launch of the report'),
    ]);
    expect(results[0]!.new).toHaveLength(3);
    expect(results[1]!.new).toEqual([]);
    expect(results[1]!.updated.map((u) => u.title)).toEqual(['Remarks at the launch of the report']);
    expect(ctx.store.counts().items).toBe(3);
  });

  it('a photo credit whose year moves on: the same item, shown with the new credit, no digest edit', async () => {
    const { ctx, results, after } = await ingestSeries([
      page(WHOLE_LAST),
      page(WHOLE_LAST).replace('© ILO/J. Doe 2021', '© ILO/J. Doe 2022'),
    ]);
    expect(results[1]!.updated.map((u) => u.title)).toEqual(['Working conditions of domestic workers']);
    expect(ctx.store.items.newest(null, 10).find((i) => i.title.startsWith('Working'))!.credit).toBe('© ILO/J. Doe 2022');
    expect(after(1)).toEqual([]);
  });
});
