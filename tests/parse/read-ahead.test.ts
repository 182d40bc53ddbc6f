import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { itemSummaryKey, itemTitleKey, summaryKey, titleKey } from '../../src/identify/item-key.js';
import type { ParsedDump } from '../../src/model.js';
import { BY_WORKER, readAhead, readNow, STOP, TAKEN, type DumpReader, type ReadOptions } from '../../src/parse/read-ahead.js';
import { ingestPaths, processDump } from '../../src/pipeline.js';
import { redumpSeries, seedFiles, storeSnapshot, tempDir, testContext, writeDump } from '../helpers.js';

const OPTIONS: ReadOptions = { maxBytes: 200_000, encoding: 'auto' };

/** Dumps good and bad: re-dumps, the seeds, and one file for each way a dump is refused. */
function mixedFolder(): string[] {
  const dir = tempDir();
  const files = redumpSeries(12).map(([name, text], i) => writeDump(dir, name, text, `2026-01-01T00:${String(i).padStart(2, '0')}:00Z`));
  for (const seed of seedFiles()) files.push(writeDump(dir, `seed-${seed.split('/').pop()}`, readFileSync(seed)));
  const page = readFileSync(seedFiles()[0]!, 'utf8');
  files.push(writeDump(dir, 'empty.txt', ''));
  files.push(writeDump(dir, 'blank.txt', '  \n\n  '));
  files.push(writeDump(dir, 'binary.txt', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3])));
  files.push(writeDump(dir, 'latin1.txt', Buffer.from('Press releases\n\n\n  1. Caf\xe9 workers\n\n    1 March 2026\n', 'latin1')));
  files.push(writeDump(dir, 'no-items.txt', 'Press releases\n\nNothing here yet.\n'));
  files.push(writeDump(dir, 'huge.txt', page.repeat(Math.ceil(OPTIONS.maxBytes / page.length) + 1)));
  files.push(writeDump(dir, 'cut.txt', page.slice(0, page.indexOf('  2. ') + 9)));
  files.push(writeDump(dir, 'cut-in-a-character.txt', Buffer.from(page, 'utf8').subarray(0, Buffer.byteLength(page.slice(0, 500)) + 1)));
  mkdirSync(join(dir, 'folder.txt'));
  files.push(join(dir, 'folder.txt'));
  files.push(join(dir, 'missing.txt'));
  return files;
}

/** What reading and parsing a file gives, as data: its hash, time and parse, or the error. */
async function outcome(reader: DumpReader | null, file: string, options = OPTIONS): Promise<unknown> {
  const error = (e: unknown): unknown => {
    if (!(e instanceof ParseError)) throw e;
    return { file: e.file, reason: e.reason, kind: e.kind, message: e.message };
  };
  let read;
  try {
    read = await (reader ? reader.read(file) : readNow(file, options));
  } catch (e) {
    return { readError: error(e) };
  }
  try {
    return { sha256: read.sha256, writtenAt: read.writtenAt, parsed: read.parse() };
  } catch (e) {
    return { sha256: read.sha256, writtenAt: read.writtenAt, parseError: error(e) };
  }
}

/** Every file's outcome through `reader` (which is closed after), and read here: the two to compare. */
async function bothWays(reader: DumpReader, files: string[], options = OPTIONS): Promise<{ got: unknown[]; here: unknown[] }> {
  const got = [];
  for (const file of files) got.push(await outcome(reader, file));
  await reader.close();
  const here = [];
  for (const file of files) here.push(await outcome(null, file, options));
  return { got, here };
}

/**
 * Reads the mixed folder through a stand-in worker (its module's `lines`, after importing `workerData`)
 * that starts and reads nothing: every file is read here, as it would be without a worker.
 */
async function readThroughStandIn(lines: string[]): Promise<void> {
  const files = mixedFolder();
  const script = join(tempDir(), 'stand-in.mjs');
  writeFileSync(script, ["import { workerData } from 'node:worker_threads';", ...lines].join('\n'));
  const reader = readAhead(files, OPTIONS, pathToFileURL(script));
  expect(await reader.ready()).toBe(true);
  const { got, here } = await bothWays(reader, files);
  expect(reader.ahead).toBe(0);
  expect(got).toEqual(here);
}

