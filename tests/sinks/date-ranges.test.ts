import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFeed as feedsmithParse } from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/pipeline.js';
import { displayDate } from '../../src/sinks/feeds/html.js';
import { itemPage } from '../../src/sinks/http/pages.js';
import { renderDigest } from '../../src/sinks/mail/render-digest.js';
import { FIXTURES, testContext } from '../helpers.js';

describe('date ranges of events', () => {
  it.each([
    ['2024-06-05', '2024-06-06', '5–6 June 2024'],
    ['2024-04-29', '2024-05-01', '29 April – 1 May 2024'],
    ['2024-12-30', '2025-01-03', '30 December 2024 – 3 January 2025'],
    ['2024-02-15', null, '15 February 2024'],
  ])('%s to %s reads "%s"', (date, end, shown) => {
    expect(displayDate(date, end)).toBe(shown);
  });

  it('reach the item page, the digest, the JSON Feed extension and the Atom entry text', async () => {
    const ctx = testContext();
    await ingestPaths(ctx, [join(FIXTURES, 'parse', 'event-ranges.txt')]);
    const items = ctx.store.items.newest(null, 10);
    const webinar = items.find((i) => i.title === 'Social dialogue in the platform economy')!;
    expect([webinar.date, webinar.endDate]).toEqual(['2024-06-05', '2024-06-06']);

    const topic = ctx.store.topics.list()[0]!;
    expect(itemPage(ctx.config, topic, webinar, 1)).toContain('5–6 June 2024 · Webinars');

    const candidates = ctx.store.digests.candidates('a@example.org', 0, ctx.store.dumps.lastId(), true, false);
    const digest = renderDigest(ctx.config, { address: 'a@example.org', schedule: 'immediate' } as never, candidates, null);
    expect(digest.text).toContain('Social dialogue in the platform economy\n5–6 June 2024 · Webinars');
    expect(digest.text).toContain('Regional forum on youth employment\n30 December 2024 – 3 January 2025');

    const json = JSON.parse(readFileSync(join(ctx.config.feeds.dir, 'events.json'), 'utf8'));
    const byTitle = new Map(json.items.map((i: { title: string; _dumpfeed: unknown }) => [i.title, i._dumpfeed]));
    expect(byTitle.get('Tripartite meeting on care work')).toEqual({
      date: '2024-03-11',
      endDate: '2024-03-13',
      category: null,
      credit: null,
      location: 'GENEVA',
    });
    // A single day carries no end.
    expect(byTitle.get('Launch of the World Employment Outlook')).not.toHaveProperty('endDate');

    const atom = feedsmithParse(readFileSync(join(ctx.config.feeds.dir, 'events.atom'), 'utf8'));
    const entry = (atom.feed as { entries: { title?: string; content?: string }[] }).entries.find(
      (e) => e.title === 'Tripartite meeting on care work',
    )!;
    expect(entry.content).toContain('11–13 March 2024 · GENEVA');
  });
});
