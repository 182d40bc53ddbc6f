import { createHash } from 'node:crypto';
import { compileRegex, matchText, PatternError, type TextTest } from '../../text-matcher.js';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Config } from '../../config/schema.js';
import type { StoredTopic } from '../../model.js';
import { Store } from '../../store/store.js';
import { allFeedView, customFeedView, topicFeedView } from '../feeds/feed-view.js';
import { topicIdentity, topicSettings } from '../../catalog/topics.js';
import { renderFeed } from '../feeds/render-feeds.js';
import { PageCache } from './page-cache.js';
import { errorPage, indexPage, itemPage, topicPage, unsubscribePage, type Paging } from './pages.js';
import { checkUnsubscribe, unsubscribeKeyFor } from '../mail/unsubscribe.js';

// What /healthz may show anyone: healthy or not, and counts. Error texts (they can name subscribers'
// addresses) and paths on the server stay with `dumpfeed status`, run by the operator.
const PUBLIC_HEALTH = ['ok', 'daemon', 'queue', 'retrying', 'lastDumpAt', 'lastErrorAt'] as const;

/** The public part of a health report. */
export function publicHealth(health: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(PUBLIC_HEALTH.filter((k) => k in health).map((k) => [k, health[k]]));
}

/** What the server reads: the store, the current config (it may be reloaded), and health figures. */
export interface ServeSource {
  store: Store;
  config: () => Config;
  /** Health figures (asked of the daemon's thread when the server runs on its own). */
  health: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /**
   * Records that an address unsubscribed (in a store this process may write). Without it, unsubscribe
   * links are a 404: this server does not handle them.
   */
  unsubscribe?: (address: string, via: 'one-click' | 'page') => void;
  /** The time, for the age of unsubscribe links (tests move it). */
  now?: () => Date;
  /** How long a rendered page may lag the store (default 1000 ms; tests use 0). */
  refreshMs?: number;
  /** Receives one line per request (`serve.accessLog`). */
  accessLog?: (line: string) => void;
}

const FEED_TYPES: Record<string, string> = {
  atom: 'application/atom+xml; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  opml: 'text/x-opml; charset=utf-8',
  xsl: 'application/xslt+xml; charset=utf-8',
};
// The only feed-folder names served: a slug and a known ending. Nothing else of the disk is reachable.
const FEED_NAME = /^\/feeds\/([a-z0-9]+(?:-[a-z0-9]+)*)\.(atom|rss|json)$/;

interface Body {
  /** A page with a form that posts back to this server (CSP form-action 'self'). */
  form?: boolean;
  body: Buffer;
  etag: string;
  lastModified: Date | null;
  type: string;
  cache: string;
  encoded: Map<string, Buffer>;
}

/**
 * The built-in HTTP server: feeds with caching headers and compression, and server-rendered pages.
 * GET and HEAD only; anything not listed is a 404, so no path reaches the disk except a feed name.
 */
