import { workerData } from 'node:worker_threads';
import { ParseError } from '../errors.js';
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
  type FileAnswer,
  type ReadAheadShared,
  type ReadAnswer,
} from './read-ahead.js';

/**
 * The worker thread of read-ahead.ts: goes down the files, claims each that the pipeline has not,
 * reads, hashes and parses it with the pipeline's own functions, and answers with the parsed dump or
 * the error that rejects it; never more than WINDOW files, or WINDOW_KB of answers, ahead of the
 * pipeline. It does nothing else, so it waits for the pipeline blocking (Atomics.wait).
 */
const { port, files, options, state, claims } = workerData as ReadAheadShared;

/** Whether file `index` is within the window of the pipeline, which has taken `taken` files. */
function inWindow(index: number, taken: number): boolean {
  return index - taken < WINDOW && Atomics.load(state, HELD_KB) < WINDOW_KB;
}

/** The next file to read from `from` on, claimed; -1 at the end, or when told to stop. */
function claimNext(from: number): number {
  for (let index = from; index < files.length;) {
    if (Atomics.load(state, STOP) !== 0) return -1;
    const taken = Atomics.load(state, TAKEN);
    if (index < taken) index = taken;
    else if (!inWindow(index, taken)) Atomics.wait(state, TAKEN, taken, 1000);
    else if (Atomics.compareExchange(claims, index, 0, BY_WORKER) === 0) return index;
    else index++;
  }
  return -1;
}

/** Claims `index` if it may be read now, without waiting. */
function claimNow(index: number): boolean {
  const taken = Atomics.load(state, TAKEN);
  return index < files.length && index >= taken && inWindow(index, taken) && Atomics.compareExchange(claims, index, 0, BY_WORKER) === 0;
}

// The first file is claimed before the pipeline hears that the worker has started: asking for it
// then, the pipeline waits for its answer rather than reading it too.
let index = claimNext(0);
port.postMessage({ ready: true } satisfies ReadAnswer);
while (index >= 0) {
  const reply = answer(index, files[index]!);
  if ('kb' in reply) Atomics.add(state, HELD_KB, reply.kb);
  // The next file is claimed before this one is answered, for the same reason.
  const next = claimNow(index + 1) ? index + 1 : -1;
  port.postMessage(reply);
  index = next >= 0 ? next : claimNext(index + 1);
}

function answer(index: number, file: DumpPath): FileAnswer {
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
    return { ...read, parsed: parseDumpBytes(dump.bytes, dump.path, options.encoding) };
  } catch (error) {
    return { ...read, parseError: errorData(error) };
  }
}

function errorData(error: unknown): ErrorData {
  if (error instanceof ParseError) return { parse: { file: error.file, reason: error.reason, kind: error.kind } };
  const e = error instanceof Error ? error : new Error(String(error));
  return { bug: { message: e.message, stack: e.stack } };
}
