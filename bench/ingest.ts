import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../dist/config/load-config.js';
import { ingestPaths, processDump, type Context } from '../dist/pipeline.js';
import { writeFeeds } from '../dist/sinks/feeds/write-feeds.js';
import { Store } from '../dist/store/store.js';
import { generateCorpus, writeCorpus } from './corpus.js';
import { floorIngest } from './floor-ingest.mjs';
import { percentile, report, timedProcess } from './report.js';

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

const FLOOR = join(import.meta.dirname, 'floor-ingest.mjs');

/**
 * Batch ingest as the operator runs it: a whole `dumpfeed ingest FOLDER` process into a new store and
 * feeds folder, against the floor as a process of its own (bench/floor-ingest.mjs: Node's start,
 * better-sqlite3's load, then read, split, insert), interleaved, medians. What the in-process row
 * leaves out is in here: start-up, the first dumps before the JIT has compiled the pipeline, and the
 * feeds and archive pages of every topic written at the end.
 */
export function benchBatchIngestProcess(topics: number, dumps: number, items: number, rounds: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'dumpfeed-bench-'));
  try {
    const corpus = join(dir, 'corpus');
    const count = writeCorpus(corpus, { topics, dumps, items, seed: 2 }).length;
    const timed = (args: string[]): number => {
      rmSync(join(dir, 'out'), { recursive: true, force: true });
      mkdirSync(join(dir, 'out'));
      return timedProcess(args, dir);
    };
    const samples = { floor: [] as number[], ingest: [] as number[] };
    // Round 0 warms the file system cache.
    for (let i = 0; i <= rounds; i++) {
      const round = {
        floor: timed([FLOOR, join('out', 'floor.db'), corpus]),
        ingest: timed([BIN, 'ingest', '--db', join('out', 'state.db'), '--out', join('out', 'feeds'), corpus]),
      };
      if (i > 0) for (const k of ['floor', 'ingest'] as const) samples[k].push(round[k]);
    }
    const floor = percentile(samples.floor, 50);
    const ingest = percentile(samples.ingest, 50);
    const label = `${count.toLocaleString('en')} re-dumps x ${items} items, ${topics} topics`;
    report(`ingest process: ${label}`, ingest, 'ms', `median of ${rounds}, new store and feeds`);
    report('ingest process: the floor script as a process', floor, 'ms', `median of ${rounds}, the same files`);
    report('ingest process: time relative to the floor', ingest / floor, 'x', 'target <= 2');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Growth, as a cron `ingest` sees it: one re-dump stored and its topic's feeds and archive pages
 * written, with a small history against the same with a large one; in process (the pipeline's own
 * time) and as whole `dumpfeed ingest` processes, interleaved with `node -e 0` (what the operator's
 * cron runs). The large store is filled through the real pipeline with big dumps of other topics, so
 * its indexes are real. Before the steady state, the first start on that store with no feeds folder
 * yet (every feed and archive page to write) is a real `dumpfeed ingest` process, measured on its
 * own: time and peak memory.
 */
export async function benchGrowth(small: number, large: number, rounds: number, keep?: (dir: string) => Promise<void>): Promise<void> {
  const stores: GrowthStore[] = [];
  try {
    stores.push(await growthStore(small, rounds, false));
    stores.push(await growthStore(large, rounds, true));
    const [a, b] = stores as [GrowthStore, GrowthStore];
    // The measured topic's own history first (warm-up), then 180 re-dumps timed, the two stores in
    // turn: one after the other, the first measured paid for the garbage the large store's filling left.
    for (const p of a.dumps.slice(1, 20)) await cron(a.ctx, p);
    for (const p of b.dumps.slice(1, 20)) await cron(b.ctx, p);
    let msA = 0;
    let msB = 0;
    for (let i = 20; i < REDUMPS; i++) {
      const t0 = performance.now();
      await cron(a.ctx, a.dumps[i]!);
      const t1 = performance.now();
      await cron(b.ctx, b.dumps[i]!);
      msA += t1 - t0;
      msB += performance.now() - t1;
    }
    msA /= REDUMPS - 20;
    msB /= REDUMPS - 20;
    const n = (items: number): string => items.toLocaleString('en');
    report(`growth: ms per re-dump + its feeds, ${n(small)} items stored`, msA, 'ms', 'the reference');
    report(`growth: ms per re-dump + its feeds, ${n(large)} items stored`, msB, 'ms', '');
    report('growth: ratio large / small', msB / msA, 'x', 'target <= 1.05');

    // The same as the operator's cron job: one process a dump, the next re-dump of the page each round.
    for (const s of stores) s.ctx.store.close();
    const ingest = (s: GrowthStore, i: number): number =>
      timedProcess([BIN, 'ingest', '--config', 'cron.json', s.dumps[REDUMPS + i]!], s.dir);
    const samples = { node: [] as number[], a: [] as number[], b: [] as number[] };
    for (let i = 0; i <= rounds; i++) {
      const round = { node: timedProcess(['-e', '0'], a.dir), a: ingest(a, i), b: ingest(b, i) };
      // Round 0 warms the file system cache and moves the feeds to the process's config.
      if (i > 0) for (const k of ['node', 'a', 'b'] as const) samples[k].push(round[k]);
    }
    const node = percentile(samples.node, 50);
    const procA = percentile(samples.a, 50);
    const procB = percentile(samples.b, 50);
    report(`growth: cron ingest process, ${n(small)} items stored`, procA, 'ms', `median of ${rounds}; node -e 0: ${node.toFixed(1)} ms`);
    report(`growth: cron ingest process, ${n(large)} items stored`, procB, 'ms', `median of ${rounds}`);
    report('growth: cron ingest process, ratio large / small', procB / procA, 'x', 'target <= 1.05');
    if (keep) await keep(b.dir);
  } finally {
    for (const s of stores) {
      s.ctx.store.close(); // a second close does nothing
      rmSync(s.dir, { recursive: true, force: true });
    }
  }
}

/** Re-dumps of the measured page timed in process; the cron processes take the ones after. */
const REDUMPS = 200;

interface GrowthStore {
  dir: string;
  ctx: Context;
  /** Successive dumps of one 50-item page (about 3 new items each: a dozen archive pages over the run). */
  dumps: string[];
}

/** One re-dump stored and its topic's feeds written, as `ingest` does for a cron run. */
async function cron(ctx: Context, path: string): Promise<void> {
  const { topicId } = await processDump(ctx, path);
  await writeFeeds(ctx.store, ctx.config, topicId === null ? [] : [topicId]);
}

/**
 * A store with `items` items of history and its feeds written: a large one by a first `dumpfeed
 * ingest` on a missing feeds folder (measured), a small one in process. Holds `cron.json`, the config
 * of the cron processes.
 */
async function growthStore(items: number, rounds: number, large: boolean): Promise<GrowthStore> {
  const dir = mkdtempSync(join(tmpdir(), 'dumpfeed-bench-'));
  const ctx = context(dir);
  const store: GrowthStore = { dir, ctx, dumps: [] };
  try {
    await fillStore(ctx, items, dir);
    store.dumps = writeCorpus(join(dir, 'redumps'), { topics: 1, dumps: REDUMPS + rounds + 1, items: 50, seed: 99 });
    writeFileSync(join(dir, 'cron.json'), JSON.stringify({ store: { path: 'state.db' }, feeds: { dir: 'feeds' } }));
    if (large) {
      ctx.store.close();
      await firstStart(dir, store.dumps[0]!, items);
      ctx.store = Store.open(ctx.config.store.path);
    } else {
      await writeFeeds(ctx.store, ctx.config);
      await cron(ctx, store.dumps[0]!);
    }
    return store;
  } catch (error) {
    ctx.store.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The first `dumpfeed ingest` on a full store with no feeds folder: a whole process, from start to
 * exit, with its peak resident memory (getrusage, read at exit by a preloaded module) and the files
 * it wrote.
 */
async function firstStart(dir: string, dump: string, items: number): Promise<void> {
  const hook = join(dir, 'maxrss.mjs');
  writeFileSync(hook, "process.on('exit', () => process.stderr.write(`maxrss ${process.resourceUsage().maxRSS}\\n`));\n");
  const t0 = performance.now();
  const child = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, BIN, 'ingest', '--config', 'cron.json', dump], {
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
