import { createHash } from 'node:crypto';
import { elapsedMs } from './clock.js';
import type { Config } from './config/schema.js';
import type { Context } from './context.js';
import { ParseError, StoreError } from './errors.js';
import type { DumpResult } from './model.js';
import { configSlugs } from './catalog/slugs.js';
import { assertDistinctSlugs } from './catalog/topics.js';
import { compileRules } from './identify/topic-rules.js';
import { readAhead, readNow, type DumpReader, type ReadOptions } from './parse/read-ahead.js';
import { removeStaleTempFiles } from './sinks/feeds/write-file.js';
import type { FeedWriteReport } from './sinks/feeds/write-feeds.js';
import { feedsOutput, publishAll } from './sinks/outputs.js';
import { dumpNameFilter, listDumpFiles, shownPath, statOrNull, type DumpPath, type Skipped } from './source/dump-files.js';
import { dumpfeedVersion } from './version.js';

export type { Context } from './context.js';

/** One processed dump plus the topic it touched (to know which feeds to rewrite). */
export interface ProcessedDump {
  result: DumpResult;
  topicId: number | null;
}

/**
 * Processes one dump file: read -> decode -> parse -> match and store. A dump that cannot be read or
 * parsed is recorded as rejected with its reason and reported, never thrown; a store failure is
 * thrown, so the dump is not marked processed and can be retried.
 */
export async function processDump(ctx: Context, file: DumpPath, reader?: DumpReader): Promise<ProcessedDump> {
  const path = shownPath(file);
  const result = emptyResult(path);
  let dump;
  try {
    dump = await (reader ? reader.read(file) : readNow(file, readOptions(ctx.config)));
  } catch (error) {
    if (error instanceof ParseError) return { result: { ...result, error: error.reason, errorKind: error.kind }, topicId: null };
    throw error;
  }

  const known = ctx.store.dumps.find(dump.sha256);
  if (known?.status === 'ok') {
    return { result: { ...result, topic: known.topic, unchanged: known.itemCount, duplicate: true }, topicId: null };
  }
  // The same bytes rejected before, by this dumpfeed version with this encoding setting: rejected
  // again, unparsed, and the store keeps naming the first delivery. (Another version or encoding may
  // parse them.)
  const parsedWith = `${dumpfeedVersion()} ${ctx.config.source.encoding}`;
  if (known?.status === 'rejected' && known.rejectedWith === parsedWith) {
    return { result: { ...result, error: known.error, errorKind: known.errorKind ?? undefined, duplicate: true }, topicId: null };
  }

  const meta = { file: path, sha256: dump.sha256, writtenAt: dump.writtenAt, processedAt: ctx.now().toISOString() };
  let parsed;
  try {
    parsed = dump.parse();
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    ctx.store.dumps.recordRejected(meta, error, parsedWith);
    return { result: { ...result, error: error.reason, errorKind: error.kind }, topicId: null };
  }

  const { rules, owners } = perConfig(ctx.config);
  const clashes: string[] = [];
  const slugTaken = (slug: string): boolean => {
    const owner = owners.get(slug);
    if (owner) clashes.push(`"${slug}" belongs to ${owner}`);
    return owner !== undefined;
  };
  const recorded = ctx.store.recordDump(meta, parsed, ctx.config.ids, (rowIds) => ctx.store.customTopics.sync(rules, rowIds), slugTaken);
  // Another process (a second ingest) stored the same bytes between the look-up and now.
  if (recorded === null)
    return { result: { ...result, topic: parsed.topic, unchanged: parsed.items.length, duplicate: true }, topicId: null };
  return {
    result: {
      ...result,
      topic: recorded.topic.name,
      new: recorded.new,
      updated: recorded.updated,
      unchanged: recorded.unchanged,
      warnings:
        clashes.length > 0
          ? [...parsed.warnings, `new page "${recorded.topic.name}" gets the slug "${recorded.topic.slug}": ${clashes.join('; ')}`]
          : parsed.warnings,
    },
    topicId: recorded.new.length + recorded.updated.length > 0 ? recorded.topic.id : null,
  };
}

