import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../../config/schema.js';
import { SinkError } from '../../errors.js';
import type { StoredItem, StoredTopic } from '../../model.js';
import type { ArchivePage } from '../../store/archives.js';
import type { Store } from '../../store/store.js';
import { allFeedView, customFeedView, topicFeedView, type FeedView } from './feed-view.js';
import { topicIdentity, topicSettings } from '../../catalog/topics.js';
import { renderAtom, renderFeed } from './render-feeds.js';
import { FEED_XSL } from './feed-xsl.js';
import { renderOpml } from './render-opml.js';
import { removeStaleTempFiles, writeFileIfChanged } from './write-file.js';

interface History {
  pages: number;
  /** Items that arrived after the last full archive page. */
  tail: StoredItem[];
}

/** A topic's RFC 5005 archive pages: those the store records, then those that have filled since. */
interface ArchivePlan {
  topic: StoredTopic;
  pages: ArchivePage[];
  /** How many of `pages` the store records. */
  known: number;
}

/**
 * A topic's RFC 5005 archive pages (Atom): its items in arrival order, `feeds.length` a page. Each
 * page's item range is recorded once it is written, so a later change of `feeds.length` only sizes
 * new pages. The items not yet in a full page are fewer than `feeds.length`, the newest arrivals: the
 * current feed holds them.
 */
function planArchives(store: Store, config: Config, topic: StoredTopic): { plan: ArchivePlan; history: History } {
  const size = config.feeds.length;
  const pages = store.archives.pages(topic.id);
  const known = pages.length;
  for (let last = pages.at(-1)?.lastId ?? 0; ; ) {
    const ids = store.items.arrivalIds(topic.id, last, size);
    if (ids.length < size) break;
    last = ids[ids.length - 1]!;
    pages.push({ page: pages.length + 1, firstId: ids[0]!, lastId: last });
  }
  const tail = store.items.arrivedAfter(topic.id, pages.at(-1)?.lastId ?? 0, size);
  return { plan: { topic, pages, known }, history: { pages: pages.length, tail } };
}

/**
 * Writes the archive pages a plan needs: each new page once (and the one before the first new page
 * again, to gain its `next-archive` link), recording each once it is written, and every recorded page
 * whose file is not in `archived` (the archive folder's listing, when it was listed). One page at a time: memory stays
 * bounded however many pages a first run writes.
 */
async function writeArchives(
  store: Store,
  config: Config,
  { topic, pages, known }: ArchivePlan,
  archived: ReadonlySet<string> | null,
  put: (name: string, content: string) => Promise<void>,
): Promise<void> {
  const slug = topicIdentity(config, topic).slug;
  const name = (page: number) => `archive/${slug}-${page}.atom`;
  const render = async (i: number) => {
    const p = pages[i]!;
    const items = store.items.inRange(topic.id, p.firstId, p.lastId).reverse();
    await put(name(p.page), renderAtom(archiveView(config, topic, p.page, pages.length, items)));
  };
  if (pages.length > known && known > 0) await render(known - 1);
  for (let i = known; i < pages.length; i++) {
    await render(i);
    store.archives.add(topic.id, pages[i]!.page, pages[i]!.firstId, pages[i]!.lastId);
  }
  if (archived) for (let i = 0; i < known; i++) if (!archived.has(`${slug}-${pages[i]!.page}.atom`)) await render(i);
}

/** The subscription feed: the newest entries, plus any not yet in a full archive page, and a link to the archives. */
function subscriptionView(config: Config, topic: StoredTopic, newest: StoredItem[], history: History): FeedView {
  const ids = new Set(newest.map((i) => i.rowId));
  const missing = history.tail.filter((i) => !ids.has(i.rowId));
  const sortDate = (i: StoredItem) => i.date ?? i.firstSeenAt.slice(0, 10);
  const items = missing.length
    ? [...newest, ...missing].sort((a, b) => sortDate(b).localeCompare(sortDate(a)) || b.firstSeenDump - a.firstSeenDump || a.position - b.position)
    : newest;
  const view = topicFeedView(config, topic, items);
  if (history.pages === 0) return view;
  const slug = topicIdentity(config, topic).slug;
  return { ...view, archiveLinks: [{ rel: 'prev-archive', href: `${config.feeds.baseUrl}feeds/archive/${slug}-${history.pages}.atom` }] };
}

