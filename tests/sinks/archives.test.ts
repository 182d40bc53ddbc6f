import { existsSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFeed } from '@rowanmanning/feed-parser';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/pipeline.js';
import { read, redumpSeries, testContext, writeDump } from '../helpers.js';

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => n === 'link' || n === 'entry' });

/** Follows prev-archive links from the subscription feed, as an RFC 5005 client rebuilding history does. */
function history(dir: string, slug: string): { ids: string[]; pages: number } {
  const load = (url: string) => xml.parse(read(join(dir, url.replace(/^http:\/\/localhost:8080\/feeds\//, '')))).feed;
  let doc = xml.parse(read(join(dir, `${slug}.atom`))).feed;
  const ids = new Set<string>(doc.entry.map((e: { id: string }) => e.id));
  let pages = 0;
  for (
    let prev = doc.link.find((l: Record<string, string>) => l['@rel'] === 'prev-archive');
    prev;
    prev = doc.link.find((l: Record<string, string>) => l['@rel'] === 'prev-archive')
  ) {
    doc = load(prev['@href']);
    pages++;
    expect(doc['fh:archive']).toBe('');
    for (const e of doc.entry) ids.add(e.id);
  }
  return { ids: [...ids].sort(), pages };
}

describe('RFC 5005 archived feeds', () => {
  it('keeps every entry reachable from the subscription feed, in pages that do not change once full', async () => {
    const ARCHIVE_PAGE = 100;
    const ctx = testContext({ feeds: { length: ARCHIVE_PAGE } });
    const series = redumpSeries(250);
    const dir = ctx.config.feeds.dir;
    // 20 seed items and 250 new ones: two full pages of 100 and a tail of 70.
    await ingestPaths(
      ctx,
      series.slice(0, 150).map(([n, t], i) => writeDump(ctx.dir, n, t, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString())),
    );
    const page1 = read(join(dir, 'archive', 'press-releases-1.atom'));
    expect(existsSync(join(dir, 'archive', 'press-releases-2.atom'))).toBe(false);
    await ingestPaths(
      ctx,
      series.slice(150).map(([n, t], i) => writeDump(ctx.dir, n, t, new Date(Date.UTC(2026, 0, 2, 0, i)).toISOString())),
    );
    expect(readdirSync(join(dir, 'archive')).sort()).toEqual(['press-releases-1.atom', 'press-releases-2.atom']);

    const all = ctx.store.items
      .newest(ctx.store.topics.list()[0]!.id, 1000)
      .map((i) => i.guid)
      .sort();
    expect(all).toHaveLength(ARCHIVE_PAGE * 2 + 70);
    const rebuilt = history(dir, 'press-releases');
    expect(rebuilt.pages).toBe(2);
    expect(rebuilt.ids).toEqual(all);

    // Page 1 only gained its next-archive link; its entries are exactly as before.
    const before = xml.parse(page1).feed;
    const after = xml.parse(read(join(dir, 'archive', 'press-releases-1.atom'))).feed;
    expect(after.entry).toEqual(before.entry);
    expect(after.link.map((l: Record<string, string>) => l['@rel'])).toEqual(['alternate', 'self', 'current', 'next-archive']);
    const page2 = read(join(dir, 'archive', 'press-releases-2.atom'));
    expect(XMLValidator.validate(page2)).toBe(true);
    expect(page2).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xmlns:fh="http://purl.org/syndication/history/1.0" xml:lang="en">');
    expect(parseFeed(page2).items).toHaveLength(ARCHIVE_PAGE);
    expect(parseFeed(page2).self).toBe('http://localhost:8080/feeds/archive/press-releases-2.atom');

    // A third ingest with nothing new leaves the archives alone; a deleted page is written again.
    const mtime = () => readdirSync(join(dir, 'archive')).map((f) => readFileSync(join(dir, 'archive', f), 'utf8'));
    const snapshot = mtime();
    const again = await ingestPaths(ctx, [writeDump(ctx.dir, 'same.txt', series[249]![1])]);
    expect(again.feeds.written).toEqual([]);
    expect(mtime()).toEqual(snapshot);
    rmSync(join(dir, 'archive', 'press-releases-1.atom'));
    await ingestPaths(ctx, [join(ctx.dir, 'same.txt')]);
    expect(read(join(dir, 'archive', 'press-releases-1.atom'))).toBe(snapshot[0]);
    expect(snapshot[0]).toContain('<?xml-stylesheet href="../feed.xsl" type="text/xsl"?>');
  });

  it('writes every current feed before the first archive page when the feeds folder is new, and the same pages as before', async () => {
    const ctx = testContext({ feeds: { length: 20 } });
    const series = redumpSeries(120);
    const dumps = series.map(([n, t], i) => writeDump(ctx.dir, n, t, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));
    await ingestPaths(ctx, dumps);
    const dir = ctx.config.feeds.dir;
    const files = (d: string) =>
      Object.fromEntries(
        readdirSync(d, { withFileTypes: true }).flatMap((f) => (f.isFile() ? [[f.name, readFileSync(join(d, f.name), 'utf8')]] : [])),
      );
    const pages = files(join(dir, 'archive'));
    const feeds = files(dir);
    expect(Object.keys(pages)).toHaveLength(7);

    // The folder is lost: the next run writes it all again, the subscription feeds, "all" and the
    // lists first, then the seven archive pages, each exactly as before.
    rmSync(dir, { recursive: true });
    const again = await ingestPaths(ctx, [dumps.at(-1)!]);
    const order = again.feeds.written.map((p) => p.slice(dir.length + 1));
    const firstPage = order.findIndex((f) => f.startsWith('archive/'));
    expect(order.slice(firstPage)).toEqual(
      Object.keys(pages)
        .map((f) => `archive/${f}`)
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
    );
    expect(order.slice(0, firstPage).sort()).toEqual(Object.keys(feeds).sort());
    expect(files(join(dir, 'archive'))).toEqual(pages);
  });

  it('lists the archive folder only when it changed since the last complete write', async () => {
    const ctx = testContext({ feeds: { length: 20 } });
    const dumps = redumpSeries(60).map(([n, t], i) => writeDump(ctx.dir, n, t, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));
    await ingestPaths(ctx, dumps.slice(0, 50));
    const archive = join(ctx.config.feeds.dir, 'archive');
    const page = join(archive, 'press-releases-1.atom');
    const content = read(page);
    // A page removed behind the folder's back (its modification time put back as the last write left
    // it): the store says every page is there, and the run does not look.
    const when = new Date('2026-01-01T00:00:00Z');
    utimesSync(archive, when, when);
    await ingestPaths(ctx, [dumps[49]!]); // already stored: nothing to write, and the folder's time is recorded
    rmSync(page);
    utimesSync(archive, when, when);
    await ingestPaths(ctx, dumps.slice(50, 55));
    expect(existsSync(page)).toBe(false);
    // The same removal seen by the folder (any file added, removed or renamed in it): listed, written again.
    writeFileSync(join(archive, 'stray'), '');
    rmSync(join(archive, 'stray'));
    await ingestPaths(ctx, dumps.slice(55));
    expect(read(page)).toBe(content);
  });

  it("removes a killed writer's temporary page once it is old, listing the folder until then", async () => {
    const ctx = testContext({ feeds: { length: 20 } });
    const dumps = redumpSeries(55).map(([n, t], i) => writeDump(ctx.dir, n, t, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));
    await ingestPaths(ctx, dumps.slice(0, 50));
    const temp = join(ctx.config.feeds.dir, 'archive', '.press-releases-9.atom.0badc0de.tmp');
    // Just written (the writer may be at work in another process): kept, and the folder not marked as seen.
    writeFileSync(temp, '<feed');
    await ingestPaths(ctx, dumps.slice(50));
    expect(existsSync(temp)).toBe(true);
    // An hour old, with nothing else moved in the folder: this run looks again and removes it.
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(temp, hourAgo, hourAgo);
    await ingestPaths(ctx, [dumps[54]!]); // already stored: nothing to write
    expect(existsSync(temp)).toBe(false);
  });
});

describe('WebSub', () => {
  it('links feeds to the hub and announces each changed feed to it', async () => {
    const { createServer } = await import('node:http');
    const pings: string[] = [];
    const hub = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        pings.push(`${form.get('hub.mode')} ${form.get('hub.url')}`);
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((r) => hub.listen(0, '127.0.0.1', r));
    const port = (hub.address() as { port: number }).port;
    try {
      const ctx = testContext({ feeds: { hub: `http://127.0.0.1:${port}/` } });
      const report = await ingestPaths(ctx, [writeDump(ctx.dir, 'a.txt', redumpSeries(1)[0]![1])]);
      expect(report.warnings).toEqual([]);
      expect(pings.sort()).toEqual(
        ['all.atom', 'all.json', 'all.rss', 'press-releases.atom', 'press-releases.json', 'press-releases.rss'].map(
          (f) => `publish http://localhost:8080/feeds/${f}`,
        ),
      );
      expect(read(join(ctx.config.feeds.dir, 'press-releases.atom'))).toContain(`<link rel="hub" href="http://127.0.0.1:${port}/"/>`);
      expect(read(join(ctx.config.feeds.dir, 'press-releases.rss'))).toContain(`<atom:link rel="hub" href="http://127.0.0.1:${port}/"/>`);
      // Nothing changed: nothing announced.
      pings.length = 0;
      await ingestPaths(ctx, [join(ctx.dir, 'a.txt')]);
      expect(pings).toEqual([]);
    } finally {
      hub.close();
    }
  });
});
