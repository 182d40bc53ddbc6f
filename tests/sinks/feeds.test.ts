import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseFeed as rowanParse } from '@rowanmanning/feed-parser';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseFeed as feedsmithParse, parseOpml } from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { ingestPaths, type Context } from '../../src/pipeline.js';
import { parseDump } from '../../src/parse/parse-dump.js';
import { FIXTURES, read, seedFiles, testContext, writeDump } from '../helpers.js';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (name) => ['entry', 'item', 'link', 'category', 'atom:link', 'outline'].includes(name),
});

async function ingestSeeds(raw: Record<string, unknown> = {}): Promise<Context & { dir: string; feeds: string }> {
  const ctx = testContext(raw);
  const inbox = join(ctx.dir, 'in');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(inbox);
  for (const f of seedFiles()) writeDump(inbox, f.split('/').pop()!, readFileSync(f));
  await ingestPaths(ctx, [inbox]);
  return { ...ctx, feeds: ctx.config.feeds.dir };
}

function feedFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort();
}

/** The checks the W3C feed validator makes that matter to readers, for an Atom document. */
function checkAtom(text: string, selfUrl: string): void {
  expect(XMLValidator.validate(text)).toBe(true);
  const feed = xml.parse(text).feed;
  expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
  expect(feed.id).toMatch(/^tag:[^,]+,\d{4}(-\d\d(-\d\d)?)?:\S+$/);
  expect(feed.updated).toMatch(RFC3339);
  expect(feed.author.name).toBeTruthy();
  expect(feed.link.find((l: Record<string, string>) => l['@rel'] === 'self')['@href']).toBe(selfUrl);
  const ids = new Set<string>();
  for (const e of feed.entry) {
    expect(e.id).toMatch(/^tag:[^,]+,\d{4}(-\d\d(-\d\d)?)?:\S+$/);
    expect(ids.has(e.id)).toBe(false);
    ids.add(e.id);
    expect(e.updated).toMatch(RFC3339);
    expect(e.published).toMatch(RFC3339);
    expect(e.updated >= e.published).toBe(true);
    expect(new URL(e.link[0]['@href']).protocol).toMatch(/^https?:$/);
  }
}

/** The same for RSS 2.0. */
function checkRss(text: string, selfUrl: string): void {
  expect(XMLValidator.validate(text)).toBe(true);
  const channel = xml.parse(text).rss.channel;
  expect(channel.title).toBeTruthy();
  expect(channel.description).toBeTruthy();
  expect(new URL(channel.link).protocol).toMatch(/^https?:$/);
  expect(channel.lastBuildDate).toMatch(RFC822);
  expect(channel['atom:link'][0]['@href']).toBe(selfUrl);
  expect(channel['atom:link'][0]['@rel']).toBe('self');
  const guids = new Set<string>();
  for (const item of channel.item) {
    expect(item.pubDate).toMatch(RFC822);
    expect(item.guid['@isPermaLink']).toBe('false');
    expect(guids.has(item.guid['#text'])).toBe(false);
    guids.add(item.guid['#text']);
  }
}