/** Archive page `page` of `pages`: a fixed set of entries with links to its neighbours and the current feed. */
function archiveView(config: Config, topic: StoredTopic, page: number, pages: number, items: StoredItem[]): FeedView {
  const base = topicFeedView(config, topic, items);
  const slug = base.slug;
  const url = (p: number) => `${config.feeds.baseUrl}feeds/archive/${slug}-${p}.atom`;
  const links = [{ rel: 'current', href: `${base.feedUrlBase}.atom` }];
  if (page > 1) links.push({ rel: 'prev-archive', href: url(page - 1) });
  if (page < pages) links.push({ rel: 'next-archive', href: url(page + 1) });
  return {
    ...base,
    id: `${base.id}:archive:${page}`,
    title: `${base.title} (archive ${page})`,
    feedUrlBase: `${config.feeds.baseUrl}feeds/archive/${slug}-${page}`,
    archiveLinks: links,
    archive: true,
  };
}

/**
 * Whether a topic's feed files are in the feeds folder's listing, and, when the archive folder was
 * listed (`archived`), every archive page the store records for it.
 */
function filesPresent(
  store: Store,
  config: Config,
  topic: StoredTopic,
  present: ReadonlySet<string>,
  archived: ReadonlySet<string> | null,
): boolean {
  const slug = topicIdentity(config, topic).slug;
  if (!['atom', 'rss', 'json'].every((ext) => present.has(`${slug}.${ext}`))) return false;
  return archived === null || store.archives.pages(topic.id).every((p) => archived.has(`${slug}-${p.page}.atom`));
}

/**
 * A folder's modification time (nanoseconds), which any file added, removed or renamed in it moves
 * on; `missing` when there is no such folder.
 */
