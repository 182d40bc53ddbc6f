import { spawn } from 'node:child_process';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseFeed } from '@rowanmanning/feed-parser';
import { ingestPaths } from '../../src/pipeline.js';
import { createHttpServer } from '../../src/sinks/http/server.js';
import { BIN } from '../cli/run-cli.js';
import { FIXTURES, seedFiles, testContext, writeDump } from '../helpers.js';
import { listen } from '../../src/sinks/http/listen.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request over a real socket. */
function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw request line, exactly as written (no client-side path normalisation). */
function raw(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // A whole request (with a blank line) is sent as it is; a request line gets the usual headers.
    const text = line.includes('\r\n\r\n') ? line : `${line}\r\nHost: localhost\r\nConnection: close\r\n\r\n`;
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.setEncoding('utf8').on('data', (c: string) => (data += c));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function served(extra: Record<string, unknown> = {}, accessLog?: (line: string) => void, refreshMs = 0) {
  const ctx = testContext({ ...extra, feeds: { baseUrl: 'https://feeds.example.org/ilo/', ...(extra.feeds ?? {}) } });
  const files = seedFiles().map((f, i) => writeDump(ctx.dir, `s${i}.txt`, readFileSync(f)));
  files.push(writeDump(ctx.dir, 'markup.txt', readFileSync(join(FIXTURES, 'parse', 'markup-and-repeats.txt'))));
  await ingestPaths(ctx, files);
  const server = createHttpServer({
    store: ctx.store,
    config: () => ctx.config,
    health: () => ({ ok: true, queue: 0 }),
    accessLog,
    refreshMs,
  });
  const port = await listen(server, '127.0.0.1', 0);
  closers.push(() => {
    server.close();
    server.closeAllConnections();
  });
  return { ctx, port, base: `http://127.0.0.1:${port}` };
}

describe('serving feeds', () => {
  it('serves each format with its content type, and links built from the public base URL', async () => {
    const { base } = await served();
    const types = {
      '/feeds/press-releases.atom': 'application/atom+xml; charset=utf-8',
      '/feeds/press-releases.rss': 'application/rss+xml; charset=utf-8',
      '/feeds/press-releases.json': 'application/feed+json; charset=utf-8',
      '/feeds/all.atom': 'application/atom+xml; charset=utf-8',
      '/feeds/topics.opml': 'text/x-opml; charset=utf-8',
    };
    for (const [path, type] of Object.entries(types)) {
      const r = await get(base, path, { Accept: 'application/atom+xml, application/rss+xml, */*' });
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type']).toBe(type);
      expect(r.headers['cache-control']).toBe('public, max-age=300');
    }
    const feed = parseFeed((await get(base, '/feeds/press-releases.atom')).body.toString());
    expect(feed.self).toBe('https://feeds.example.org/ilo/feeds/press-releases.atom');
    expect(feed.items[0]!.url).toMatch(/^https:\/\/feeds\.example\.org\/ilo\/items\/[0-9a-f]{12}$/);
  });

  it('gives each encoding of a feed its own strong ETag; any of them means the content is unchanged', async () => {
    const { base } = await served();
    const path = '/feeds/press-releases.atom';
    const plain = (await get(base, path)).headers.etag as string;
    const br = (await get(base, path, { 'Accept-Encoding': 'br' })).headers.etag as string;
    const gzip = (await get(base, path, { 'Accept-Encoding': 'gzip' })).headers.etag as string;
    expect(br).toBe(`${plain.slice(0, -1)}-br"`);
    expect(gzip).toBe(`${plain.slice(0, -1)}-gzip"`);
    expect(new Set([plain, br, gzip]).size).toBe(3);
    expect((await get(base, path, { 'If-None-Match': br })).status).toBe(304);
    expect((await get(base, path, { 'Accept-Encoding': 'gzip', 'If-None-Match': plain })).status).toBe(304);
    expect((await get(base, path, { 'If-None-Match': '"other-br"' })).status).toBe(200);
  });

  it('answers conditional requests with 304, and a changed feed with a new ETag', async () => {
    const { base, ctx } = await served();
    const first = await get(base, '/feeds/press-releases.atom');
    const etag = first.headers.etag as string;
    const modified = first.headers['last-modified'] as string;
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    expect(new Date(modified).toUTCString()).toBe(modified);
    expect((await get(base, '/feeds/press-releases.atom', { 'If-None-Match': etag })).status).toBe(304);
    expect((await get(base, '/feeds/press-releases.atom', { 'If-None-Match': `W/${etag}, "other"` })).status).toBe(304);
    expect((await get(base, '/feeds/press-releases.atom', { 'If-Modified-Since': modified })).status).toBe(304);
    const r304 = await get(base, '/feeds/press-releases.atom', { 'If-None-Match': etag });
    expect(r304.body.length).toBe(0);
    expect((await get(base, '/feeds/press-releases.atom', { 'If-Modified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' })).status).toBe(200);

    const page = readFileSync(seedFiles()[0]!, 'utf8').replace('  1. ', '  1. Fresh news\n\n    30 November 2021\n\n  2. ');
    await ingestPaths(ctx, [writeDump(ctx.dir, 'newer.txt', page, '2026-03-01T00:00:00Z')]);
    // A later mtime, as a real rewrite some seconds later has.
    const file = join(ctx.config.feeds.dir, 'press-releases.atom');
    utimesSync(file, new Date(Date.now() + 5000), new Date(Date.now() + 5000));
    const second = await get(base, '/feeds/press-releases.atom', { 'If-None-Match': etag });
    expect(second.status).toBe(200);
    expect(second.headers.etag).not.toBe(etag);
    expect(second.body.toString()).toContain('Fresh news');
  });

  it('compresses with brotli or gzip when asked, and not otherwise', async () => {
    const { base } = await served();
    const plain = await get(base, '/feeds/all.rss', { 'Accept-Encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const gz = await get(base, '/feeds/all.rss', { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    const br = await get(base, '/feeds/all.rss', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.body.length / 3);
    expect(br.headers.vary).toBe('Accept, Accept-Encoding');
    expect((await get(base, '/feeds/all.rss', { 'Accept-Encoding': 'br;q=0, gzip;q=0.5' })).headers['content-encoding']).toBe('gzip');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const { base } = await served();
    const getR = await get(base, '/feeds/press-releases.json');
    const head = await get(base, '/feeds/press-releases.json', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(getR.headers['content-length']);
    expect(head.headers.etag).toBe(getR.headers.etag);
  });

  // Browsers are dropping XSLT: a person who opens a feed's address gets the topic's page; every reader
  // gets the feed. The Accept headers are the ones these clients send.
  it.each([
    [
      'Chromium',
      'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
      'html',
    ],
    ['Firefox', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'html'],
    ['Safari', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'html'],
    ['newsboat 2.21', '*/*', 'feed'],
    [
      'Universal Feed Parser 6',
      'application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1',
      'feed',
    ],
    [
      'Miniflux',
      'application/xml, application/atom+xml, application/rss+xml, application/rdf+xml, application/feed+json, text/html, */*;q=0.9',
      'feed',
    ],
    [
      'NetNewsWire',
      'application/rss+xml, application/atom+xml, application/feed+json, application/json, text/xml, application/xml;q=0.9, text/html;q=0.8',
      'feed',
    ],
    ["Feedly's fetcher", '*/*', 'feed'],
    ['curl', '*/*', 'feed'],
    ['no Accept header', '', 'feed'],
  ])('%s gets the %s', async (_, accept, expected) => {
    const { base } = await served();
    for (const [path, type] of [
      ['/feeds/press-releases.atom', 'application/atom+xml; charset=utf-8'],
      ['/feeds/press-releases.rss', 'application/rss+xml; charset=utf-8'],
      ['/feeds/all.json', 'application/feed+json; charset=utf-8'],
    ] as const) {
      const r = await get(base, path, accept ? { Accept: accept } : {});
      expect(r.status).toBe(200);
      expect(r.headers.vary).toBe('Accept, Accept-Encoding');
      if (expected === 'html') {
        expect(r.headers['content-type'], path).toBe('text/html; charset=utf-8');
        expect(r.body.toString()).toMatch(/<h1>(Press releases|dumpfeed)<\/h1>/);
      } else {
        expect(r.headers['content-type'], path).toBe(type);
      }
    }
  });
});

describe('serving pages', () => {
  it('lists every topic with counts, latest titles, subscribe links and autodiscovery tags', async () => {
    const { base } = await served();
    const r = await get(base, '/');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = r.body.toString();
    expect(html).toContain(
      '<link rel="alternate" type="application/atom+xml" title="dumpfeed (Atom)" href="https://feeds.example.org/ilo/feeds/all.atom">',
    );
    expect(html).toContain('<a href="https://feeds.example.org/ilo/topics/press-releases">Press releases</a>');
    expect(html).toMatch(/20 items · last updated \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(html).toContain('ILO supports the Government of Bangladesh for skills development in the caregiving occupation');
    expect(html).toContain('<a href="https://feeds.example.org/ilo/feeds/impact-and-people.rss">RSS</a>');
  });

  it('shows a topic and an item, escaping every text from the dumps', async () => {
    const { base, ctx } = await served();
    const topic = await get(base, '/topics/press-media-releases');
    expect(topic.status).toBe(200);
    const html = topic.body.toString();
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('R&amp;D: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; ]]&gt; end');
    expect(html).toContain('<h1>Press &amp; media &lt;releases&gt;</h1>');
    const [item] = ctx.store.items
      .newest(ctx.store.topics.list().find((t) => t.slug === 'news-and-articles')!.id, 100)
      .filter((i) => i.location);
    const page = (await get(base, `/items/${item!.key}`)).body.toString();
    expect(page).toContain(`<h1>${item!.title}</h1>`);
    expect(page).toContain('24 November 2004 · NEW DELHI · Press release');
    expect((await get(base, '/items/000000000000')).status).toBe(404);
    expect((await get(base, '/topics/no-such-page')).status).toBe(404);
  });

  it('pages through all of a topic’s items, newest first, and shows its description', async () => {
    const { base, ctx } = await served({
      feeds: { length: 6 },
      topics: { 'Press releases': { description: 'Releases of the office in Dhaka' } },
    });
    const all = ctx.store.items.newest(ctx.store.topics.list().find((t) => t.slug === 'press-releases')!.id, 100);
    expect(all).toHaveLength(20);
    const titles = (html: string) => [...html.matchAll(/<h2><a href="[^"]+">([^<]+)<\/a><\/h2>/g)].map((m) => m[1]);
    const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    const first = (await get(base, '/topics/press-releases')).body.toString();
    expect(first).toContain('<p>Releases of the office in Dhaka</p>');
    expect(titles(first)).toEqual(all.slice(0, 6).map((i) => escape(i.title)));
    expect(first).toContain('Page 1 of 4 (20 items)');
    expect(first).toContain('<a rel="next" href="https://feeds.example.org/ilo/topics/press-releases?page=2">Older items</a>');
    expect(first).not.toContain('rel="prev"');
    const last = (await get(base, '/topics/press-releases?page=4')).body.toString();
    expect(titles(last)).toEqual(all.slice(18).map((i) => escape(i.title)));
    expect(last).toContain('<a rel="prev" href="https://feeds.example.org/ilo/topics/press-releases?page=3">Newer items</a>');
    expect(last).not.toContain('rel="next"');
    for (const bad of ['?page=5', '?page=0', '?page=-1', '?page=abc', '?page=99999999999']) {
      expect((await get(base, `/topics/press-releases${bad}`)).status, bad).toBe(404);
    }
  });

  it('lists the custom topics on the index, and their pages say which page each item came from', async () => {
    const { base } = await served({
      customTopics: [{ name: 'Bangladesh', slug: 'bangladesh', description: 'Everything about Bangladesh', include: ['Bangladesh'] }],
    });
    const index = (await get(base, '/')).body.toString();
    expect(index).toContain('and <a href="#custom">1 custom topic</a>');
    expect(index).toMatch(
      /<h3 id="c-bangladesh"><a href="https:\/\/feeds\.example\.org\/ilo\/topics\/bangladesh">Bangladesh<\/a><\/h3>\n<p>Everything about Bangladesh<\/p>\n<p class="meta">\d+ items<\/p>/,
    );
    expect(index).toContain('<a href="https://feeds.example.org/ilo/feeds/bangladesh.atom">Atom</a>');
    const page = (await get(base, '/topics/bangladesh')).body.toString();
    expect(page).toContain('<p>Everything about Bangladesh</p>');
    expect(page).toContain('<p class="meta">From <a href="https://feeds.example.org/ilo/topics/press-releases">Press releases</a></p>');
  });

  it('writes an access log line per request when asked: combined or JSON, the request’s own text escaped', async () => {
    const lines: string[] = [];
    const { base, port } = await served({ serve: { accessLog: 'combined' } }, (line) => lines.push(line));
    await get(base, '/feeds/press-releases.atom', { 'User-Agent': 'Reader "1.0"', Referer: 'https://example.org/' });
    await raw(port, 'GET /topics/x"y HTTP/1.1\r\nHost: a\r\nUser-Agent: tab\there\r\nConnection: close\r\n\r\n');
    await get(base, '/unsubscribe/c2VjcmV0.abc.0123456789012345678901');
    expect(lines[0]).toMatch(
      /^127\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/feeds\/press-releases\.atom HTTP\/1\.1" 200 \d+ "https:\/\/example\.org\/" "Reader \\x221\.0\\x22"$/,
    );
    expect(lines[1]).toMatch(/"GET \/topics\/x\\x22y HTTP\/1\.1" 404 \d+ "-" "tab\\x09here"$/);
    // An unsubscribe link's token would let the log's reader unsubscribe someone: it is left out.
    expect(lines[2]).toContain('"GET /unsubscribe/… HTTP/1.1" 404');
    expect(lines.join('\n')).not.toContain('c2VjcmV0');

    const json: string[] = [];
    const other = await served({ serve: { accessLog: 'json' } }, (line) => json.push(line));
    await get(other.base, '/topics/press-releases?page=1', { 'User-Agent': 'Reader "1.0"' });
    expect(JSON.parse(json[0]!)).toMatchObject({
      remote: '127.0.0.1',
      method: 'GET',
      url: '/topics/press-releases?page=1',
      status: 200,
      bytes: expect.any(Number),
      ms: expect.any(Number),
      referer: null,
      agent: 'Reader "1.0"',
    });
  });

  it('reports health as JSON that is never cached', async () => {
    const { base } = await served();
    const r = await get(base, '/healthz');
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(r.body.toString())).toEqual({ ok: true, queue: 0 });
  });
});

describe('pages rendered once per change', () => {
  it('serves the same page until a dump changes it, here or in another process', async () => {
    const { ctx, base } = await served();
    const first = await get(base, '/', { 'Accept-Encoding': 'br' });
    const again = await get(base, '/', { 'Accept-Encoding': 'br' });
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.body.equals(first.body)).toBe(true);
    const page = (r: Reply) => brotliDecompressSync(r.body).toString();
    expect(page(first)).not.toContain('A page added later');

    // A dump stored through the server's own store (watch --serve).
    const one = writeDump(
      ctx.dir,
      'later.txt',
      'A page added later\n\n\n  1. First title of the later page\n\n    12 March 2026\n\n    Its summary.\n',
    );
    await ingestPaths(ctx, [one]);
    const afterHere = await get(base, '/', { 'Accept-Encoding': 'br' });
    expect(afterHere.headers.etag).not.toBe(first.headers.etag);
    expect(page(afterHere)).toContain('A page added later');

    // A dump stored by another process (dumpfeed serve beside a cron ingest): another connection.
    const { Store } = await import('../../src/store/store.js');
    const other = Store.open(ctx.config.store.path);
    try {
      const two = writeDump(
        ctx.dir,
        'other.txt',
        'Another process page\n\n\n  1. Its only title here\n\n    13 March 2026\n\n    A summary.\n',
      );
      await ingestPaths({ ...ctx, store: other }, [two]);
    } finally {
      other.close();
    }
    const afterOther = await get(base, '/topics/another-process-page');
    expect(afterOther.status).toBe(200);
    expect(afterOther.body.toString()).toContain('Its only title here');
    expect((await get(base, '/')).body.toString()).toContain('Another process page');
  });

  it('while dumps keep coming, renders a page again at most once a refreshMs; a new config at once', async () => {
    const { ctx, base } = await served({}, undefined, 60_000);
    const first = (await get(base, '/')).body.toString();
    const one = writeDump(ctx.dir, 'later.txt', 'A page added later\n\n\n  1. First title\n\n    12 March 2026\n\n    Its summary.\n');
    await ingestPaths(ctx, [one]);
    expect((await get(base, '/')).body.toString()).toBe(first);
    ctx.config = { ...ctx.config, feeds: { ...ctx.config.feeds, title: 'Renamed site' } };
    const renamed = (await get(base, '/')).body.toString();
    expect(renamed).toContain('<h1>Renamed site</h1>');
    expect(renamed).toContain('A page added later');
  });

  it('still answers each bad filter with its reason, and each filter with its own feed', async () => {
    const { base } = await served();
    for (let i = 0; i < 2; i++) expect((await get(base, '/feeds/all.atom?filter=(')).status).toBe(400);
    const a = await get(base, '/feeds/all.atom?filter=labour');
    const b = await get(base, '/feeds/all.atom?filter=child');
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.headers.etag).not.toBe(b.headers.etag);
    expect((await get(base, '/feeds/all.atom?filter=labour')).headers.etag).toBe(a.headers.etag);
  });
});

describe('what is not served', () => {
  it.each([
    'GET /feeds/../state.db HTTP/1.1',
    'GET /feeds/%2e%2e/state.db HTTP/1.1',
    'GET /feeds/..%2fstate.db HTTP/1.1',
    'GET /feeds/%2E%2E%2Fstate.db HTTP/1.1',
    'GET /feeds/ HTTP/1.1',
    'GET /feeds HTTP/1.1',
    'GET //etc/passwd HTTP/1.1',
    'GET /feeds/.press-releases.atom.tmp HTTP/1.1',
    'GET /feeds/press-releases.atom/ HTTP/1.1',
    'GET /feeds/PRESS-RELEASES.ATOM HTTP/1.1',
    'GET /items/../../state.db HTTP/1.1',
    'GET /topics/..%5c..%5cstate.db HTTP/1.1',
  ])('%s -> 404', async (line) => {
    const { port } = await served();
    const reply = await raw(port, line);
    expect(reply).toMatch(/^HTTP\/1\.1 (404 Not Found|400 Bad Request)/);
    expect(reply).not.toContain('SQLite format');
  });

  it('refuses other methods and request bodies', async () => {
    const { base, port } = await served();
    const post = await get(base, '/feeds/all.atom', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const reply = await raw(port, 'GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
  });
});

/** `watch --serve` on a free port in a new folder; resolves once it says where it serves (its `serving` log line). */
async function watchServing(): Promise<{ dir: string; child: ReturnType<typeof spawn>; url: string }> {
  const { tempDir } = await import('../helpers.js');
  const dir = tempDir();
  writeFileSync(
    join(dir, 'c.json'),
    JSON.stringify({ store: { path: 'state.db' }, feeds: { dir: 'feeds' }, source: { inbox: 'inbox' }, watch: { stabilityMs: 100 } }),
  );
  const child = spawn(process.execPath, [BIN, 'watch', '--serve', '--port', '0', '--config', 'c.json'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  closers.push(() => child.kill('SIGKILL'));
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (log += c));
  await expect.poll(() => /"msg":"serving"/.test(log), { timeout: 10_000 }).toBe(true);
  return { dir, child, url: /"url":"(http:\/\/127\.0\.0\.1:\d+)\/"/.exec(log)![1]! };
}

describe('dumpfeed serve and watch --serve', () => {
  let seeds: string[];
  beforeAll(() => {
    seeds = seedFiles();
  });

  it('watch --serve processes a dropped dump and serves its feed from the same process', async () => {
    const { dir, child, url } = await watchServing();
    writeFileSync(join(dir, 'inbox', 'a.txt'), readFileSync(seeds[4]!));
    await expect.poll(async () => (await get(url, '/feeds/impact-and-people.atom')).status, { timeout: 10_000 }).toBe(200);
    const health = JSON.parse((await get(url, '/healthz')).body.toString());
    expect(health).toEqual({ ok: true, daemon: true, queue: 0, retrying: 0, lastDumpAt: expect.any(String), lastErrorAt: null });
    child.kill('SIGTERM');
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
  });

  it('watch --serve answers from a process of its own, which ends with the daemon even after a kill -9', async () => {
    const { child, url } = await watchServing();
    expect((await get(url, '/healthz')).status).toBe(200);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    // Nothing is left listening: the next start can have the port.
    await expect
      .poll(
        () =>
          get(url, '/healthz').then(
            () => 'answered',
            (e: NodeJS.ErrnoException) => e.code,
          ),
        { timeout: 10_000 },
      )
      .toBe('ECONNREFUSED');
  });
});