describe('feeds of the five seeds', () => {
  it('writes three feeds per topic, the combined feed and the OPML list', async () => {
    const ctx = await ingestSeeds();
    expect(feedFiles(ctx.feeds)).toEqual(
      [
        'all',
        'impact-and-people',
        'news-and-articles',
        'news-and-events',
        'press-releases',
        'resources-on-textiles-clothing-leather-and-footwear-sector',
      ]
        .flatMap((s) => [`${s}.atom`, `${s}.json`, `${s}.rss`])
        .concat('topics.opml', 'feed.xsl')
        .sort(),
    );
  });

  it('every feed reads in two independent parsers with every item, id, title and date', async () => {
    const ctx = await ingestSeeds();
    for (const seed of seedFiles()) {
      const parsed = parseDump(read(seed), seed);
      const topic = ctx.store.topics.list().find((t) => t.name === parsed.topic)!;
      const stored = ctx.store.items.newest(topic.id, 100);
      for (const ext of ['atom', 'rss'] as const) {
        const text = read(join(ctx.feeds, `${topic.slug}.${ext}`));
        const feed = rowanParse(text);
        expect(feed.title).toBe(parsed.topic);
        expect(feed.items.map((i) => i.id)).toEqual(stored.map((s) => s.guid));
        expect(feed.items.map((i) => i.title).sort()).toEqual(parsed.items.map((i) => i.title).sort());
        for (const [i, item] of feed.items.entries()) {
          const s = stored[i]!;
          if (s.date) expect(item.published?.toISOString()).toBe(`${s.date}T00:00:00.000Z`);
          expect(item.url).toBe(`http://localhost:8080/items/${s.key}`);
        }
        const other = feedsmithParse(text);
        expect(other.format).toBe(ext);
      }
      const json = feedsmithParse(read(join(ctx.feeds, `${topic.slug}.json`)));
      expect(json.format).toBe('json');
      const doc = JSON.parse(read(join(ctx.feeds, `${topic.slug}.json`)));
      expect(doc.version).toBe('https://jsonfeed.org/version/1.1');
      expect(doc.feed_url).toBe(`http://localhost:8080/feeds/${topic.slug}.json`);
      expect(doc.items.map((i: { id: string }) => i.id)).toEqual(stored.map((s) => s.guid));
      for (const item of doc.items) expect(typeof (item.content_html ?? item.content_text)).toBe('string');
    }
  });

  it('passes the W3C validator checks: well-formed, ids, self links, date formats', async () => {
    const ctx = await ingestSeeds();
    for (const t of [...ctx.store.topics.list().map((t) => t.slug), 'all']) {
      checkAtom(read(join(ctx.feeds, `${t}.atom`)), `http://localhost:8080/feeds/${t}.atom`);
      checkRss(read(join(ctx.feeds, `${t}.rss`)), `http://localhost:8080/feeds/${t}.rss`);
    }
  });

  it('carries category, credit and dateline place', async () => {
    const ctx = await ingestSeeds();
    const atom = rowanParse(read(join(ctx.feeds, 'news-and-articles.atom')));
    const delhi = atom.items.find((i) => i.title === 'ILO Director-General on official visit to India')!;
    expect(delhi.categories.map((c) => c.term)).toEqual(['Press release']);
    expect(delhi.content).toContain('<small>24 November 2004 · NEW DELHI · Press release</small>');
    const json = JSON.parse(read(join(ctx.feeds, 'impact-and-people.json')));
    expect(json.items[0]._dumpfeed).toEqual({ date: '2022-04-08', category: null, credit: '© Seng Mai / Photo Doc 2022', location: null });
    expect(json.items[0].content_html).toContain('© Seng Mai / Photo Doc 2022');
    // The combined feed names each entry's page as a category.
    const all = rowanParse(read(join(ctx.feeds, 'all.atom')));
    const usdol = all.items.find((i) => i.title === 'ILO, USDOL launch new project to support rural workers')!;
    expect(usdol.categories.map((c) => c.term)).toEqual(['Press release', 'News and events']);
    // In a feed that mixes pages, _dumpfeed.category is still the item's own label: null when it has none.
    const mixed = JSON.parse(read(join(ctx.feeds, 'all.json'))) as {
      items: { title: string; tags?: string[]; _dumpfeed: { category: string | null } }[];
    };
    const unlabelled = mixed.items.find(
      (i) => i.title === 'ILO supports the Government of Bangladesh for skills development in the caregiving occupation',
    )!;
    expect(unlabelled.tags).toEqual(['Press releases']);
    expect(unlabelled._dumpfeed.category).toBeNull();
  });

  it('lists every topic feed in topics.opml', async () => {
    const ctx = await ingestSeeds();
    const opml = parseOpml(read(join(ctx.feeds, 'topics.opml')));
    const outlines = opml.body!.outlines!;
    expect(outlines.map((o) => o.xmlUrl)).toEqual(ctx.store.topics.list().map((t) => `http://localhost:8080/feeds/${t.slug}.atom`));
    expect(outlines.map((o) => o.text)).toEqual(ctx.store.topics.list().map((t) => t.name));
  });

  it('writes byte-identical files for the same state, and touches no file on a re-run', async () => {
    const a = await ingestSeeds();
    const b = await ingestSeeds();
    for (const f of feedFiles(a.feeds)) expect(read(join(b.feeds, f)), f).toBe(read(join(a.feeds, f)));

    const mtimes = feedFiles(a.feeds).map((f) => statSync(join(a.feeds, f)).mtimeMs);
    const again = await ingestPaths(a, seedFiles());
    expect(again.files.every((f) => f.duplicate)).toBe(true);
    expect(again.feeds.written).toEqual([]);
    expect(feedFiles(a.feeds).map((f) => statSync(join(a.feeds, f)).mtimeMs)).toEqual(mtimes);
  });
});

