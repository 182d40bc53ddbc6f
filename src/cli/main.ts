import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DumpfeedError, UsageError } from '../errors.js';
import { digestCommand } from './digest-command.js';
import { ingestCommand } from './ingest-command.js';
import { parseCommand } from './parse-command.js';
import { serveCommand } from './serve-command.js';
import { statusCommand } from './status-command.js';
import { rebuildCommand, topicsCommand } from './topics-command.js';
import { watchCommand } from './watch-command.js';

const USAGE = `usage: dumpfeed <command> [options]

commands:
  parse FILE                 print the parsed dump as JSON
  ingest PATH...             process dump files (a folder: its files by name), store, write feeds
  status                     topics, item counts, last dumps, rejected dumps, the daemon
  watch                      run as a daemon: watch source.inbox, keep the feeds current, send digests
  digest --dry-run | --send  show the digests due now and to whom, or build and send them
  serve                      serve the feeds and web pages over HTTP (watch --serve: both in one process)
  topics                     every page and custom topic with its rule, item count and feed URLs
  rebuild [--topic T]        select custom topics' items anew from the store and rewrite the feeds

options:
  --config FILE              config file (default: config/dumpfeed.json if present, else built-in defaults)
  --db FILE                  SQLite store (overrides store.path)
  --out DIR                  feeds folder (overrides feeds.dir)
  --json                     machine-readable output (ingest, status)
  --verbose                  ingest: also name each file in a folder that is not a dump (source.pattern)
  --log-level LEVEL          watch: trace, debug, info, warn, error, fatal or silent (overrides log.level)
  --at TIME                  digest: plan as if it were TIME (ISO 8601), e.g. to catch up a missed slot
  --port P, --host H         serve, watch --serve: where to listen (overrides serve.port, serve.host)
  --serve                    watch: also run the web server
  -h, --help                 this help
  -v, --version              print the version`;

/**
 * Output that nobody reads any more (`dumpfeed ingest dumps | head -1`) must not stop the work: a
 * closed pipe (EPIPE) on stdout or stderr silences that stream, and the command goes on to the end,
 * storing every dump and writing the feeds.
 */
export function keepWorkingWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      stream.write = () => true;
    });
  }
}

/** Runs the CLI with the given arguments and returns the exit code; the only place that prints errors. */
export async function main(argv: string[]): Promise<number> {
  keepWorkingWhenOutputCloses();
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        db: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean' },
        'log-level': { type: 'string' },
        'dry-run': { type: 'boolean' },
        send: { type: 'boolean' },
        at: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        serve: { type: 'boolean' },
        topic: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
    const [command, ...rest] = positionals;
    if (values.version) {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      process.stdout.write(`dumpfeed ${pkg.version}\n`);
      return 0;
    }
    if (values.help || command === undefined || command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined && !values.help ? 2 : 0;
    }
    const args = { ...values, positionals: rest };
    switch (command) {
      case 'parse':
        return await parseCommand(args);
      case 'ingest':
        return await ingestCommand(args);
      case 'status':
        return await statusCommand(args);
      case 'watch':
        return await watchCommand(args);
      case 'digest':
        return await digestCommand(args);
      case 'serve':
        return await serveCommand(args);
      case 'topics':
        return await topicsCommand(args);
      case 'rebuild':
        return await rebuildCommand(args);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (error instanceof DumpfeedError) {
    process.stderr.write(`error: ${error.toLine()}\n`);
    return 1;
  }
  // parseArgs reports bad options with a code; they are usage errors too.
  if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  process.stderr.write(`dumpfeed: unexpected error, please report it:\n${(error as Error)?.stack ?? String(error)}\n`);
  return 70;
}
