import { UsageError } from '../errors.js';
import type { DumpResult } from '../model.js';
import { ingestPaths } from '../pipeline.js';
import { printable } from '../source/dump-files.js';
import { openContext } from './context.js';

/** Options of `dumpfeed ingest`. */
export interface IngestArgs {
  positionals: string[];
  config?: string | undefined;
  db?: string | undefined;
  out?: string | undefined;
  json?: boolean | undefined;
  verbose?: boolean | undefined;
}

/**
 * `dumpfeed ingest PATH...`: processes dump files in order, stores them and rewrites changed feeds.
 * Exits 1 when any file was rejected; the others are processed all the same.
 */
export async function ingestCommand(args: IngestArgs): Promise<number> {
  if (args.positionals.length === 0) throw new UsageError('ingest needs at least one FILE or FOLDER');
  const ctx = openContext(args.config, { storePath: args.db, feedsDir: args.out });
  try {
    const report = await ingestPaths(ctx, args.positionals, args.json ? undefined : printResult, (s) => {
      if (args.verbose) process.stderr.write(`skipped: ${printable(s.path)}: ${s.why}\n`);
    });
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
      process.stdout.write(
        `${JSON.stringify({ files, feeds: { written: report.feeds.written, unchanged: report.feeds.unchanged } }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(
        `feeds: ${report.feeds.written.length} written, ${report.feeds.unchanged} unchanged in ${ctx.config.feeds.dir}/\n`,
      );
    }
    for (const f of report.hubFailures) process.stderr.write(`warning: WebSub hub: ${f}\n`);
    for (const e of report.feedErrors) process.stderr.write(`error: feeds: ${e}; the dumps are stored, the next run writes the feeds\n`);
    return report.files.some((f) => f.error !== null) || report.feedErrors.length > 0 ? 1 : 0;
  } finally {
    ctx.store.close();
  }
}

function printResult(result: DumpResult): void {
  const r = { ...result, file: printable(result.file) };
  if (r.error !== null) {
    process.stderr.write(`error: ${r.file}: ${r.error}\n`);
  } else if (r.duplicate) {
    process.stdout.write(`${r.file}: ${r.topic}: already processed, skipped\n`);
  } else {
    const warned = r.warnings.length > 0 ? `, ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}` : '';
    process.stdout.write(`${r.file}: ${r.topic}: ${r.new.length} new, ${r.updated.length} updated, ${r.unchanged} unchanged${warned}\n`);
  }
  for (const w of r.warnings) process.stderr.write(`warning: ${r.file}: ${w}\n`);
}
