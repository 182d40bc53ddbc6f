import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { parseFeed } from '@rowanmanning/feed-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors.js';
import type { ParsedDump } from '../../src/model.js';
import { ingestPaths } from '../../src/pipeline.js';
import { createHttpServer } from '../../src/sinks/http/server.js';
import { listen } from '../../src/sinks/http/listen.js';
import { cli } from '../cli/run-cli.js';
import { read, seedFiles, tempDir, testContext, writeDump } from '../helpers.js';

// The hand-checked expectations of the seeds: what each rule should select is computed from them
// independently of the code under test.
const expected = seedFiles().map((f) => JSON.parse(read(f.replace(/\.txt$/, '.expected.json'))) as ParsedDump);
const allItems = expected.flatMap((d) => d.items.map((i) => ({ ...i, page: d.topic })));
const text = (i: { title: string; summary: string | null }) => `${i.title}\n${i.summary ?? ''}`;

async function ingestSeeds(raw: Record<string, unknown>) {
  const ctx = testContext(raw);
  await ingestPaths(
    ctx,
    seedFiles().map((f, i) => writeDump(ctx.dir, `s${i}.txt`, readFileSync(f))),
  );
  const feed = (slug: string, ext = 'atom') => parseFeed(read(join(ctx.config.feeds.dir, `${slug}.${ext}`)));
  return { ctx, feed };
}

describe('custom topics over the seed pages', () => {
  it('keyword: every item that mentions Bangladesh, from any page', async () => {
    const { feed } = await ingestSeeds({ customTopics: [{ name: 'Bangladesh', slug: 'bangladesh', include: ['Bangladesh'] }] });
    const want = allItems.filter((i) => /bangladesh/i.test(text(i))).map((i) => i.title);
    expect(want.length).toBeGreaterThan(8);
    expect(
      feed('bangladesh')
        .items.map((i) => i.title)
        .sort(),
    ).toEqual(want.sort());
  });

  it('regular expressions to include and exclude', async () => {
    const { feed } = await ingestSeeds({
      customTopics: [{ name: 'COVID, not garments', slug: 'covid', include: ['/\\bCOVID-19\\b/'], exclude: ['/garment|RMG/i'] }],
    });
    const want = allItems.filter((i) => /\bCOVID-19\b/.test(text(i)) && !/garment|RMG/i.test(text(i))).map((i) => i.title);
    expect(want.length).toBeGreaterThan(3);
    expect(
      feed('covid')
        .items.map((i) => i.title)
        .sort(),
    ).toEqual(want.sort());
  });

  it('category: press releases from every page, each entry naming its page', async () => {
    const { feed } = await ingestSeeds({
      customTopics: [{ name: 'All press releases', slug: 'all-press-releases', categories: ['press release'] }],
    });
    const want = allItems.filter((i) => i.category === 'Press release');
    const got = feed('all-press-releases').items;
    expect(got.map((i) => i.title).sort()).toEqual(want.map((i) => i.title).sort());
    const india = got.find((i) => i.title === 'ILO Director-General on official visit to India')!;
    expect(india.categories.map((c) => c.term)).toEqual(['Press release', 'News and articles']);
  });

  it('merge: two pages as one topic, by name and by slug, and a date range', async () => {
    const { feed } = await ingestSeeds({
      feeds: { length: 100 },
      customTopics: [
        { name: 'All news', slug: 'all-news', pages: ['News and events', 'news-and-articles'] },
        { name: 'Summer 2021', slug: 'summer-2021', from: '2021-06-01', to: '2021-08-31' },
      ],
    });
    const merged = allItems.filter((i) => i.page === 'News and events' || i.page === 'News and articles');
    expect(feed('all-news').items).toHaveLength(merged.length);
    const summer = allItems.filter((i) => i.date !== null && i.date >= '2021-06-01' && i.date <= '2021-08-31');
    expect(
      feed('summer-2021')
        .items.map((i) => i.title)
        .sort(),
    ).toEqual(summer.map((i) => i.title).sort());
  });

  it("gives entries ids of their own, derived from the item's permanent key: overlapping feeds hide nothing in any reader", async () => {
    const { feed } = await ingestSeeds({ customTopics: [{ name: 'Bangladesh', slug: 'bangladesh', include: ['Bangladesh'] }] });
    const page = new Map(feed('press-releases').items.map((i) => [i.title, i.id]));
    const shared = feed('bangladesh').items.filter((x) => page.has(x.title!));
    expect(shared.length).toBeGreaterThan(0);
    for (const i of shared) {
      const key = page.get(i.title!)!.split('/').pop();
      expect(i.id).toBe(`tag:dumpfeed,2026:topic/bangladesh/${key}`);
    }
  });

  it('picks up matching items of new dumps as they are stored', async () => {
    const { ctx, feed } = await ingestSeeds({ customTopics: [{ name: 'Bangladesh', slug: 'bangladesh', include: ['Bangladesh'] }] });
    const before = feed('bangladesh').items.length;
    const page = read(seedFiles()[0]!).replace(
      '  1. ',
      '  1. New RMG safety accord signed in Bangladesh\n\n    01 December 2021\n\n  2. Unrelated news from Geneva\n\n    30 November 2021\n\n  3. ',
    );
    await ingestPaths(ctx, [writeDump(ctx.dir, 'later.txt', page, '2026-02-01T00:00:00Z')]);
    const after = feed('bangladesh').items;
    expect(after).toHaveLength(before + 1);
    expect(after[0]!.title).toBe('New RMG safety accord signed in Bangladesh');
  });

  it('a hidden page has no feeds or OPML entry, but its items still reach "all" and custom topics', async () => {
    const { ctx, feed } = await ingestSeeds({
      topics: { 'Press releases': { hidden: true } },
      customTopics: [{ name: 'Bangladesh', slug: 'bangladesh', include: ['Bangladesh'] }],
      feeds: { length: 100 },
    });
    const files = readdirSync(ctx.config.feeds.dir);
    expect(files).not.toContain('press-releases.atom');
    expect(read(join(ctx.config.feeds.dir, 'topics.opml'))).not.toContain('press-releases');
    expect(read(join(ctx.config.feeds.dir, 'custom-topics.opml'))).toContain('feeds/bangladesh.atom');
    expect(read(join(ctx.config.feeds.dir, 'topics.opml'))).not.toContain('feeds/bangladesh.atom');
    expect(feed('all').items.some((i) => i.title === 'Bangladesh has its first Occupational Safety and Health Profile in place')).toBe(
      true,
    );
    expect(
      feed('bangladesh').items.some((i) => i.title === 'Bangladesh has its first Occupational Safety and Health Profile in place'),
    ).toBe(true);
  });
});