export function createHttpServer(source: ServeSource): Server {
  // Feed files (and their compressed copies) by name, modification time and size: a rewritten file is a
  // new entry, the old one ages out. Bounded: a crawler reading every archive page cannot fill memory.
  const files = new PageCache<Body>(500, 16 * 1024 * 1024);
  // Pages and filtered feeds, rendered (and compressed) once per change of the data they show.
  const pages = new PageCache<Body>(500, 8 * 1024 * 1024);
  /** What rendered responses depend on: the store's content and the config in force (a reload changes it). */
  const changeMark = (config: Config): unknown => {
    const mark = source.store.changeMark();
    const now = Date.now();
    // A page is rendered again at most once a `refreshMs` while dumps keep coming (4 a second in the
    // soak): readers see the store at most that late, and pages say `max-age=60` anyway.
    if (config !== lastConfig || (mark !== lastStoreMark && now - markedAt >= (source.refreshMs ?? 1000))) {
      lastConfig = config;
      lastStoreMark = mark;
      markedAt = now;
      markObject = {};
    }
    return markObject;
  };
  let markedAt = 0;
  let lastConfig: Config | null = null;
  let lastStoreMark = '';
  let markObject: object = {};
  // The unsubscribe key of each config in force (read, or created, once).
  const keys = new WeakMap<Config, Buffer | null>();

  const server = createServer(async (req, res) => {
    const format = source.config().serve.accessLog;
    if (source.accessLog && format !== 'off') {
      const started = process.hrtime.bigint();
      const log = source.accessLog;
      res.once('finish', () => log(accessLine(format, req, res, started)));
    }
    try {
      await route(req, res);
    } catch (error) {
      if (!res.headersSent) send(req, res, 500, html(errorPage(source.config(), 500, 'Internal error'), 'no-store'));
      else res.destroy(error as Error);
    }
  });
  // Slow or stuck clients are cut off; requests carry no body worth waiting for.
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;

  function indexHtml(config: Config): Body {
    return pages.get(changeMark(config), 'index', () => {
      const topics = source.store.topics
        .stats()
        .filter((stats) => !topicSettings(config, stats).hidden)
        .map((stats) => ({ stats, latest: source.store.items.newest(stats.id, 3) }));
      const custom = config.customTopics.map((t) => ({
        name: t.name,
        slug: t.slug,
        description: t.description,
        count: source.store.customTopics.count(t.slug),
      }));
      return html(indexPage(config, topics, custom), 'public, max-age=60');
    })!;
  }

  /**
   * The HTML page of a page topic or a custom topic (`page` of its items, `feeds.length` a page), or
   * null when there is no such topic or page.
   */
  function topicHtml(config: Config, slug: string, page = 1): Body | null {
    return pages.get(changeMark(config), `topic ${slug} ${page}`, () => renderTopicHtml(config, slug, page));
  }

  function renderTopicHtml(config: Config, slug: string, page: number): Body | null {
    const size = config.feeds.length;
    const paging = (total: number): Paging | null => {
      const count = Math.max(1, Math.ceil(total / size));
      if (page > count) return null;
      const url = (n: number) => `${config.feeds.baseUrl}topics/${slug}${n > 1 ? `?page=${n}` : ''}`;
      return { page, pages: count, total, url };
    };
    const topic = findTopic(source.store, config, slug);
    if (topic) {
      const settings = topicSettings(config, topic);
      const shown = { ...topicIdentity(config, topic), sourceUrl: settings.sourceUrl, description: settings.description };
      const where = paging(source.store.topics.stats().find((t) => t.id === topic.id)?.itemCount ?? 0);
      if (!where) return null;
      return html(topicPage(config, shown, source.store.items.newest(topic.id, size, (page - 1) * size), where), 'public, max-age=60');
    }
    const custom = config.customTopics.find((t) => t.slug === slug);
    if (!custom) return null;
    const where = paging(source.store.customTopics.count(custom.slug));
    if (!where) return null;
    const shown = { title: custom.name, description: custom.description, feedUrlBase: `${config.feeds.baseUrl}feeds/${custom.slug}` };
    // Each item names the page it came from.
    const origins = new Map(
      source.store.topics.list().map((t) => {
        const id = topicIdentity(config, t);
        return [t.id, topicSettings(config, t).hidden ? undefined : { title: id.title, url: `${config.feeds.baseUrl}topics/${id.slug}` }];
      }),
    );
    const items = source.store.customTopics.items(custom.slug, size, (page - 1) * size);
    return html(
      topicPage(config, shown, items, where, (i) => origins.get(i.topicId)),
      'public, max-age=60',
    );
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const config = source.config();
    const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
    const unsubscribeToken = /^\/unsubscribe\/([A-Za-z0-9_.-]{1,500})$/.exec(path)?.[1];
    if (unsubscribeToken !== undefined) return unsubscribe(req, res, config, unsubscribeToken);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(req, res, 405, html(errorPage(config, 405, 'Method not allowed'), 'no-store'));
    }
    // Requests are read-only: a declared body is refused unread.
    if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding']) {
      return send(req, res, 413, html(errorPage(config, 413, 'No request body accepted'), 'no-store'));
    }
    if (path === '/healthz') return send(req, res, 200, json(publicHealth(await source.health())));
    if (path === '/') return send(req, res, 200, indexHtml(config));
    let m = /^\/topics\/([a-z0-9]+(?:-[a-z0-9]+)*)$/.exec(path);
    if (m) {
      // `?page=N` (from 2); anything else in the query is ignored, a page number that is not one is a 404.
      const asked = new URLSearchParams(query).get('page');
      const number = asked === null ? 1 : /^[1-9]\d{0,6}$/.test(asked) ? Number(asked) : 0;
      const page = number > 0 ? topicHtml(config, m[1]!, number) : null;
      if (page) return send(req, res, 200, page);
    }
    m = /^\/items\/([0-9a-f]{12}(?:-\d+)?)$/.exec(path);
    if (m) {
      const key = m[1]!;
      const page = pages.get(changeMark(config), `item ${key}`, () => {
        const item = source.store.items.byKey(key);
        const topic = item && source.store.topics.list().find((t) => t.id === item.topicId);
        return item && topic ? html(itemPage(config, topic, item, item.version), 'public, max-age=300') : null;
      });
      if (page) return send(req, res, 200, page);
    }
    m = FEED_NAME.exec(path);
    // A person who opens a feed's address in a browser gets its page: browsers are dropping XSLT, and
    // a raw feed is no page. Readers, which prefer a feed type to HTML, get the feed.
    if (m && prefersHtml(req.headers.accept)) {
      const page = m[1] === 'all' ? indexHtml(config) : topicHtml(config, m[1]!);
      if (page) {
        res.setHeader('Vary', 'Accept, Accept-Encoding');
        return send(req, res, 200, page);
      }
    }
    if (m && query) {
      let problem: string | null = null;
      const filtered = pages.get(changeMark(config), `feed ${path}?${query}`, () => {
        const made = filteredFeed(source.store, config, m![1]!, m![2] as 'atom' | 'rss' | 'json', new URLSearchParams(query));
        if (typeof made === 'string') problem = made;
        return typeof made === 'string' ? null : made;
      });
      if (problem !== null) return send(req, res, 400, html(errorPage(config, 400, problem), 'no-store'));
      if (filtered) {
        res.setHeader('Vary', 'Accept, Accept-Encoding');
        return send(req, res, 200, filtered);
      }
    }
    const archive = /^\/feeds\/archive\/([a-z0-9]+(?:-[a-z0-9]+)*-\d+\.atom)$/.exec(path);
    const name = archive
      ? `archive/${archive[1]}`
      : m
        ? `${m[1]}.${m[2]}`
        : path === '/feeds/topics.opml' || path === '/feeds/custom-topics.opml'
          ? path.slice('/feeds/'.length)
          : path === '/feeds/feed.xsl'
            ? 'feed.xsl'
            : null;
    if (name) {
      const file = await feedFile(config, name);
      if (file) {
        res.setHeader('Vary', 'Accept, Accept-Encoding');
        return send(req, res, 200, file);
      }
    }
    send(req, res, 404, html(errorPage(config, 404, 'Not found'), 'no-store'));
  }

  /**
   * `/unsubscribe/<token>`, the link in each digest (RFC 8058). A GET only shows a page that asks
   * (link checkers and mail scanners open links); a POST, from that page's button or from the mail
   * provider's one-click (`List-Unsubscribe=One-Click`), unsubscribes. A link that was not made with
   * this server's key is refused, as is one older than a year.
   */
  async function unsubscribe(req: IncomingMessage, res: ServerResponse, config: Config, token: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') {
      res.setHeader('Allow', 'GET, HEAD, POST');
      return send(req, res, 405, html(errorPage(config, 405, 'Method not allowed'), 'no-store'));
    }
    let body: Buffer | null = null;
    if (req.method === 'POST') {
      // A one-click body is `List-Unsubscribe=One-Click` (27 bytes); nothing bigger is read.
      body = await smallBody(req, 4096);
      if (body === null) {
        res.setHeader('Connection', 'close');
        return send(req, res, 413, html(errorPage(config, 413, 'Request body too large'), 'no-store'));
      }
    } else if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding']) {
      return send(req, res, 413, html(errorPage(config, 413, 'No request body accepted'), 'no-store'));
    }
    if (!keys.has(config)) keys.set(config, unsubscribeKeyFor(config));
    const key = keys.get(config)!;
    if (!key || !source.unsubscribe) return send(req, res, 404, html(errorPage(config, 404, 'Not found'), 'no-store'));
    const check = checkUnsubscribe(key, token, (source.now ?? (() => new Date()))());
    if (!check.ok) {
      const status = check.why === 'expired' ? 410 : 400;
      return send(req, res, status, html(unsubscribePage(config, null, check.why), 'no-store'));
    }
    if (req.method !== 'POST')
      return send(req, res, 200, { ...html(unsubscribePage(config, check.address, 'ask'), 'no-store'), form: true });
    // The page's button says so; anything else is a mail provider's one-click.
    source.unsubscribe(check.address, body?.toString('latin1').includes('from=page') ? 'page' : 'one-click');
    send(req, res, 200, html(unsubscribePage(config, check.address, 'done'), 'no-store'));
  }

  async function feedFile(config: Config, name: string): Promise<Body | null> {
    const path = join(config.feeds.dir, name);
    let info;
    try {
      // A stat of a local file takes microseconds; on the thread pool it would cost more than it saves.
      info = statSync(path);
    } catch {
      return null;
    }
    const key = `${name} ${info.mtimeMs} ${info.size}`;
    const cached = files.peek(FILES, key);
    if (cached) return cached;
    const body = await readFile(path);
    const ext = name.slice(name.lastIndexOf('.') + 1);
    const entry = { ...entity(body, FEED_TYPES[ext]!, 'public, max-age=300'), lastModified: info.mtime };
    return files.get(FILES, key, () => entry);
  }

  return server;
}

