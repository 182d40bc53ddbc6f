import { UsageError } from '../errors.js';
import type { DumpResult } from '../model.js';
import { ingestPaths } from '../pipeline.js';
import { printable } from '../source/dump-files.js';
import { openContext } from './context.js';
import { type Output, stderr, stdout } from './output.js';

/** Options of `dumpfeed ingest`. */
export interface IngestArgs {
  positionals: string[];
  config?: string | undefined;
  db?: string | undefined;
  out?: string | undefined;
  json?: boolean | undefined;
  verbose?: boolean | undefined;
}

/** What a run did, for the closing line: dumps stored (with changes), already processed, rejected by reason. */
export interface Tally {
  files: number;
  stored: number;
  changed: number;
  duplicates: number;
  rejected: number;
  reasons: Record<string, number>;
}

/** Counts the results of a run. */
export function tally(results: DumpResult[]): Tally {
  const t: Tally = { files: results.length, stored: 0, changed: 0, duplicates: 0, rejected: 0, reasons: {} };
  for (const r of results) {
    if (r.error !== null) {
      t.rejected++;
      const reason = r.errorKind ?? 'other';
      t.reasons[reason] = (t.reasons[reason] ?? 0) + 1;
    } else if (r.duplicate) t.duplicates++;
    else {
      t.stored++;
      if (r.new.length + r.updated.length > 0) t.changed++;
    }
  }
  return t;
}

/** `5000 files: 4700 stored (1200 with new or updated items), 38 already processed, 262 rejected (200 no-items, 62 truncated)`. */
export function tallyLine(t: Tally): string {
  const reasons = Object.entries(t.reasons)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
  return (
    `${t.files} file${t.files === 1 ? '' : 's'}: ${t.stored} stored (${t.changed} with new or updated items), ` +
    `${t.duplicates} already processed, ${t.rejected} rejected${t.rejected ? ` (${reasons})` : ''}`
  );
}

/**
 * A progress line on a terminal (standard error): done / total, rate and time left, redrawn at most ten
 * times a second; anything else printed meanwhile goes above it. Off when standard error is not a
 * terminal (a pipe, a log file, cron), so logs get plain lines only.
 */
class Progress {
  private total = 0;
  private done = 0;
  private readonly started = Date.now();
  private lastDraw = 0;
  private shown = false;

  constructor(private readonly stream: Output) {}

  start(total: number): void {
    this.total = total;
    this.draw(true);
  }

  step(): void {
    this.done++;
    this.draw(this.done === this.total);
  }

  /** Prints a line above the progress line. */
  print(target: Output, line: string): void {
    this.clear();
    target.write(`${line}\n`);
    this.draw(true);
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (this.total === 0 || (!force && now - this.lastDraw < 100)) return;
    this.lastDraw = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const left = rate > 0 ? Math.ceil((this.total - this.done) / rate) : null;
    const eta = left === null ? '' : `, ${left >= 60 ? `${Math.floor(left / 60)} min ${left % 60} s` : `${left} s`} left`;
    this.stream.write(`\r\x1b[K[${this.done}/${this.total}] ${Math.round(rate)} dumps/s${this.done < this.total ? eta : ''}`);
    this.shown = true;
  }
}

/**
 * `dumpfeed ingest PATH...`: processes dump files in order, stores them and rewrites changed feeds.
 * Exits 1 when any file was rejected; the others are processed all the same. Ends with a tally. On a
 * terminal it shows progress and names only the files with something to say (rejected, warned); in a
 * pipe or a log every file gets its line.
 */
export async function ingestCommand(args: IngestArgs): Promise<number> {
  if (args.positionals.length === 0) throw new UsageError('ingest needs at least one FILE or FOLDER');
  const ctx = openContext(args.config, { storePath: args.db, feedsDir: args.out });
  const progress = stderr.isTTY ? new Progress(stderr) : null;
  const everyFile = !args.json && (!stdout.isTTY || args.verbose === true);
  const write = (target: Output, line: string) => (progress ? progress.print(target, line) : target.write(`${line}\n`));
  try {
    const report = await ingestPaths(
      ctx,
      args.positionals,
      (result) => {
        progress?.step();
        printResult(result, everyFile, write);
      },
      (s) => {
        if (args.verbose) write(stderr, `skipped: ${printable(s.path)}: ${s.why}`);
      },
      (count) => progress?.start(count),
    );
    progress?.clear();
    const counts = tally(report.files);
    if (args.json) {
      const files = report.files.map(({ file, topic, new: added, updated, unchanged, duplicate, error, warnings }) => ({
        file,
        topic,
        new: added,
        updated,
        unchanged,
        duplicate,
        error,
        warnings,
      }));
      stdout.write(
        `${JSON.stringify({ files, tally: counts, feeds: { written: report.feeds.written, unchanged: report.feeds.unchanged } }, null, 2)}\n`,
      );
    } else {
      stdout.write(
        `feeds: ${report.feeds.written.length} written, ${report.feeds.unchanged} unchanged in ${ctx.config.feeds.dir}/\n${tallyLine(counts)}\n`,
      );
    }
    for (const w of report.warnings) stderr.write(`warning: ${w}\n`);
    for (const e of report.feedErrors) stderr.write(`error: feeds: ${e}; the dumps are stored, the next run writes the feeds\n`);
    return report.files.some((f) => f.error !== null) || report.feedErrors.length > 0 ? 1 : 0;
  } finally {
    progress?.clear();
    ctx.store.close();
  }
}

function printResult(result: DumpResult, everyFile: boolean, write: (target: Output, line: string) => void): void {
  const r = { ...result, file: printable(result.file) };
  if (r.error !== null) {
    write(stderr, `error: ${r.file}: ${r.error}`);
  } else if (!everyFile) {
    // On a terminal the progress line says how far it got; a stored dump needs no line of its own.
  } else if (r.duplicate) {
    write(stdout, `${r.file}: ${r.topic}: already processed, skipped`);
  } else {
    const warned = r.warnings.length > 0 ? `, ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}` : '';
    write(stdout, `${r.file}: ${r.topic}: ${r.new.length} new, ${r.updated.length} updated, ${r.unchanged} unchanged${warned}`);
  }
  for (const w of r.warnings) write(stderr, `warning: ${r.file}: ${w}`);
}