describe('rules in the config', () => {
  const error = (raw: unknown) => {
    try {
      parseConfig(raw, 'c.json');
    } catch (e) {
      return (e as ConfigError).toLine();
    }
    return 'accepted';
  };

  it('rejects bad rules with a message naming the topic and the rule', () => {
    expect(error({ customTopics: [{ name: 'X', slug: 'x', include: ['/(unclosed/'] }] })).toBe(
      'config c.json: customTopics.0.include.0: invalid pattern /(unclosed/: not a regular expression: missing closing ): `(unclosed`',
    );
    // RE2 syntax: what needs backtracking is refused when the config loads, not run.
    expect(error({ customTopics: [{ name: 'X', slug: 'x', include: ['/(a)\\1/'] }] })).toBe(
      'config c.json: customTopics.0.include.0: invalid pattern /(a)\\1/: not a regular expression: invalid escape sequence: `\\1`',
    );
    expect(error({ customTopics: [{ name: 'X', slug: 'x', from: '2021-12-01', to: '2021-01-01' }] })).toBe(
      'config c.json: customTopics.0.to: from must not be after to',
    );
    expect(error({ customTopics: [{ name: 'X', slug: 'x', from: 'last year' }] })).toBe(
      'config c.json: customTopics.0.from: must be a date YYYY-MM-DD',
    );
    expect(
      error({
        customTopics: [
          { name: 'A', slug: 'x' },
          { name: 'B', slug: 'x' },
        ],
      }),
    ).toBe('config c.json: customTopics.1.slug: "x" is already used by "A"');
    expect(error({ customTopics: [{ name: 'A', slug: 'all' }] })).toBe('config c.json: customTopics.0.slug: "all" is reserved');
    expect(error({ customTopics: [{ name: 'A', slug: 'a', inclde: ['x'] }] })).toBe('config c.json: unknown key "customTopics.0.inclde"');
  });
});