describe('feeds over re-dumps', () => {
  const seq = (name: string) =>
    readdirSync(join(FIXTURES, 'sequences', name))
      .filter((f) => f.endsWith('.txt'))
      .sort()
      .map((f) => readFileSync(join(FIXTURES, 'sequences', name, f)));

  async function ingestSequence(name: string, raw: Record<string, unknown> = {}) {
    const ctx = testContext(raw);
    const files = seq(name).map((bytes, i) => writeDump(ctx.dir, `${i}.txt`, bytes, new Date(Date.UTC(2026, 0, 1, i)).toISOString()));
    const reports = [];
    for (const f of files) reports.push(await ingestPaths(ctx, [f]));
    return { ctx, reports, feed: (ext: string, slug = 'press-releases') => read(join(ctx.config.feeds.dir, `${slug}.${ext}`)) };
  }

  it('keeps items that scrolled off the page', async () => {
    const { feed } = await ingestSequence('scroll-off');
    expect(rowanParse(feed('atom')).items).toHaveLength(7);
  });

  it('shows an edit as the same entry with a later updated time', async () => {
    const { feed } = await ingestSequence('summary-edited');
    const atom = xml.parse(feed('atom')).feed;
    expect(atom.entry).toHaveLength(2);
    const edited = atom.entry[0];
    expect(edited.published).toBe('2021-10-21T00:00:00.000Z');
    expect(edited.updated).toBe('2026-01-01T01:00:00.000Z');
    expect(atom.updated).toBe('2026-01-01T01:00:00.000Z');
    expect(edited.content['#text']).toContain('challenges and opportunities.');
  });

  it('rewrites only the feeds whose content changed', async () => {
    const ctx = await ingestSeeds();
    const newer = read(seedFiles()[0]!).replace('  1. ILO supports', '  1. A brand new item\n\n    30 November 2021\n\n  2. ILO supports');
    const report = await ingestPaths(ctx, [writeDump(ctx.dir, 'newer.txt', newer, '2026-02-01T00:00:00Z')]);
    expect(report.files[0]!.new.map((n) => n.title)).toEqual(['A brand new item']);
    // topics.opml keeps its date: an undated item seen later is still the newest on the list.
    expect(report.feeds.written.map((p) => p.split('/').pop()).sort()).toEqual(
      ['all.atom', 'all.json', 'all.rss', 'press-releases.atom', 'press-releases.json', 'press-releases.rss'].sort(),
    );
  });

  it('keeps only the newest entries up to feeds.length', async () => {
    const { feed } = await ingestSequence('scroll-off', { feeds: { length: 3 } });
    expect(rowanParse(feed('rss')).items.map((i) => i.title)).toEqual([
      'ILO supports the Government of Bangladesh for skills development',
      'Bangladesh has its first Occupational Safety and Health Profile in place',
      'Decent work for sanitation workers in South Asia',
    ]);
  });

  it('uses the configured title, slug and source page; links stay unique per entry', async () => {
    const { feed } = await ingestSequence('scroll-off', {
      topics: {
        'press releases': { title: 'ILO Dhaka: press releases', slug: 'dhaka-press', sourceUrl: 'https://www.ilo.org/dhaka/press' },
      },
      feeds: { baseUrl: 'https://feeds.example.org/ilo' },
    });
    const atom = rowanParse(feed('atom', 'dhaka-press'));
    expect(atom.title).toBe('ILO Dhaka: press releases');
    expect(atom.self).toBe('https://feeds.example.org/ilo/feeds/dhaka-press.atom');
    expect(atom.url).toBe('https://www.ilo.org/dhaka/press');
    const links = atom.items.map((i) => i.url!);
    expect(new Set(links).size).toBe(links.length);
    for (const l of links) expect(l).toMatch(/^https:\/\/www\.ilo\.org\/dhaka\/press#item-[0-9a-f]{12}$/);
  });
});

describe('text that is not safe in XML or HTML', () => {
  it('shows & < > quotes and ]]> in titles and summaries as text in every format', async () => {
    const ctx = testContext();
    const file = join(FIXTURES, 'parse', 'markup-and-repeats.txt');
    await ingestPaths(ctx, [writeDump(ctx.dir, 'm.txt', readFileSync(file))]);
    const slug = ctx.store.topics.list()[0]!.slug;
    expect(slug).toBe('press-media-releases');
    const title = 'R&D: <script>alert(1)</script> & "quotes" ]]> end';
    for (const ext of ['atom', 'rss']) {
      const text = read(join(ctx.config.feeds.dir, `${slug}.${ext}`));
      expect(XMLValidator.validate(text)).toBe(true);
      expect(text).not.toContain('<script>');
      const feed = rowanParse(text);
      expect(feed.title).toBe('Press & media <releases>');
      expect(feed.items[0]!.title).toBe(title);
      // The summary is HTML in which the dump's text is escaped: a reader shows the tags as text.
      const doc = xml.parse(text);
      const body = ext === 'atom' ? doc.feed.entry[0].content['#text'] : doc.rss.channel.item[0].description;
      expect(body).toBe('<p>Summary with &lt;b&gt;tags&lt;/b&gt; &amp; ampersands.</p>\n<p><small>5 May 2021</small></p>');
    }
    const json = JSON.parse(read(join(ctx.config.feeds.dir, `${slug}.json`)));
    expect(json.items[0].title).toBe(title);
  });
});
