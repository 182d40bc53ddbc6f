import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { ParseError } from '../errors.js';
import type { ParsedDump, ParsedItem } from '../model.js';
import { keyedAlready } from '../normalize.js';
import type { DumpEncoding } from '../source/decode-dump.js';
import { shownPath, type DumpPath } from '../source/dump-files.js';
import { readDumpFile } from '../source/read-dump.js';
import { parseDumpBytes } from './parse-dump.js';

/**
 * Reading and parsing of dump files for the pipeline: each file when it is asked for, or, for a batch,
 * ahead of the pipeline in a worker thread. A batch's dumps are stored one after the other by one
 * connection, so the store's work cannot be shared out; the reading, hashing, decoding and parsing
 * (a third of a batch's time) can, and run on the machine's other core while the store takes the
 * dumps before them. The worker runs the same functions on the same bytes: what a dump parses to, or
 * the error it is rejected with, is the same either way.
 */

/** A dump file read: its content hash and time, and its parse (done when asked, or already done ahead). */
export interface ReadDump {
  sha256: string;
  writtenAt: string;
  /** The parsed dump; throws the ParseError that rejects it. */
  parse(): ParsedDump;
}

/** What reading and parsing a dump depends on (source.maxBytes and source.encoding). */
export interface ReadOptions {
  maxBytes: number;
  encoding: DumpEncoding;
}

/** The dumps of one run, read in the order given. */
export interface DumpReader {
  /** Reads the next file (the files are asked for in their order); throws the ParseError of an unreadable one. */
  read(file: DumpPath): Promise<ReadDump>;
  /** Stops reading ahead; the reader reads each file itself after this. */
  close(): Promise<void>;
}

/** A reader that reads ahead in a worker, and tells how it goes (for tests and benchmarks). */
export interface ReadAheadReader extends DumpReader {
  /** True once the worker has started; false when it cannot start or stopped first. */
  ready(): Promise<boolean>;
  /** How many of the files read so far the worker read and parsed. */
  readonly ahead: number;
}

/** Reads and parses a dump when it is asked for. */
export async function readNow(file: DumpPath, options: ReadOptions): Promise<ReadDump> {
  const dump = await readDumpFile(file, options.maxBytes);
  return { sha256: dump.sha256, writtenAt: dump.writtenAt, parse: () => detached(parseDumpBytes(dump.bytes, dump.path, options.encoding)) };
}

/**
 * The parsed dump with strings of its own. The parser's are slices of the dump's text, and a slice
 * keeps the whole text alive: what the pipeline keeps of a dump (the match cache's rows of its new
 * items, an ingest's results) held every text it came from, 48 KB a dump (a batch of 10,000 dumps
 * kept 485 MB; a daemon's match cache, the pages of the last few dumps of each topic). A dump from the
 * worker is a copy already.
 */
function detached(dump: ParsedDump): ParsedDump {
  return {
    topic: own(dump.topic),
    warnings: dump.warnings.map(own),
    items: dump.items.map((item) => ({
      title: own(item.title),
      date: item.date,
      endDate: item.endDate,
      summary: item.summary === null ? null : own(item.summary),
      category: item.category === null ? null : own(item.category),
      credit: item.credit === null ? null : own(item.credit),
      location: item.location === null ? null : own(item.location),
    })),
  };
}

/** A copy of a string: concatenated, then sliced, it is a string of its own (a slice of the copy). */
function own(text: string): string {
  return (' ' + text).slice(1);
}

/**
 * What the worker and the pipeline share (read-ahead-worker.ts): the files, and who reads each. The
 * worker goes down the files in order and claims each before it reads it; the pipeline, asking for a
 * file that has no answer yet, claims it itself when the worker has not, and reads it here. So the
 * pipeline waits only for a file that the worker is reading, and never asks it for anything: a
 * message a file was a wake-up of the worker, and the pipeline waited for a worker that had fallen
 * behind (a tenth of a batch's time, on a busy 2-core machine).
 */