describe('changing a rule', () => {
  it('rebuild selects the items anew from the store, keeping every id; dumpfeed topics shows the rule', () => {
    const dir = tempDir();
    const configFile = join(dir, 'c.json');
    const config = (include: string[]) =>
      writeFileSync(
        configFile,
        JSON.stringify({
          store: { path: 'state.db' },
          feeds: { dir: 'feeds', length: 100 },
          customTopics: [{ name: 'Watch list', slug: 'watch', include }],
        }),
      );
    config(['Bangladesh']);
    expect(cli(['ingest', '--config', configFile, ...seedFiles()], dir).code).toBe(0);
    const ids = (slug: string) => new Map(parseFeed(read(join(dir, 'feeds', `${slug}.atom`))).items.map((i) => [i.title!, i.id!]));
    const before = ids('watch');

    // Removing the dumps proves nothing is read again.
    config(['Bangladesh', 'Madagascar']);
    const r = cli(['rebuild', '--config', configFile, '--topic', 'watch'], dir);
    expect(r.code).toBe(0);
    const want = allItems.filter((i) => /bangladesh|madagascar/i.test(text(i))).length;
    expect(r.stdout).toMatch(new RegExp(`^Watch list: ${want} items$`, 'm'));
    const after = ids('watch');
    expect(after.size).toBe(want);
    for (const [title, id] of before) expect(after.get(title)).toBe(id);
    const pageIds = new Map([...ids('news-and-events'), ...ids('resources-on-textiles-clothing-leather-and-footwear-sector')]);
    const key = (id: string) => id.split('/').pop();
    for (const [title, id] of after) if (pageIds.has(title)) expect(key(id)).toBe(key(pageIds.get(title)!));

    const topics = cli(['topics', '--config', configFile], dir).stdout;
    expect(topics).toContain(
      `Watch list  (custom, ${want} items)\n  rule: pages *; include Bangladesh | Madagascar\n  feeds: http://localhost:8080/feeds/watch.atom  .rss  .json`,
    );
    expect(topics).toContain('Press releases  (page, 20 items)');
    expect(cli(['rebuild', '--config', configFile, '--topic', 'nope'], dir).stderr).toMatch(/^error: no topic "nope"/);
  });

  it('a changed rule is rebuilt on its own at the next ingest', () => {
    const dir = tempDir();
    const configFile = join(dir, 'c.json');
    const write = (include: string[]) =>
      writeFileSync(
        configFile,
        JSON.stringify({
          store: { path: 'state.db' },
          feeds: { dir: 'feeds', length: 100 },
          customTopics: [{ name: 'W', slug: 'w', include }],
        }),
      );
    write(['Bangladesh']);
    cli(['ingest', '--config', configFile, ...seedFiles()], dir);
    write(['Haiti']);
    cli(['ingest', '--config', configFile, seedFiles()[0]!], dir);
    expect(parseFeed(read(join(dir, 'feeds', 'w.atom'))).items.map((i) => i.title)).toEqual([
      'ILO in Action in Haiti: How to combine better income and food security',
    ]);
  });
});