describe('reading ahead in a worker thread', () => {
  it('gives for every file what reading it here gives: the parse, or the same error', async () => {
    const files = mixedFolder();
    const reader = readAhead(files, OPTIONS);
    expect(await reader.ready()).toBe(true);
    const { got, here } = await bothWays(reader, files);
    // The worker was ready before the first file: it read them all.
    expect(reader.ahead).toBe(files.length);
    expect(got).toEqual(here);
    // Each way of failing is there, so the comparison covers them.
    const kinds = here.map((o) => JSON.stringify(o).match(/"kind":"([a-z-]+)"/)?.[1] ?? 'ok');
    expect(new Set(kinds)).toEqual(new Set(['ok', 'empty', 'binary', 'encoding', 'no-items', 'too-large', 'unreadable']));
  });

  it('gives the same for large dumps, more than it reads ahead at once, with small ones between', async () => {
    const dir = tempDir();
    const page = readFileSync(seedFiles()[0]!, 'utf8');
    const items = page.slice(page.indexOf('  1. '));
    // 3 MB pages: more than the bytes it reads ahead, two together; small dumps between them.
    const big = (n: number): string => `Press releases ${n}\n\n\n${items.repeat(Math.ceil((3 * 1024 * 1024) / items.length))}`;
    const files = [];
    for (let i = 0; i < 8; i++) {
      files.push(writeDump(dir, `${i}-big.txt`, big(i)));
      files.push(writeDump(dir, `${i}-small.txt`, page.replace('Press releases', `Press releases ${i}`)));
    }
    const options = { ...OPTIONS, maxBytes: 10_000_000 };
    const reader = readAhead(files, options);
    expect(await reader.ready()).toBe(true);
    const { got, here } = await bothWays(reader, files, options);
    expect(reader.ahead).toBeGreaterThan(0);
    expect(here.every((o) => 'parsed' in (o as object))).toBe(true);
    expect(got).toEqual(here);
  });

  it("takes a re-dump's unchanged items as the objects of its page's dump before, and parses the same past the pages it holds", async () => {
    const dir = tempDir();
    const series = redumpSeries(3);
    const files = series.map(([name, text]) => writeDump(dir, name, text));
    // More pages than the worker holds a dump of (64), then the first page again: its items in full.
    const other = readFileSync(seedFiles()[1]!, 'utf8');
    for (let i = 0; i < 70; i++) files.push(writeDump(dir, `page-${i}.txt`, other.replace(/^.*$/m, `Page ${i}`)));
    files.push(writeDump(dir, 'again.txt', series[2]![1].replace('Breaking item number 2', 'Breaking item number 3')));
    const reader = readAhead(files, OPTIONS);
    expect(await reader.ready()).toBe(true);
    // A pipeline held up at the first file, so that the worker runs to the edge of its window and
    // waits there, then one that takes every file at once: it comes to the file past the edge before
    // the worker wakes, and finds it claimed (the worker claims a file before it waits for it).
    const held = await outcome(reader, files[0]!);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rest = await bothWays(reader, files.slice(1));
    const [got, here] = [
      [held, ...rest.got],
      [await outcome(null, files[0]!), ...rest.here],
    ];
    expect(reader.ahead).toBe(files.length);
    expect(got).toEqual(here);
    const items = (o: unknown) => (o as { parsed: ParsedDump }).parsed.items;
    const [first, second] = [items(got[0]), items(got[1])];
    // The second dump shows the first's items after its new one: each is the same object.
    expect(second.length).toBe(first.length + 1);
    second.slice(1).forEach((item, i) => expect(item).toBe(first[i]));
    expect(items(got[files.length - 1]).some((item) => items(got[2]).includes(item))).toBe(false);
    // Two equal items in one dump stay two objects.
    const item = (n: number, title: string): string => `  ${n}. ${title}\n\n    1 December 2021\n\n    About ${title}.\n\n`;
    const before = writeDump(dir, 'before.txt', `Updates\n\n\n${item(1, 'One')}${item(2, 'Other')}`);
    const twice = writeDump(dir, 'twice.txt', `Updates\n\n\n${item(1, 'One')}${item(2, 'Other')}${item(3, 'Other')}`);
    const again = readAhead([before, twice], OPTIONS);
    expect(await again.ready()).toBe(true);
    const [first2, second2] = [(await again.read(before)).parse().items, (await again.read(twice)).parse().items];
    await again.close();
    expect(second2[1]).toBe(first2[1]);
    expect(second2[2]).toEqual(first2[1]);
    expect(second2[2]).not.toBe(second2[1]);
    // The keys the worker made for the items it sent whole are those made here.
    for (const item of got.flatMap(items)) {
      expect(itemTitleKey(item)).toBe(titleKey(item.title));
      expect(itemSummaryKey(item)).toBe(summaryKey(item.summary));
    }
  });

  it('reads each file here when the worker cannot start', async () => {
    const files = mixedFolder();
    const reader = readAhead(files, OPTIONS, pathToFileURL(join(tempDir(), 'no-such-worker.js')));
    expect(await reader.ready()).toBe(false);
    const { got, here } = await bothWays(reader, files);
    expect(reader.ahead).toBe(0);
    expect(got).toEqual(here);
  });

  it('reads here the file a worker that stops midway had claimed, and every file after', async () => {
    // A worker that claims the first file, says it has started, and ends.
    await readThroughStandIn([
      `Atomics.store(workerData.claims, 0, ${BY_WORKER});`,
      'workerData.port.postMessage({ ready: true });',
      'process.exit(3);',
    ]);
  });

  it('reads here each file a worker that has fallen behind has not begun, instead of waiting for it', async () => {
    // A worker that starts, then claims nothing until it is told to stop.
    await readThroughStandIn([
      'const { state } = workerData;',
      'workerData.port.postMessage({ ready: true });',
      `while (Atomics.load(state, ${STOP}) === 0) Atomics.wait(state, ${TAKEN}, Atomics.load(state, ${TAKEN}), 1000);`,
    ]);
  });

  it('an ingest of a batch stores what storing its dumps one at a time stores', async () => {
    const files = mixedFolder();
    const batch = testContext();
    await ingestPaths(batch, [files[0]!.replace(/\/[^/]+$/, '')]);
    const single = testContext();
    // What a folder lists (the files, not the folder in it), in its order.
    const names = files.filter((f) => !f.endsWith('missing.txt') && !f.endsWith('folder.txt')).sort();
    for (const file of names) await processDump(single, file);
    const mask = (snapshot: Record<string, unknown[]>): Record<string, unknown[]> =>
      JSON.parse(JSON.stringify(snapshot).replaceAll(batch.dir, 'DIR').replaceAll(single.dir, 'DIR'));
    expect(mask(storeSnapshot(batch.store))).toEqual(mask(storeSnapshot(single.store)));
  });
});