function readOptions(config: Config): ReadOptions {
  return { maxBytes: config.source.maxBytes, encoding: config.source.encoding };
}

function emptyResult(file: string): DumpResult {
  return { file, topic: null, new: [], updated: [], unchanged: 0, duplicate: false, error: null, warnings: [] };
}

/** The outcome of an ingest run: one result per file, and the feed files written. */
export interface IngestReport {
  files: DumpResult[];
  feeds: FeedWriteReport;
  /** Why the feeds could not be written (the next run repairs them). */
  feedErrors: string[];
  /** What went wrong without keeping anything from being stored or written: a WebSub hub not told, the feeds' mark not saved. */
  warnings: string[];
}

/**
 * Ingests files and folders in the order given (a folder's dump files sorted by name), then writes
 * the feeds of the topics that changed since the feeds were last written completely (by this run or
 * an earlier one cut off before its feeds: the store's `published` mark), or every feed with a new
 * config. Only changed files are written.
 */
export async function ingestPaths(
  ctx: Context,
  paths: string[],
  onResult?: (r: DumpResult) => void,
  onSkip?: (s: Skipped) => void,
  onFiles?: (count: number) => void,
): Promise<IngestReport> {
  assertDistinctSlugs(ctx.config, ctx.store.topics.list(), 'config');
  reconcileCustomTopics(ctx);
  removeStaleTempFiles(ctx.config.feeds.dir);
  const files: DumpResult[] = [];
  const changed = new Set<number>();
  const dumps = expandPaths(paths, dumpNameFilter(ctx.config.source.pattern), onSkip);
  onFiles?.(dumps.length);
  // A batch is read and parsed ahead in a worker thread, while the store takes the dumps before.
  const reader = dumps.length >= READ_AHEAD_FILES ? readAhead(dumps, readOptions(ctx.config)) : undefined;
  // Dumps are stored in groups, one commit each (a commit was a quarter of the time of a batch): up to
  // GROUP_DUMPS dumps or GROUP_MS of work, so a daemon waiting for the store waits no longer than that.
  // A file is reported once its group is committed; a crash loses no dump, as the next run stores the
  // group again.
  let group: { file: DumpPath; result: DumpResult; topicId: number | null }[] = [];
  let open = false;
  let openedAt = 0;
  const notStored = (file: DumpPath, error: StoreError): DumpResult => ({
    ...emptyResult(shownPath(file)),
    error: `not stored: ${error.message}; run again for this file`,
    errorKind: 'store',
  });
  // What the group stored is gone (the commit failed, or SQLite ended the transaction after a failure).
  const lose = (error: StoreError): void => {
    group = group.map((g) => (g.topicId === null ? g : { ...g, result: notStored(g.file, error), topicId: null }));
  };
  const settle = (): void => {
    if (open) {
      try {
        ctx.store.endGroup();
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        lose(error);
      }
      open = false;
    }
    for (const g of group) {
      files.push(g.result);
      if (g.topicId !== null) changed.add(g.topicId);
      onResult?.(g.result);
    }
    group = [];
  };
  try {
    for (const file of dumps) {
      if (!open && group.length === 0) {
        open = ctx.store.beginGroup();
        openedAt = elapsedMs();
      }
      let entry: (typeof group)[number];
      try {
        const processed = await processDump(ctx, file, reader);
        entry = { file, ...processed };
      } catch (error) {
        // The store stayed busy (another writer) or failed: this file is not stored, the others are
        // tried all the same, and the feeds are written for what was stored.
        if (!(error instanceof StoreError)) throw error;
        entry = { file, result: notStored(file, error), topicId: null };
        if (open && !ctx.store.inGroup) {
          lose(error);
          open = false;
        }
      }
      group.push(entry);
      if (!open || group.length >= GROUP_DUMPS || elapsedMs() - openedAt >= GROUP_MS) settle();
    }
  } finally {
    settle();
    await reader?.close();
  }
  const { report: feeds, unmarked } = await publishFeeds(ctx, changed);
  return {
    files,
    feeds: { written: feeds.written, unchanged: feeds.unchanged },
    feedErrors: feeds.errors,
    warnings: [...feeds.warnings.map((w) => `WebSub hub: ${w}`), ...(unmarked ? [unmarked] : [])],
  };
}

