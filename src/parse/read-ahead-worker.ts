import { workerData, type MessagePort } from 'node:worker_threads';
import { ParseError } from '../errors.js';
import type { DumpPath } from '../source/dump-files.js';
import { readDumpFile } from '../source/read-dump.js';
import { parseDumpBytes } from './parse-dump.js';
import type { ErrorData, ReadAnswer, ReadRequest } from './read-ahead.js';

/**
 * The worker thread of read-ahead.ts: reads, hashes and parses each file it is asked for, with the
 * pipeline's own functions, and answers with the parsed dump or the error that rejects it.
 */
const port = (workerData as { port: MessagePort }).port;
port.on('message', (request: ReadRequest) => {
  void answer(request).then((reply) => port.postMessage(reply));
});
port.postMessage({ ready: true } satisfies ReadAnswer);

async function answer({ index, file, options }: ReadRequest): Promise<ReadAnswer> {
  // A name that is not UTF-8 comes as its bytes; a Buffer arrives as a plain Uint8Array.
  const path: DumpPath = typeof file === 'string' ? file : { name: file.name, raw: Buffer.from(file.raw) };
  let dump;
  try {
    dump = await readDumpFile(path, options.maxBytes);
  } catch (error) {
    return { index, readError: errorData(error) };
  }
  const read = { index, sha256: dump.sha256, writtenAt: dump.writtenAt, bytes: dump.bytes.length };
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