function folderMark(dir: string): string {
  try {
    return String(statSync(dir, { bigint: true }).mtimeNs);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new SinkError(`feeds ${dir}`, `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}

/** The names in a folder; none when it does not exist (yet). */
function listFolder(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new SinkError(`feeds ${dir}`, `cannot list: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}

/** Which feed files a run wrote and which it left alone because their content had not changed. */
export interface FeedWriteReport {
  written: string[];
  unchanged: number;
}

/**
 * Renders the feeds of the given topics (all topics when `topicIds` is omitted), the combined `all`
 * feed and `topics.opml`, and writes each file whose content changed. The output depends only on the
 * store and the config, so the same state always gives byte-identical files.
 */
export async function writeFeeds(store: Store, config: Config, topicIds?: Iterable<number>): Promise<FeedWriteReport> {
  const dir = config.feeds.dir;
  const report: FeedWriteReport = { written: [], unchanged: 0 };
  const topics = store.topics.list();
  const byId = new Map<number, StoredTopic>(topics.map((t) => [t.id, t]));
  const wanted: Set<number> | null = topicIds ? new Set(topicIds) : null;

  // Files are written with synchronous calls (see write-file.ts), and the event loop gets a turn after
  // each: a first start writes thousands of archive pages, and a daemon's signals, watcher events and
  // timers must not wait for them. The turns also let V8's collector tasks run: with a turn every 20 ms
  // instead, a first `watch` on a million items peaked at 130 MB, against 118 MB with a turn a file.
  const made = new Set<string>();
  const put = async (name: string, content: string): Promise<void> => {
    const path = join(dir, name);
    const folder = name.includes('/') ? join(dir, name.slice(0, name.lastIndexOf('/'))) : null;
    try {
      if (folder !== null && !made.has(folder)) {
        mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      if (writeFileIfChanged(path, content)) report.written.push(path);
      else report.unchanged++;
    } catch (cause) {
      throw new SinkError(`feeds ${path}`, `cannot write: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
    }
    await nextTurn();
  };
  const putFeed = async (view: FeedView): Promise<void> => {
    const out = renderFeed(view);
    await put(`${view.slug}.atom`, out.atom);
    await put(`${view.slug}.rss`, out.rss);
    await put(`${view.slug}.json`, out.json);
  };

  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    throw new SinkError(`feeds ${dir}`, `cannot create folder: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
  }
  // What is on disk (a listing, not a look-up per file): a topic whose files were removed is written
  // again although nothing changed. The archive folder (a page per `feeds.length` items: 20,000 files
  // for a million) is listed only when it changed since the last complete write; until then every
  // page the store records is there.
  const present = new Set(listFolder(dir));
  const archiveDir = resolve(dir, 'archive');
  const mark = folderMark(archiveDir);
  const archived = mark !== 'missing' && mark === store.archives.folderMark(archiveDir) ? null : new Set(listFolder(archiveDir));
  // A writer killed mid-page left a temporary file, which moved the folder's time on: it is listed, and
  // the file removed once old enough. While one is left the mark is not recorded, so the next run looks again.
  const settled = archived === null || removeStaleTempFiles(archiveDir, { names: archived }).left === 0;
  // A hidden page has no feeds of its own; its items still reach "all" and custom topics.
  const shown = topics.filter((t) => !topicSettings(config, t).hidden);
  // The subscription feeds first, then the archive pages: a first run on a long history (thousands of
  // pages) has every current feed out before its first archive page.
  const plans: ArchivePlan[] = [];
  for (const topic of shown) {
    if (wanted && !wanted.has(topic.id) && filesPresent(store, config, topic, present, archived)) continue;
    const { plan, history } = planArchives(store, config, topic);
    await putFeed(subscriptionView(config, topic, store.items.newest(topic.id, config.feeds.length), history));
    plans.push(plan);
  }
  // Custom topics are few and cheap to render: all of them, every time; unchanged files stay as they are.
  const custom = store.customTopics;
  const whenEmpty = store.dumps.newestWrittenAt() ?? undefined;
  for (const topic of config.customTopics) {
    await putFeed(customFeedView(config, topic, byId, custom.items(topic.slug, config.feeds.length), whenEmpty));
  }
  if (topics.length > 0) {
    await putFeed(allFeedView(config, byId, store.items.newest(null, config.feeds.length), whenEmpty));
    await put('feed.xsl', FEED_XSL);
    const entries = shown.map((t) => {
      const { title, homeUrl, feedUrlBase } = topicIdentity(config, t);
      return { title, xmlUrl: `${feedUrlBase}.atom`, htmlUrl: homeUrl };
    });
    // Custom topics in a list of their own: their entries carry the same ids as the pages' entries,
    // and readers that keep one id in one feed (newsboat and others) would hide items of either.
    await put('topics.opml', renderOpml(config.feeds.title, entries));
    const customEntries = config.customTopics.map((t) => ({
      title: t.name,
      xmlUrl: `${config.feeds.baseUrl}feeds/${t.slug}.atom`,
      htmlUrl: `${config.feeds.baseUrl}topics/${t.slug}`,
    }));
    if (customEntries.length > 0) await put('custom-topics.opml', renderOpml(`${config.feeds.title}: custom topics`, customEntries));
  }
  for (const plan of plans) await writeArchives(store, config, plan, archived, put);
  if (settled) {
    const after = folderMark(archiveDir);
    if (after !== store.archives.folderMark(archiveDir)) store.archives.setFolderMark(archiveDir, after);
  }
  return report;
}

/**
 * A turn of the event loop (timers/promises' setImmediate without loading that module, a few
 * milliseconds of a cron run).
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