// Feed files are checked by their own modification time: one mark for them all.
const FILES = 'files';

// Filters look at this many of a feed's newest items.
const FILTER_WINDOW = 1000;

/**
 * A feed filtered the way RSSHub-style services do: `filter` and `filterout` are regular expressions
 * (RE2 syntax, case ignored) tested on title, summary and label, `category` keeps one category label, `limit` caps the
 * entries. Rendered from the store for each query; its ETag is stable for the same query and data.
 * Returns an error message for a bad query, null for an unknown feed.
 */
function filteredFeed(
  store: Store,
  config: Config,
  slug: string,
  ext: 'atom' | 'rss' | 'json',
  params: URLSearchParams,
): Body | string | null {
  const known = new Set(['filter', 'filterout', 'category', 'limit']);
  for (const key of params.keys()) if (!known.has(key)) return `unknown parameter "${key}" (filter, filterout, category, limit)`;
  const regex = (name: string): TextTest | null | string => {
    const value = params.get(name);
    if (value === null || value === '') return null;
    if (value.length > 200) return `${name}: at most 200 characters`;
    try {
      // RE2 syntax, linear time: no query can stall the server (src/text-matcher.ts).
      return compileRegex(value, 'i');
    } catch (error) {
      if (error instanceof PatternError) return `${name}: ${error.message}`;
      throw error;
    }
  };
  const keep = regex('filter');
  const drop = regex('filterout');
  if (typeof keep === 'string') return keep;
  if (typeof drop === 'string') return drop;
  const category = params.get('category')?.toLowerCase() ?? null;
  const limitText = params.get('limit');
  const limit = limitText === null ? config.feeds.length : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > FILTER_WINDOW) return `limit: a whole number from 1 to ${FILTER_WINDOW}`;

  const pages = new Map(store.topics.list().map((t) => [t.id, t]));
  const page =
    slug === 'all' ? null : [...pages.values()].find((t) => topicIdentity(config, t).slug === slug && !topicSettings(config, t).hidden);
  const custom = config.customTopics.find((t) => t.slug === slug);
  if (slug !== 'all' && !page && !custom) return null;
  const items = custom ? store.customTopics.items(custom.slug, FILTER_WINDOW) : store.items.newest(page?.id ?? null, FILTER_WINDOW);
  const chosen = items
    .filter((i) => {
      const text = matchText(i);
      if (keep && !keep(text)) return false;
      if (drop && drop(text)) return false;
      return category === null || i.category?.toLowerCase() === category;
    })
    .slice(0, limit);
  const whenEmpty = store.dumps.newestWrittenAt() ?? undefined;
  const base = custom
    ? customFeedView(config, custom, pages, chosen, whenEmpty)
    : page
      ? topicFeedView(config, page, chosen, whenEmpty)
      : allFeedView(config, pages, chosen, whenEmpty);
  const rendered = renderFeed({ ...base, query: `?${params.toString()}` });
  return entity(Buffer.from(rendered[ext]), FEED_TYPES[ext]!, 'public, max-age=300');
}

