import { workerData } from 'node:worker_threads';
import { ParseError } from '../errors.js';
import { sameContent, type ParsedDump, type ParsedItem } from '../model.js';
import { summaryKey, titleKey } from '../normalize.js';
import type { DumpPath } from '../source/dump-files.js';
import { readDumpFileSync } from '../source/read-dump.js';
import { parseDumpBytes } from './parse-dump.js';
import {
  BY_WORKER,
  HELD_KB,
  STOP,
  TAKEN,
  WINDOW,
  WINDOW_KB,
  type ErrorData,
  type ReadAheadShared,
  type ReadAnswer,
  type SentAnswer,
  type SentDump,
} from './read-ahead.js';

/**
 * The worker thread of read-ahead.ts: goes down the files, claims each that the pipeline has not,
 * reads, hashes and parses it with the pipeline's own functions, and answers with the parsed dump or
 * the error that rejects it; never more than WINDOW files, or WINDOW_KB of answers, ahead of the
 * pipeline. It does nothing else, so it waits for the pipeline blocking (Atomics.wait).
 */
const { port, files, options, state, claims } = workerData as ReadAheadShared;

/** The dump sent last for each page (by its heading), in the order sent, whose items the next dump of that page refers to. */
const sent = new Map<string, { index: number; items: ParsedItem[] }>();
/** Pages held so: a batch of many pages holds no more than this many dumps (on both threads). */
const PAGES_HELD = 64;

/** Whether file `index` is within the window of the pipeline, which has taken `taken` files. */
function inWindow(index: number, taken: number): boolean {
  return index - taken < WINDOW && Atomics.load(state, HELD_KB) < WINDOW_KB;
}

/**
 * The next file from `from` on that neither thread has claimed, claimed now; -1 at the end. A file
 * is claimed before the worker waits for it to come within the window, so that the pipeline, coming
 * to it, waits for its answer instead of reading it too: otherwise a pipeline that caught up with a
 * worker waiting at the window's edge read the next file itself (and a file the worker has not begun
 * because it fell behind is still the pipeline's to take).
 */
function claimFrom(from: number): number {
  for (let index = Math.max(from, Atomics.load(state, TAKEN)); index < files.length; index++) {
    if (Atomics.compareExchange(claims, index, 0, BY_WORKER) === 0) return index;
  }
  return -1;
}

/** Waits until file `index` is within the window of the pipeline; false when told to stop. */
function waitForWindow(index: number): boolean {
  for (;;) {
    if (Atomics.load(state, STOP) !== 0) return false;
    const taken = Atomics.load(state, TAKEN);
    if (inWindow(index, taken)) return true;
    Atomics.wait(state, TAKEN, taken, 1000);
  }
}

// The first file is claimed before the pipeline hears that the worker has started: asking for it
// then, the pipeline waits for its answer rather than reading it too.
let index = claimFrom(0);
port.postMessage({ ready: true } satisfies ReadAnswer);
while (index >= 0 && waitForWindow(index)) {
  const reply = answer(index, files[index]!);
  if ('kb' in reply) Atomics.add(state, HELD_KB, reply.kb);
  // The next file is claimed before this one is answered, for the same reason.
  const next = claimFrom(index + 1);
  port.postMessage(reply);
  index = next;
}

function answer(index: number, file: DumpPath): SentAnswer {
  // A name that is not UTF-8 comes as its bytes; a Buffer arrives as a plain Uint8Array.
  const path: DumpPath = typeof file === 'string' ? file : { name: file.name, raw: Buffer.from(file.raw) };
  let dump;
  try {
    dump = readDumpFileSync(path, options.maxBytes);
  } catch (error) {
    return { index, readError: errorData(error) };
  }
  const read = { index, sha256: dump.sha256, writtenAt: dump.writtenAt, kb: Math.ceil(dump.bytes.length / 1024) };
  try {
    return { ...read, parsed: toSend(index, parseDumpBytes(dump.bytes, dump.path, options.encoding)) };
  } catch (error) {
    return { ...read, parseError: errorData(error) };
  }
}

/** The dump as sent (SentDump): its items that are the same as in the page's dump sent before, by position. */
function toSend(index: number, dump: ParsedDump): SentDump {
  const before = sent.get(dump.topic);
  const forget: number[] = [];
  let items: (ParsedItem | number)[] = dump.items;
  if (before) {
    const byTitle = new Map<string, number>();
    before.items.forEach((item, j) => {
      if (!byTitle.has(item.title)) byTitle.set(item.title, j);
    });
    // Each of the dump before is referred to once at most: two equal items of a dump stay two objects.
    items = dump.items.map((item) => {
      const j = byTitle.get(item.title);
      if (j === undefined || !sameContent(before.items[j]!, item)) return item;
      byTitle.delete(item.title);
      return j;
    });
    sent.delete(dump.topic);
    forget.push(before.index);
  } else if (sent.size >= PAGES_HELD) {
    const [topic, oldest] = sent.entries().next().value!;
    sent.delete(topic);
    forget.push(oldest.index);
  }
  sent.set(dump.topic, { index, items: dump.items });
  const keys: (string | null)[] = [];
  for (const item of items) if (typeof item !== 'number') keys.push(titleKey(item.title), summaryKey(item.summary));
  return { topic: dump.topic, warnings: dump.warnings, items, keys, base: before?.index ?? null, forget };
}

function errorData(error: unknown): ErrorData {
  if (error instanceof ParseError) return { parse: { file: error.file, reason: error.reason, kind: error.kind } };
  const e = error instanceof Error ? error : new Error(String(error));
  return { bug: { message: e.message, stack: e.stack } };
}