export interface ReadAheadShared {
  port: MessagePort;
  files: readonly DumpPath[];
  options: ReadOptions;
  /** `[TAKEN]`: the files the pipeline has taken; `[HELD_KB]`: the size of the answers not yet taken; `[STOP]`: 1 to stop. */
  state: Int32Array;
  /** A file's reader: 0 for none yet, then `BY_WORKER` or `BY_PIPELINE`. */
  claims: Uint8Array;
}
export const TAKEN = 0;
export const HELD_KB = 1;
export const STOP = 2;
export const BY_WORKER = 1;
export const BY_PIPELINE = 2;

/**
 * A parsed dump as the worker sends it. A re-dump shows mostly the items of its page's dump before:
 * an item the same in every field as item j of the dump of the same page the worker sent last
 * (`base`, that file's index) is sent as j, and taken here as that very item. So nothing of it is
 * copied between the threads (the copying was a twelfth of a batch's main thread), and its strings
 * are those the pipeline keyed already. The items sent whole come with their title and summary keys
 * (`keys`, two an item, in order), made there. `forget` lists the files whose items no later dump
 * refers to.
 */
export interface SentDump {
  topic: string;
  warnings: string[];
  items: (ParsedItem | number)[];
  keys: (string | null)[];
  base: number | null;
  forget: number[];
}

/** The worker's answers: that it has started, then one a file it claimed, in their order. */
export type ErrorData =
  { parse: { file: string; reason: string; kind: ParseError['kind'] } } | { bug: { message: string; stack?: string } };
export type ReadAnswer = { ready: true } | SentAnswer;
type Read = { index: number; sha256: string; writtenAt: string; kb: number };
export type SentAnswer = { index: number; readError: ErrorData } | (Read & { parsed: SentDump }) | (Read & { parseError: ErrorData });
/** An answer as the pipeline takes it, its items whole. */
type FileAnswer = { index: number; readError: ErrorData } | (Read & { parsed: ParsedDump }) | (Read & { parseError: ErrorData });

/** The worker's file, compiled: the same from src/ (tests), dist/ and the CLI's bundles (whose code is dist/'s). */
const WORKER = new URL('../../dist/parse/read-ahead-worker.js', import.meta.url);
/**
 * How far the worker reads ahead of the pipeline: enough files to ride out a moment it is held up,
 * and no more while the dumps read and not yet taken are this large (source.maxBytes lets a dump be
 * 50 MB: four of them parsed ahead would hold half a gigabyte).
 */
export const WINDOW = 16;
export const WINDOW_KB = 8 * 1024;

/**
 * Reads `files` ahead in a worker thread. Until the worker has started (tens of milliseconds), and if
 * it cannot start or stops, each file is read when asked for, as by `readNow`.
 */
export function readAhead(files: readonly DumpPath[], options: ReadOptions, worker: URL = WORKER): ReadAheadReader {
  return new ReadAhead(files, options, worker);
}

class ReadAhead implements ReadAheadReader {
  ahead = 0;
  private worker: Worker | null;
  private started = false;
  private readonly startedOrGone: Promise<boolean>;
  private settle: (started: boolean) => void = () => {};
  private readonly port: MessagePort;
  private readonly state = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  private readonly claims: Uint8Array;
  /** The index of the next file asked for. */
  private next = 0;
  /** Answers come in order; those of files not asked for yet wait here. */
  private readonly answers = new Map<number, FileAnswer>();
  /** The items of the dumps the worker sent that later ones may refer to, by file index. */
  private readonly sent = new Map<number, ParsedItem[]>();
  /** The file the pipeline waits for, and what to call with its answer (null: the worker is gone). */
  private waiting: { index: number; resolve: (answer: FileAnswer | null) => void } | null = null;