/**
 * One line of the access log: `combined` (Apache/nginx, for the log tools that read it) or `json`.
 * The request's own text is hostile: quotes and control characters are escaped, and the token of an
 * unsubscribe link is left out (it would let whoever reads the log unsubscribe that reader).
 */
export function accessLine(format: 'off' | 'combined' | 'json', req: IncomingMessage, res: ServerResponse, started: bigint): string {
  const url = (req.url ?? '').replace(/^\/unsubscribe\/[^?]*/, '/unsubscribe/…');
  const bytes = Number(res.getHeader('Content-Length') ?? 0);
  const referer = req.headers.referer ?? null;
  const agent = req.headers['user-agent'] ?? null;
  const remote = req.socket.remoteAddress ?? '-';
  if (format === 'json') {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return JSON.stringify({
      time: new Date().toISOString(),
      remote,
      method: req.method,
      url,
      status: res.statusCode,
      bytes,
      ms: Math.round(ms * 10) / 10,
      referer,
      agent,
    });
  }
  const quoted = (text: string | null) =>
    text === null ? '"-"' : `"${text.replace(/[\x00-\x1f\x7f"\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
  // `Mon, 23 Nov 2026 22:35:24 GMT` -> `23/Nov/2026:22:35:24 +0000`.
  const [, day, month, year, clock] = new Date().toUTCString().split(' ');
  const time = `${day}/${month}/${year}:${clock} +0000`;
  return `${remote} - - [${time}] ${quoted(`${req.method} ${url} HTTP/${req.httpVersion}`)} ${res.statusCode} ${req.method === 'HEAD' || res.statusCode === 304 ? '-' : bytes} ${quoted(referer)} ${quoted(agent)}`;
}

/** The request's body, or null when it is longer than `limit` bytes (reading stops there). */
async function smallBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The store of a server in a process of its own (`serve`, the server process of `watch --serve`):
 * read-only, and the one write a server makes, an unsubscribe, through a second connection opened
 * when first needed. `unsubscribed` hears of each new one.
 */
export function serverStore(
  config: Config,
  unsubscribed: (address: string, via: 'one-click' | 'page') => void,
): { store: Store; unsubscribe: NonNullable<ServeSource['unsubscribe']>; close: () => void } {
  const store = Store.open(config.store.path, config.store.busyTimeoutMs, { readOnly: true });
  let writer: Store | null = null;
  return {
    store,
    unsubscribe: (address, via) => {
      writer ??= Store.open(config.store.path, config.store.busyTimeoutMs);
      if (writer.digests.unsubscribe(address, new Date(), via)) unsubscribed(address, via);
    },
    close: () => {
      store.close();
      writer?.close();
    },
  };
}

/** Finds a topic by the slug its feeds are published under. */
function findTopic(store: Store, config: Config, slug: string): StoredTopic | undefined {
  return store.topics.list().find((t) => topicIdentity(config, t).slug === slug && !topicSettings(config, t).hidden);
}

function entity(body: Buffer, type: string, cache: string): Body {
  return {
    body,
    type,
    cache,
    etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`,
    lastModified: null,
    encoded: new Map(),
  };
}

