import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/schema.js';
import { DumpfeedError } from '../../errors.js';

/**
 * `watch --serve` answers HTTP in a process of its own (server-child.ts), started and stopped by the
 * daemon. The daemon parses dumps, writes the store and the feeds and builds digests, seconds of work
 * in a burst; readers would wait for all of it if the same thread answered them. The server has its
 * own read-only connection to the store (SQLite in WAL mode: readers never wait for the writer), so a
 * page or a feed is served while a dump is being stored.
 *
 * A process, not a worker thread: measured on Node 20, an HTTP server in a worker thread made the main
 * thread spend as much CPU as the worker itself (5 s each for 150,000 requests of a bare server, against
 * 0 s with a child process), which on two cores took that time from the dumps. It stays one command,
 * one unit and one health report; the child ends when the daemon does, even after a kill -9 (its
 * channel to the daemon closes).
 */

/** Messages to the server process. */
export type ToServer =
  { type: 'config'; config: Config } | { type: 'health'; id: number; health: Record<string, unknown> } | { type: 'stop' };

/** Messages from the server process. */
export type FromServer =
  | { type: 'listening'; port: number }
  | { type: 'failed'; where: string; message: string }
  | { type: 'health?'; id: number }
  | { type: 'unsubscribed'; address: string; via: 'one-click' | 'page' };

/** The running server process. */
export interface ServerProcess {
  /** The port it listens on. */
  port: number;
  /** Hands it the config after a reload. */
  reload(config: Config): void;
  /** Stops answering, closes its connections and store; resolves when the process has ended. */
  close(): Promise<void>;
}

/** What the server process asks of the daemon. */
export interface ServerProcessHooks {
  health: () => Record<string, unknown>;
  unsubscribed: (address: string, via: 'one-click' | 'page') => void;
  /** The process failed after it started (it crashed): serving has stopped. */
  failed: (error: Error) => void;
}

/** Starts the server process; resolves once it listens, or rejects with the one-line reason it could not. */
export function startServerProcess(config: Config, host: string, port: number, hooks: ServerProcessHooks): Promise<ServerProcess> {
  const child = fork(fileURLToPath(new URL('./server-child.js', import.meta.url)), [JSON.stringify({ config, host, port })], {
    // Its access log goes to the daemon's standard output directly; nothing else is read from it.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let listening = false;
    let stopping = false;
    child.on('message', (message: FromServer) => {
      if (message.type === 'listening') {
        listening = true;
        resolve({
          port: message.port,
          reload: (next) => {
            if (child.connected) child.send({ type: 'config', config: next } satisfies ToServer);
          },
          close: async () => {
            stopping = true;
            if (child.connected) child.send({ type: 'stop' } satisfies ToServer);
            await exited;
          },
        });
      } else if (message.type === 'failed') reject(new DumpfeedError(message.where, message.message));
      else if (message.type === 'health?') {
        if (child.connected) child.send({ type: 'health', id: message.id, health: hooks.health() } satisfies ToServer);
      } else if (message.type === 'unsubscribed') hooks.unsubscribed(message.address, message.via);
    });
    // An error and the exit that follows it are one failure, reported once (a start that fails rejects).
    let reported = false;
    const fail = (error: Error): void => {
      if (!listening) reject(error);
      else if (!stopping && !reported) {
        reported = true;
        hooks.failed(error);
      }
    };
    child.on('error', fail);
    void exited.then((code) =>
      fail(
        listening
          ? new Error(`the web server exited (code ${code})`)
          : new DumpfeedError('serve', `the web server did not start (exit code ${code})`),
      ),
    );
  });
}