describe('filters on served feeds', () => {
  const closers: (() => void)[] = [];
  afterEach(() => closers.splice(0).forEach((c) => c()));

  function get(
    port: number,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; etag: string | undefined; body: string }> {
    return new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, etag: res.headers.etag, body }));
      })
        .on('error', reject)
        .end();
    });
  }

  it('accepts filter, filterout, category and limit, with stable ETags per query', async () => {
    const { ctx } = await ingestSeeds({
      feeds: { length: 100 },
      customTopics: [{ name: 'Bangladesh', slug: 'bangladesh', include: ['Bangladesh'] }],
    });
    const server = createHttpServer({ store: ctx.store, config: () => ctx.config, health: () => ({}) });
    const port = await listen(server, '127.0.0.1', 0);
    closers.push(() => (server.close(), server.closeAllConnections()));
    const titles = async (path: string) => parseFeed((await get(port, path)).body).items.map((i) => i.title);

    expect(await titles('/feeds/press-releases.atom?filter=covid')).toEqual(
      expected[0]!.items.filter((i) => /covid/i.test(text(i))).map((i) => i.title),
    );
    expect((await titles('/feeds/all.rss?category=Press%20release&limit=3')).length).toBe(3);
    expect(await titles('/feeds/all.atom?category=Webinars')).toEqual(['Knowledge development series on formalization in BRICS countries']);
    const out = await titles('/feeds/bangladesh.atom?filterout=garment|RMG');
    expect(out.length).toBeGreaterThan(0);
    expect(out.some((t) => /garment|RMG/i.test(t!))).toBe(false);

    const a = await get(port, '/feeds/press-releases.atom?filter=covid');
    const b = await get(port, '/feeds/press-releases.atom?filter=covid');
    const c = await get(port, '/feeds/press-releases.atom?filter=skills');
    expect(a.etag).toBe(b.etag);
    expect(c.etag).not.toBe(a.etag);
    expect((await get(port, '/feeds/press-releases.atom?filter=covid', { 'If-None-Match': a.etag! })).status).toBe(304);
    expect(parseFeed(a.body).self).toBe('http://localhost:8080/feeds/press-releases.atom?filter=covid');

    expect((await get(port, '/feeds/press-releases.atom?filter=(')).status).toBe(400);
    expect((await get(port, '/feeds/press-releases.atom?limit=0')).status).toBe(400);
    expect((await get(port, '/feeds/press-releases.atom?sort=asc')).status).toBe(400);
    expect((await get(port, '/feeds/nope.atom?limit=2')).status).toBe(404);
  });
});

describe('digest subscriptions to a custom topic', () => {
  it('sends only the items the custom topic holds', async () => {
    const { simpleParser } = await import('mailparser');
    const dir = tempDir();
    const configFile = join(dir, 'c.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        store: { path: 'state.db' },
        feeds: { dir: 'feeds' },
        mail: { outbox: 'outbox' },
        customTopics: [{ name: 'Bangladesh', slug: 'bangladesh', include: ['Bangladesh'] }],
        subscribers: [{ address: 'desk@example.org', topics: ['Bangladesh'], schedule: 'immediate', backfill: true }],
      }),
    );
    cli(['ingest', '--config', configFile, ...seedFiles()], dir);
    expect(cli(['digest', '--send', '--config', configFile], dir).code).toBe(0);
    const [file] = readdirSync(join(dir, 'outbox'));
    const mail = await simpleParser(readFileSync(join(dir, 'outbox', file!)));
    const want = allItems.filter((i) => /bangladesh/i.test(text(i)));
    expect(mail.subject).toMatch(new RegExp(`^${want.length} new items: `));
    for (const i of want) expect(mail.text).toContain(i.title);
  });
});

describe('the README examples (config/dumpfeed.json)', () => {
  it('select what the README says on the sample dumps', async () => {
    const { loadConfig } = await import('../../src/config/load-config.js');
    const { REPO } = await import('../helpers.js');
    const shipped = loadConfig(join(REPO, 'config', 'dumpfeed.json')).config;
    const { ctx } = await ingestSeeds({ customTopics: shipped.customTopics, feeds: { length: 100 } });
    const store = ctx.store.customTopics;
    expect(Object.fromEntries(shipped.customTopics.map((t) => [t.slug, store.count(t.slug)]))).toEqual({
      bangladesh: 11,
      'all-press-releases': 12,
      'ilo-news': 9,
    });
    const readme = read(join(REPO, 'README.md'));
    expect(readme).toContain('the 11 items\nthat mention Bangladesh or Dhaka');
    expect(readme).toContain('the 12 items labelled "Press\nrelease"');
    expect(readme).toContain('the 9 dated items since 2021');
  });
});