function html(text: string, cache: string): Body {
  return entity(Buffer.from(text), 'text/html; charset=utf-8', cache);
}

function json(value: unknown): Body {
  return entity(Buffer.from(`${JSON.stringify(value, null, 2)}\n`), 'application/json; charset=utf-8', 'no-store');
}

/**
 * Sends a response with ETag, Last-Modified and Cache-Control, answering a matching conditional
 * request with 304, compressing with brotli or gzip when the client accepts it, and no body for HEAD.
 */
function send(req: IncomingMessage, res: ServerResponse, status: number, entityBody: Body): void {
  res.setHeader('Content-Type', entityBody.type);
  res.setHeader('Cache-Control', entityBody.cache);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (entityBody.type.startsWith('text/html')) {
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action ${entityBody.form ? "'self'" : "'none'"}`,
    );
  }
  const encoding = status === 200 && entityBody.body.length > 512 ? pickEncoding(req.headers['accept-encoding']) : null;
  if (status === 200) {
    // Each encoding is its own representation with its own strong ETag (`"…-br"`, `"…-gzip"`).
    res.setHeader('ETag', encoding ? `${entityBody.etag.slice(0, -1)}-${encoding}"` : entityBody.etag);
    if (entityBody.lastModified) res.setHeader('Last-Modified', entityBody.lastModified.toUTCString());
    if (notModified(req, entityBody)) {
      res.statusCode = 304;
      res.end();
      return;
    }
  }
  if (!res.hasHeader('Vary')) res.setHeader('Vary', 'Accept-Encoding');
  let body = entityBody.body;
  if (encoding) {
    let packed = entityBody.encoded.get(encoding);
    if (!packed) {
      packed =
        encoding === 'br'
          ? brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } })
          : gzipSync(body, { level: 6 });
      entityBody.encoded.set(encoding, packed);
    }
    body = packed;
    res.setHeader('Content-Encoding', encoding);
  }
  res.statusCode = status;
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * True when the client prefers HTML to every feed type: `text/html` has a higher quality than any of
 * the Atom, RSS, JSON Feed and XML types (or `*\/*`) it accepts. Browsers say `text/html,…,application/xml;q=0.9`;
 * readers either do not name HTML or rank it no higher than their feed types (Universal Feed Parser,
 * Miniflux, NetNewsWire, newsboat, curl).
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let feed = 0;
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.trim().split(';');
    const type = rawType!.trim().toLowerCase();
    const qParam = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const q = qParam === undefined ? 1 : Number(qParam);
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    else if (FEED_ACCEPT.has(type)) feed = Math.max(feed, q);
  }
  return html > 0 && html > feed;
}

