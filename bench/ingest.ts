import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { parseConfig } from '../dist/config/load-config.js';
import { ingestPaths, processDump, type Context } from '../dist/pipeline.js';
import { writeFeeds } from '../dist/sinks/feeds/write-feeds.js';
import { Store } from '../dist/store/store.js';
import { generateCorpus, writeCorpus } from './corpus.js';
import { report } from './report.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'dumpfeed.js');

export function context(dir: string): Context {
  const config = parseConfig({ store: { path: join(dir, 'state.db') }, feeds: { dir: join(dir, 'feeds') } }, 'bench');
  return { store: Store.open(config.store.path), config, now: () => new Date('2026-01-01T00:00:00Z') };
}

/** Batch ingest of a generated corpus: dumps per second and milliseconds per dump, feeds included. */
export async function benchBatchIngest(topics: number, dumps: number, items: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dumpfeed-bench-'));
  try {
    const paths = writeCorpus(join(dir, 'corpus'), { topics, dumps, items, seed: 1 });
    const ctx = context(dir);
    const t0 = performance.now();
    const result = await ingestPaths(ctx, [join(dir, 'corpus')]);
    const ms = performance.now() - t0;
    const failed = result.files.filter((f) => f.error !== null).length;
    if (failed > 0) throw new Error(`${failed} dumps rejected`);
    report(`ingest: ${topics} topics x ${dumps} re-dumps x ${items} items`, paths.length / (ms / 1000), 'dumps/s', '>= 500 dumps/s');
    report('ingest: per dump', ms / paths.length, 'ms', `${paths.length} dumps, ${ctx.store.counts().items} items stored`);
    ctx.store.close();
    const floor = floorIngest(paths, join(dir, 'floor.db'));
    report('ingest: floor (read, split, insert: a transaction a file)', paths.length / (floor / 1000), 'dumps/s', 'the same files');
    report('ingest: time relative to the floor', ms / floor, 'x', 'target <= 2');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What any tool must do with these files, and no more: read each, decode it, split it into items and
 * insert them in one transaction per file, into SQLite with the store's own settings (WAL, NORMAL).
 * Returns the milliseconds it took.
 */
function floorIngest(paths: string[], dbPath: string): number {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE items (dump INTEGER NOT NULL, position INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (dump, position))');
  const insert = db.prepare('INSERT INTO items (dump, position, text) VALUES (?, ?, ?)');
  const t0 = performance.now();
  paths.forEach((path, dump) => {
    const items = readFileSync(path)
      .toString('utf8')
      .split(/\n(?= {2}\d+\. )/);
    db.transaction(() => items.forEach((text, position) => insert.run(dump, position, text)))();
  });
  const ms = performance.now() - t0;
  db.close();
  return ms;
}

/**
 * Growth, as a cron `ingest` sees it: one re-dump stored and its topic's feeds and archive pages
 * written, with a small history against the same with a large one. The large store is filled through
 * the real pipeline with big dumps of other topics, so its indexes are real. Before the steady state,
 * the first start on that store with no feeds folder yet (every feed and archive page to write) is a
 * real `dumpfeed ingest` process, measured on its own: time and peak memory.
 */
export async function benchGrowth(small: number, large: number, keep?: (dir: string) => Promise<void>): Promise<void> {
  const perDump = async (history: number): Promise<number> => {
    const dir = mkdtempSync(join(tmpdir(), 'dumpfeed-bench-'));
    try {
      const ctx = context(dir);
      await fillStore(ctx, history, dir);
      // The measured topic: 200 successive re-dumps of a 50-item page (about 600 new items: a dozen archive pages).
      const corpus = writeCorpus(join(dir, 'redumps'), { topics: 1, dumps: 200, items: 50, seed: 99 });
      const cron = async (path: string): Promise<void> => {
        const { topicId } = await processDump(ctx, path);
        await writeFeeds(ctx.store, ctx.config, topicId === null ? [] : [topicId]);
      };
      if (history === large) {
        ctx.store.close();
        await firstStart(dir, corpus[0]!, history);
        ctx.store = Store.open(ctx.config.store.path);
      } else {
        await writeFeeds(ctx.store, ctx.config);
        await cron(corpus[0]!);
      }
      for (const p of corpus.slice(1, 20)) await cron(p); // warm-up: the page's own history
      const t0 = performance.now();
      for (const p of corpus.slice(20)) await cron(p);
      const ms = (performance.now() - t0) / (corpus.length - 20);
      ctx.store.close();
      if (keep && history === large) await keep(dir);
      return ms;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const a = await perDump(small);
  const b = await perDump(large);
  report(`growth: ms per re-dump + its feeds, ${small.toLocaleString('en')} items stored`, a, 'ms', 'the reference');
  report(`growth: ms per re-dump + its feeds, ${large.toLocaleString('en')} items stored`, b, 'ms', '');
  report('growth: ratio large / small', b / a, 'x', 'target <= 1.05');
}

/**
 * The first `dumpfeed ingest` on a full store with no feeds folder: a whole process, from start to
 * exit, with its peak resident memory (getrusage, read at exit by a preloaded module) and the files
 * it wrote.
 */
async function firstStart(dir: string, dump: string, items: number): Promise<void> {
  writeFileSync(join(dir, 'first.json'), JSON.stringify({ store: { path: 'state.db' }, feeds: { dir: 'feeds' } }));
  const hook = join(dir, 'maxrss.mjs');
  writeFileSync(hook, "process.on('exit', () => process.stderr.write(`maxrss ${process.resourceUsage().maxRSS}\\n`));\n");
  const t0 = performance.now();
  const child = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, BIN, 'ingest', '--config', 'first.json', dump], {
    cwd: dir,
    encoding: 'utf8',
  });
  const seconds = (performance.now() - t0) / 1000;
  if (child.status !== 0) throw new Error(`first start: exit ${child.status}: ${child.stderr}`);
  const rss = Number(/maxrss (\d+)/.exec(child.stderr)![1]) / 1024;
  const archives = readdirSync(join(dir, 'feeds', 'archive')).length;
  const n = items.toLocaleString('en');
  report(`first start, no feeds folder, ${n} items: time`, seconds, 's', `${archives.toLocaleString('en')} archive pages written`);
  report(`first start, no feeds folder, ${n} items: peak RSS`, rss, 'MB', 'target <= 120 MB');
}

/**
 * Fills a store with `n` items over 20 topics, in dumps of up to 5,000 items: years of history, about
 * four items a day on each page, as a store kept for a long time would hold.
 */
export async function fillStore(ctx: Context, n: number, dir: string): Promise<void> {
  const perTopic = Math.ceil(n / 20);
  const chunk = Math.min(perTopic, 5000);
  const filled = new Array<number>(20).fill(0);
  let made = 0;
  for (let t = 0; made < n; t = (t + 1) % 20) {
    const items = Math.min(chunk, n - made);
    // Each chunk of a topic continues further back in time than the one before.
    const start = new Date(Date.UTC(2010, 0, 1) - Math.floor(filled[t]! / 4) * 86_400_000);
    const { value } = generateCorpus({ topics: 1, dumps: 1, items, seed: 1000 + made, start, perDay: 4 }).next();
    const path = join(dir, 'fill.txt');
    writeFileSync(path, value![2].replace(/^[^\n]+/, `History topic ${t}`));
    const { result } = await processDump(ctx, path);
    if (result.error) throw new Error(result.error);
    filled[t] = filled[t]! + items;
    made += result.new.length;
  }
}

/** Feed writing: rewriting one topic's three feeds, and proof that an unchanged topic is not rewritten. */
export async function benchFeedWrite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dumpfeed-bench-'));
  try {
    const ctx = context(dir);
    const paths = writeCorpus(join(dir, 'corpus'), { topics: 5, dumps: 20, items: 50, seed: 3 });
    await ingestPaths(ctx, [join(dir, 'corpus')]);
    const topic = ctx.store.topics.list()[0]!;
    const feed = join(ctx.config.feeds.dir, `${topic.slug}.atom`);
    const rounds = 50;
    let ms = 0;
    for (let i = 0; i < rounds; i++) {
      // A different feed title each round forces a real rewrite of the topic's three files.
      const config = { ...ctx.config, feeds: { ...ctx.config.feeds, title: `round ${i}` } };
      const t0 = performance.now();
      await writeFeeds(ctx.store, config, [topic.id]);
      ms += performance.now() - t0;
    }
    report('feeds: rewrite one topic (3 files) + all + opml', ms / rounds, 'ms', `${paths.length} dumps stored`);
    // The same store and config twice: the second time every file is rendered and none may be written.
    const same = { ...ctx.config, feeds: { ...ctx.config.feeds, title: `round ${rounds - 1}` } };
    await writeFeeds(ctx.store, same); // every topic in step with that config
    const before = statSync(feed).mtimeMs;
    const again = await writeFeeds(ctx.store, same);
    const written = again.written.length;
    report(
      'feeds: files rewritten when nothing changed',
      written,
      'files',
      `of ${written + again.unchanged} rendered; mtime kept: ${statSync(feed).mtimeMs === before}`,
    );
    ctx.store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