  constructor(
    private readonly files: readonly DumpPath[],
    private readonly options: ReadOptions,
    url: URL,
  ) {
    this.startedOrGone = new Promise((resolve) => (this.settle = resolve));
    this.claims = new Uint8Array(new SharedArrayBuffer(Math.max(1, files.length)));
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    let worker: Worker | null = null;
    try {
      const shared: ReadAheadShared = { port: port2, files, options, state: this.state, claims: this.claims };
      worker = new Worker(url, { workerData: shared, transferList: [port2] });
    } catch {
      worker = null;
    }
    this.worker = worker;
    if (!worker) {
      this.stop();
      return;
    }
    // Answers come in here while the pipeline waits for one, and are taken as they are (`take`) when
    // it does not: a batch's pipeline never waits for anything else, so the worker's first message
    // (that it has started) would otherwise wait for the whole batch.
    port1.on('message', (answer: ReadAnswer) => this.receive(answer));
    port1.unref();
    // A worker that fails or ends leaves the files it claimed and did not answer to be read here. What
    // it answered before it ended is in the port already.
    const gone = (): void => {
      this.take();
      this.stop();
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    worker.unref();
  }

  async read(file: DumpPath): Promise<ReadDump> {
    const index = this.next++;
    const expected = this.files[index];
    if (expected !== file)
      throw new Error(`read-ahead: asked for ${shownPath(file)} where file ${index} is ${expected && shownPath(expected)}`);
    this.take();
    let got = this.answers.get(index) ?? null;
    // Not answered: read here unless the worker is reading it.
    if (got === null && this.worker !== null && Atomics.compareExchange(this.claims, index, 0, BY_PIPELINE) === BY_WORKER) {
      // Held by the port while it waits: nothing else may be keeping the process alive.
      this.port.ref();
      got = await new Promise<FileAnswer | null>((resolve) => {
        this.waiting = { index, resolve };
        // It may have come since.
        this.take();
      });
      this.port.unref();
    }
    this.answers.delete(index);
    if (got !== null && 'kb' in got) Atomics.sub(this.state, HELD_KB, got.kb);
    Atomics.store(this.state, TAKEN, index + 1);
    Atomics.notify(this.state, TAKEN);
    if (got === null) return readNow(file, this.options);
    this.ahead++;
    return fromAnswer(got);
  }

  ready(): Promise<boolean> {
    this.port.ref();
    return this.startedOrGone.finally(() => this.port.unref());
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.stop();
    if (worker) await worker.terminate();
  }

  /** The worker's messages that have come: taken now, without waiting for a turn of the event loop. */
  private take(): void {
    if (!this.worker) return;
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) this.receive(m.message as ReadAnswer);
  }

  private receive(message: ReadAnswer): void {
    if ('ready' in message) {
      this.started = true;
      this.settle(true);
      return;
    }
    const answer = this.whole(message);
    if (this.waiting?.index === answer.index) {
      this.waiting.resolve(answer);
      this.waiting = null;
    } else this.answers.set(answer.index, answer);
  }

  /** The answer with the items it refers to by position taken from the dump they are in. */
  private whole(answer: SentAnswer): FileAnswer {
    if (!('parsed' in answer)) return answer;
    const { topic, warnings, items, keys, base, forget } = answer.parsed;
    const before = base === null ? undefined : this.sent.get(base);
    let k = 0;
    const whole = items.map((item) => {
      if (typeof item !== 'number') {
        keyedAlready(item, keys[k]!, keys[k + 1]!);
        k += 2;
        return item;
      }
      const same = before?.[item];
      if (same === undefined) throw new Error(`read-ahead: file ${answer.index} refers to item ${item} of file ${base}, which is not held`);
      return same;
    });
    this.sent.set(answer.index, whole);
    for (const index of forget) this.sent.delete(index);
    return { ...answer, parsed: { topic, warnings, items: whole } };
  }

  private stop(): void {
    this.worker = null;
    Atomics.store(this.state, STOP, 1);
    Atomics.notify(this.state, TAKEN);
    this.port.close();
    this.settle(this.started);
    this.waiting?.resolve(null);
    this.waiting = null;
  }
}

function fromAnswer(answer: FileAnswer): ReadDump {
  if ('readError' in answer) throw toError(answer.readError);
  return {
    sha256: answer.sha256,
    writtenAt: answer.writtenAt,
    parse: () => {
      if ('parseError' in answer) throw toError(answer.parseError);
      return answer.parsed;
    },
  };
}

function toError(data: ErrorData): Error {
  if ('parse' in data) return new ParseError(data.parse.file, data.parse.reason, data.parse.kind);
  const error = new Error(data.bug.message);
  if (data.bug.stack) error.stack = data.bug.stack;
  return error;
}