const FEED_ACCEPT = new Set([
  'application/atom+xml',
  'application/rss+xml',
  'application/feed+json',
  'application/json',
  'application/xml',
  'text/xml',
  'application/rdf+xml',
  '*/*',
]);

function notModified(req: IncomingMessage, b: Body): boolean {
  const match = req.headers['if-none-match'];
  // If-None-Match wins over If-Modified-Since (RFC 9110).
  // The same content in any encoding has not been modified: `"x"`, `"x-br"` and `"x-gzip"` all match.
  const base = b.etag.slice(0, -1);
  if (match) {
    return match.split(',').some((raw) => {
      const tag = raw.trim().replace(/^W\//, '');
      return tag === '*' || tag === b.etag || tag === `${base}-br"` || tag === `${base}-gzip"`;
    });
  }
  const since = req.headers['if-modified-since'];
  if (since && b.lastModified) {
    const t = Date.parse(since);
    return !Number.isNaN(t) && Math.floor(b.lastModified.getTime() / 1000) <= Math.floor(t / 1000);
  }
  return false;
}

// Brotli at quality 5: measured on a 35 KB feed, 0.9 ms and 7,262 bytes, against 57 ms and 7,210 bytes
// at quality 9. Every rewritten feed and re-rendered page is compressed again on its first request,
// on the thread that answers everyone: quality 9 cost a reader behind it 50 ms for 0.7 % of size.
const BROTLI_QUALITY = 5;

function pickEncoding(header: string | undefined): 'br' | 'gzip' | null {
  if (!header) return null;
  const accepted = new Map(
    header.split(',').map((part) => {
      const [name, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
      return [name!.toLowerCase(), q === undefined ? 1 : Number(q)];
    }),
  );
  if ((accepted.get('br') ?? 0) > 0) return 'br';
  if ((accepted.get('gzip') ?? 0) > 0) return 'gzip';
  return null;
}
