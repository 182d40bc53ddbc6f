import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseFeed, parseOpml } from 'feedsmith';
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from '../../src/sinks/http/listen.js';
import { ingestPaths, type Context } from '../../src/pipeline.js';
import { createHttpServer } from '../../src/sinks/http/server.js';
import { FIXTURES, seedFiles, testContext, writeDump } from '../helpers.js';
import { HAS_NEWSBOAT, newsboatRead } from '../support/newsboat.js';

// The rule for every format: a reader shows exactly the characters of the dump. Checked on a dump whose
// title, summary, label, credit, place and page name all hold & < > " ' ]]>, a literal &amp;, emoji
// and right-to-left text, read back by independent parsers and by newsboat.

const DUMP = JSON.parse(readFileSync(join(FIXTURES, 'parse', 'markup-everywhere.expected.json'), 'utf8')) as {
  topic: string;
  items: { title: string; summary: string; category: string; credit: string; location: string }[];
};
const ITEM = DUMP.items[0]!;

/** The text of an HTML fragment as a browser shows it (our HTML escapes & < > " only). */
function htmlText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.close();
    s.closeAllConnections();
  }
});

/** Feeds of `files` written and served over a real socket, with baseUrl pointing at that server. */
async function servedFeeds(files: string[], config: Record<string, unknown> = {}): Promise<Context & { base: string; dir: string }> {
  const ctx = testContext(config);
  const server = createHttpServer({ store: ctx.store, config: () => ctx.config, health: () => ({ ok: true }) });
  servers.push(server);
  const port = await listen(server, '127.0.0.1', 0);
  ctx.config.feeds.baseUrl = `http://127.0.0.1:${port}/`;
  await ingestPaths(
    ctx,
    files.map((f, i) => writeDump(ctx.dir, `${i}-${f.split('/').pop()}`, readFileSync(f))),
  );
  return { ...ctx, base: ctx.config.feeds.baseUrl };
}

// Universal Feed Parser (Debian python3-feedparser), where installed.
const FEEDPARSER = spawnSync('/usr/bin/python3', ['-c', 'import feedparser'], { encoding: 'utf8' }).status === 0;

