import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Config } from './config/schema.js';
import type { Context } from './context.js';
import { ParseError, StoreError } from './errors.js';
import type { DumpResult } from './model.js';
import { configSlugs } from './catalog/slugs.js';
import { assertDistinctSlugs } from './catalog/topics.js';
import { compileRules } from './identify/topic-rules.js';
import { parseDumpBytes } from './parse/parse-dump.js';
import { removeStaleTempFiles } from './sinks/feeds/write-file.js';
import type { FeedWriteReport } from './sinks/feeds/write-feeds.js';
import { feedsOutput, publishAll } from './sinks/outputs.js';
import { dumpNameFilter, listDumpFiles, shownPath, type DumpPath, type Skipped } from './source/dump-files.js';
import { readDumpFile } from './source/read-dump.js';
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
export async function processDump(ctx: Context, file: DumpPath): Promise<ProcessedDump> {
  const path = shownPath(file);
  const result = emptyResult(path);
  let dump;
  try {
    dump = await readDumpFile(file, ctx.config.source.maxBytes);
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
    parsed = parseDumpBytes(dump.bytes, path, ctx.config.source.encoding);
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

function emptyResult(file: string): DumpResult {
  return { file, topic: null, new: [], updated: [], unchanged: 0, duplicate: false, error: null, warnings: [] };
}

/** The outcome of an ingest run: one result per file, and the feed files written. */
export interface IngestReport {
  files: DumpResult[];
  feeds: FeedWriteReport;
  /** Why the feeds could not be written (the next run repairs them). */
  feedErrors: string[];
  /** Feeds the WebSub hub could not be told about. */
  hubFailures: string[];
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
  await removeStaleTempFiles(ctx.config.feeds.dir);
  const files: DumpResult[] = [];
  const changed = new Set<number>();
  const dumps = await expandPaths(paths, dumpNameFilter(ctx.config.source.pattern), onSkip);
  onFiles?.(dumps.length);
  for (const file of dumps) {
    let result: DumpResult;
    try {
      const processed = await processDump(ctx, file);
      result = processed.result;
      if (processed.topicId !== null) changed.add(processed.topicId);
    } catch (error) {
      // The store stayed busy (another writer) or failed: this file is not stored, the others are
      // tried all the same, and the feeds are written for what was stored.
      if (!(error instanceof StoreError)) throw error;
      result = { ...emptyResult(shownPath(file)), error: `not stored: ${error.message}; run again for this file`, errorKind: 'store' };
    }
    files.push(result);
    onResult?.(result);
  }
  const [feeds] = await publishFeeds(ctx, changed);
  return {
    files,
    feeds: { written: feeds!.written, unchanged: feeds!.unchanged },
    feedErrors: feeds!.errors,
    hubFailures: feeds!.warnings,
  };
}

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
  const reports = await publishAll(ctx, [feedsOutput()], { topics });
  if (reports[0]!.errors.length === 0) ctx.store.published.set('feeds', { configHash, dumpId: upTo });
  return reports;
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
export async function expandPaths(paths: string[], isDump: (name: string) => boolean, onSkip?: (s: Skipped) => void): Promise<DumpPath[]> {
  const out: DumpPath[] = [];
  for (const path of paths) {
    // A path that cannot be listed is passed on as a file: reading it reports why, in its place.
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory()) out.push(...(await listDumpFiles(path, isDump, onSkip)));
    else out.push(path);
  }
  return out;
}
