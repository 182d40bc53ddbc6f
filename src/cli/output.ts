import { fstatSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import type ttyModule from 'node:tty';

/**
 * The CLI's standard output and error: text written straight to file descriptors 1 and 2, not through
 * `process.stdout` and `process.stderr`, whose first use builds a stream (for a pipe, with Node's socket
 * code): about 5 ms of every cron run, a tenth of what a command may add to Node's own start.
 *
 * - The writes are synchronous, as Node's own are for files, pipes and terminals on Linux and macOS.
 * - A reader that went away (`dumpfeed ingest dumps | head -1`, EPIPE) silences that output; the
 *   command goes on to the end, storing every dump and writing the feeds.
 * - A full non-blocking pipe (EAGAIN: the descriptor was inherited non-blocking) hands the rest of the
 *   output to the process stream, which waits for the reader.
 */
export interface Output {
  write(text: string): void;
  /** Whether the descriptor is a terminal; a pipe or a file is told from its type alone. */
  readonly isTTY: boolean;
}

/** An Output on descriptor `fd`; `processStream` gives the stream to hand over to (process.stdout for 1). */
export function fdOutput(fd: number, processStream: () => NodeJS.WritableStream): Output {
  return new FdOutput(fd, processStream);
}

class FdOutput implements Output {
  private closed = false;
  private stream: NodeJS.WritableStream | null = null;
  private tty: boolean | undefined;

  constructor(
    private readonly fd: number,
    private readonly processStream: () => NodeJS.WritableStream,
  ) {}

  get isTTY(): boolean {
    return (this.tty ??= isTerminal(this.fd));
  }

  write(text: string): void {
    if (this.closed) return;
    if (this.stream) {
      this.stream.write(text);
      return;
    }
    const bytes = Buffer.from(text);
    let done = 0;
    while (done < bytes.length) {
      try {
        done += writeSync(this.fd, bytes, done);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          this.closed = true;
          return;
        }
        if (code !== 'EAGAIN') throw error;
        this.toStream().write(bytes.subarray(done));
        return;
      }
    }
  }

  private toStream(): NodeJS.WritableStream {
    const stream = this.processStream();
    onReaderGone(stream, () => (this.closed = true));
    return (this.stream = stream);
  }
}

/**
 * Whether a descriptor is a terminal. Pipes, sockets and files (cron, a log, a mail pipe) are told by
 * their type; only a character device (a terminal, or /dev/null) needs `tty.isatty`, whose module
 * loads Node's socket code.
 */
function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return (createRequire(import.meta.url)('node:tty') as typeof ttyModule).isatty(fd);
}

/**
 * For the commands that run for long (watch, serve), whose logger, or Node itself with a warning,
 * may write to the process streams: a reader that went away silences a stream instead of ending the
 * process with an unhandled error.
 */
export function silenceClosedProcessStreams(): void {
  for (const stream of [process.stdout, process.stderr]) onReaderGone(stream, () => (stream.write = () => true));
}

/** Runs `silence` when the stream's reader went away (EPIPE); any other error of the stream is thrown. */
function onReaderGone(stream: NodeJS.WritableStream, silence: () => void): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    silence();
  });
}

export const stdout: Output = fdOutput(1, () => process.stdout);
export const stderr: Output = fdOutput(2, () => process.stderr);
