import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { BIN } from '../cli/run-cli.js';

export interface LogLine {
  level: number;
  /** A stable name of what happened (`dump-processed`): tests wait on it, never on a message's wording. */
  event?: string;
  msg: string;
  file?: string;
  [key: string]: unknown;
}

/** The default config of a daemon under test: everything relative to its folder, short timings. */
export function writeWatchConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const config = {
    source: { inbox: 'inbox' },
    store: { path: 'state.db', busyTimeoutMs: 100 },
    feeds: { dir: 'feeds' },
    watch: { stabilityMs: 150, retryMaxMs: 400 },
    ...extra,
  };
  const path = join(dir, 'dumpfeed.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** A real `dumpfeed watch` process, with its JSON log lines collected as they come. */
export class WatchProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  constructor(
    readonly dir: string,
    args: string[] = [],
    env: Record<string, string> = {},
  ) {
    this.child = spawn(process.execPath, [BIN, 'watch', '--config', 'dumpfeed.json', '--log-level', 'debug', ...args], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim()) this.lines.push(JSON.parse(line) as LogLine);
      }
      this.wake();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.wake();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => this.wake());
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /**
   * Waits until `condition` holds (a file on disk, say), checked at each output of the process and
   * every 20 ms; resolves early when the process exits, fails with the log after `timeoutMs`.
   */
  async waitUntil(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition() && this.running) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a condition; log: ${this.tail()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 20));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until `count` log lines match, failing with the log after `timeoutMs`. */
  async waitFor(match: (l: LogLine) => boolean, count = 1, timeoutMs = 15_000): Promise<LogLine[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.filter(match);
      if (found.length >= count) return found;
      if (!this.running) throw new Error(`watch exited while waiting; stderr: ${this.stderr}\nlog: ${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting (${found.length}/${count}); log: ${this.tail()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The events of the log lines, for assertions on what happened in which order. */
  events(): (string | undefined)[] {
    return this.lines.map((l) => l.event);
  }

  tail(n = 15): string {
    return this.lines
      .slice(-n)
      .map((l) => JSON.stringify(l).slice(0, 300))
      .join('\n');
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }
}

/** Logged when a dump was stored, with its counts. */
export const processed = (file?: string) => (l: LogLine) =>
  l.event === 'dump-processed' && (file === undefined || l.file?.endsWith(file) === true);
/** Logged when a dump was rejected, with its reason. */
export const rejected = (file?: string) => (l: LogLine) =>
  l.event === 'dump-rejected' && (file === undefined || l.file?.endsWith(file) === true);

/**
 * For a test file: a function that starts real `dumpfeed watch` processes, every one of which still
 * running after a test is killed (SIGKILL) before the next test starts.
 */
export function watchProcesses(): (dir: string, args?: string[], env?: Record<string, string>) => WatchProcess {
  const running: WatchProcess[] = [];
  afterEach(async () => {
    for (const w of running.splice(0)) {
      if (!w.running) continue;
      w.signal('SIGKILL');
      await w.exited;
    }
  });
  return (dir, args = [], env = {}) => {
    const w = new WatchProcess(dir, args, env);
    running.push(w);
    return w;
  };
}