/**
 * The fewest files for which `ingestPaths` reads ahead in a worker: a worker takes tens of milliseconds
 * to start (on the other core; the files before it are read here), and a cron run of a dump or two
 * would only pay for it.
 */
const READ_AHEAD_FILES = 16;

/** The most dumps stored in one transaction by `ingestPaths`, and the longest it stays open. */
const GROUP_DUMPS = 64;
const GROUP_MS = 250;

// Compiled once per config (a reload makes a new one), not once per dump: the custom topics' rules,
// and the slugs the config gives (a new page never takes one of those).
const compiled = new WeakMap<Config, { rules: ReturnType<typeof compileRules>; owners: Map<string, string> }>();
function perConfig(config: Config): { rules: ReturnType<typeof compileRules>; owners: Map<string, string> } {
  let entry = compiled.get(config);
  if (!entry) {
    entry = { rules: compileRules(config), owners: configSlugs(config) };
    compiled.set(config, entry);
  }
  return entry;
}

/**
 * Publishes the feeds of the topics that changed since the last complete publication (the store's
 * `published` mark, the config it used) plus `changed`, and moves the mark on when all was written.
 * No mark yet, or another config: every feed.
 */
export async function publishFeeds(ctx: Context, changed: Iterable<number> = []) {
  const mark = ctx.store.published.get('feeds');
  const configHash = feedsConfigHash(ctx.config);
  const upTo = ctx.store.dumps.lastId();
  const topics =
    mark && mark.configHash === configHash ? [...new Set([...ctx.store.dumps.topicsSince(mark.dumpId), ...changed])] : ('all' as const);
  const [report] = await publishAll(ctx, [feedsOutput()], { topics });
  let unmarked: string | null = null;
  if (report!.errors.length === 0) {
    try {
      ctx.store.published.set('feeds', { configHash, dumpId: upTo });
    } catch (error) {
      // The feeds are written; without the mark the next run renders more of them again, that is all.
      if (!(error instanceof StoreError)) throw error;
      unmarked = `feeds written but not marked as written (${error.message}): the next run renders them again`;
    }
  }
  return { report: report!, unmarked };
}

/** What of the config the feeds depend on (a change means every feed is rendered again). */
function feedsConfigHash(config: Config): string {
  const { feeds, ids, topics, customTopics } = config;
  return createHash('sha256')
    .update(JSON.stringify({ feeds, ids, topics, customTopics, version: FEEDS_VERSION }))
    .digest('hex');
}

/** Raised when the way feeds are rendered changes, so that stored marks from an older dumpfeed count as stale. */
const FEEDS_VERSION = 1;

/** Rebuilds the custom topics whose rule is new or changed since they were last built. */
export function reconcileCustomTopics(ctx: Context): string[] {
  return ctx.store.customTopics.reconcile(compileRules(ctx.config), ctx.now());
}

/**
 * Lists the dumps under the given paths: a file named on the command line is taken whatever its name;
 * a folder gives its dump files (source/dump-files.ts says which), sorted by name.
 */
export function expandPaths(paths: string[], isDump: (name: string) => boolean, onSkip?: (s: Skipped) => void): DumpPath[] {
  const out: DumpPath[] = [];
  for (const path of paths) {
    // A path that cannot be listed is passed on as a file: reading it reports why, in its place.
    const info = statOrNull(path);
    if (info?.isDirectory()) out.push(...listDumpFiles(path, isDump, onSkip));
    else out.push(path);
  }
  return out;
}