describe('what every reader shows is exactly what the page says', () => {
  it('Atom and RSS read back exactly through feedsmith and fast-xml-parser, and JSON Feed as JSON', async () => {
    const ctx = testContext();
    await ingestPaths(ctx, [writeDump(ctx.dir, 'm.txt', readFileSync(join(FIXTURES, 'parse', 'markup-everywhere.txt')))]);
    const slug = ctx.store.topics.list()[0]!.slug;
    const file = (ext: string) => readFileSync(join(ctx.config.feeds.dir, `${slug}.${ext}`), 'utf8');
    const xml = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      isArray: (n) => ['entry', 'item', 'category'].includes(n),
    });
    for (const ext of ['atom', 'rss']) {
      const text = file(ext);
      expect(XMLValidator.validate(text), ext).toBe(true);
      // feedsmith
      const { feed } = parseFeed(text) as { feed: Record<string, unknown> & { entries?: unknown[]; items?: unknown[] } };
      const entry = (feed.entries ?? feed.items)![0] as Record<string, unknown>;
      expect(feed.title, ext).toBe(DUMP.topic);
      expect(entry.title, ext).toBe(ITEM.title);
      const categories = entry.categories as { term?: string; name?: string }[];
      expect(
        categories.map((c) => c.term ?? c.name),
        ext,
      ).toEqual([ITEM.category]);
      const html = (entry.content ?? entry.description) as string;
      expect(htmlText(html), ext).toContain(ITEM.summary);
      for (const part of [ITEM.location, ITEM.category, ITEM.credit]) expect(htmlText(html), ext).toContain(part);
      // fast-xml-parser, with entities decoded once by the XML rules
      const doc = xml.parse(text);
      const raw = ext === 'atom' ? doc.feed.entry[0] : doc.rss.channel.item[0];
      const rawTitle = ext === 'atom' ? raw.title['#text'] : raw.title;
      expect(rawTitle, ext).toBe(ITEM.title);
      expect(ext === 'atom' ? raw.category[0]['@label'] : raw.category[0], ext).toBe(ITEM.category);
    }
    const json = JSON.parse(file('json'));
    expect(json.title).toBe(DUMP.topic);
    expect(json.items[0].title).toBe(ITEM.title);
    expect(json.items[0]._dumpfeed).toEqual({ date: '2022-04-08', category: ITEM.category, credit: ITEM.credit, location: ITEM.location });
    expect(htmlText(json.items[0].content_html)).toContain(ITEM.summary);
    // The OPML list names the page exactly.
    const opml = parseOpml(readFileSync(join(ctx.config.feeds.dir, 'topics.opml'), 'utf8')) as { body: { outlines: { text: string }[] } };
    expect(opml.body.outlines.map((o) => o.text)).toEqual([DUMP.topic]);
  });

  it.skipIf(!FEEDPARSER)('Universal Feed Parser reads the same characters', async () => {
    const ctx = testContext();
    await ingestPaths(ctx, [writeDump(ctx.dir, 'm.txt', readFileSync(join(FIXTURES, 'parse', 'markup-everywhere.txt')))]);
    const slug = ctx.store.topics.list()[0]!.slug;
    for (const ext of ['atom', 'rss']) {
      const script = `import feedparser, json, sys\nd = feedparser.parse(sys.argv[1])\ne = d.entries[0]\nprint(json.dumps([d.feed.title, e.title, [t.term for t in e.tags]]))`;
      const r = spawnSync('/usr/bin/python3', ['-c', script, join(ctx.config.feeds.dir, `${slug}.${ext}`)], { encoding: 'utf8' });
      expect(JSON.parse(r.stdout), ext).toEqual([DUMP.topic, ITEM.title, [ITEM.category]]);
    }
  });

  it.skipIf(!HAS_NEWSBOAT)('newsboat shows the same characters', async () => {
    const ctx = await servedFeeds([join(FIXTURES, 'parse', 'markup-everywhere.txt')]);
    const slug = ctx.store.topics.list()[0]!.slug;
    for (const url of ['atom', 'rss'].map((ext) => `${ctx.base}feeds/${slug}.${ext}`)) {
      // One reader per format: the two documents are the same feed, with the same entry ids.
      const seen = await newsboatRead({ urls: [url] });
      expect(seen.feeds.find((f) => f.url === url)?.title, url).toBe(DUMP.topic);
      const items = seen.items.filter((i) => i.feedurl === url);
      expect(items.map((i) => i.title).sort(), url).toEqual([ITEM.title, 'Second item'].sort());
      expect(htmlText(items.find((i) => i.title === ITEM.title)!.content), url).toContain(ITEM.summary);
    }
  });

  it.skipIf(!HAS_NEWSBOAT)(
    'importing topics.opml into newsboat shows every page with all its items; so does custom-topics.opml',
    async () => {
      // The README's custom topics (in config/dumpfeed.json) overlap the pages: they hold the same entries.
      const config = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'config', 'dumpfeed.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      const ctx = await servedFeeds(seedFiles(), { customTopics: config.customTopics });
      for (const list of ['topics.opml', 'custom-topics.opml']) {
        const seen = await newsboatRead({ opml: join(ctx.config.feeds.dir, list) });
        const outlines = (parseOpml(readFileSync(join(ctx.config.feeds.dir, list), 'utf8')) as { body: { outlines: { xmlUrl: string }[] } })
          .body.outlines;
        expect(outlines.length).toBeGreaterThan(2);
        for (const { xmlUrl } of outlines) {
          const entries = (parseFeed(await (await fetch(xmlUrl)).text()) as { feed: { entries: unknown[] } }).feed.entries.length;
          expect(entries, xmlUrl).toBeGreaterThan(0);
          expect(seen.items.filter((i) => i.feedurl === xmlUrl).length, `${list}: ${xmlUrl}`).toBe(entries);
        }
      }
    },
  );
});
