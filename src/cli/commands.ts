/**
 * The commands as data (the citty way): each with its own options, help and module, loaded only when
 * it runs, so `dumpfeed --version` or `parse` never loads the mail or web code.
 */

/** One option of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** `--port P`: the value's name in the help. */
  value?: string;
  /** May be given more than once (`--topic A --topic B`): the command gets a list. */
  multiple?: boolean;
  help: string;
}

/** Arguments a command receives: its options by name, and the positionals. */
export interface CommandArgs {
  positionals: string[];
  [option: string]: string | boolean | string[] | undefined;
}

/** One command. */
export interface CommandSpec {
  /** `ingest PATH...`: name and positionals as the help shows them. */
  usage: string;
  summary: string;
  options: Record<string, OptionSpec>;
  run: () => Promise<(args: never) => Promise<number>>;
}

const config: OptionSpec = {
  type: 'string',
  value: 'FILE',
  help: 'config file (default: config/dumpfeed.json if present, else built-in defaults)',
};
const db: OptionSpec = { type: 'string', value: 'FILE', help: 'SQLite store (overrides store.path)' };
const out: OptionSpec = { type: 'string', value: 'DIR', help: 'feeds folder (overrides feeds.dir)' };
const json: OptionSpec = { type: 'boolean', help: 'machine-readable output' };
const port: OptionSpec = { type: 'string', value: 'P', help: 'port to listen on (overrides serve.port; 0: any free port)' };
const host: OptionSpec = { type: 'string', value: 'H', help: 'address to listen on (overrides serve.host)' };

export const COMMANDS: Record<string, CommandSpec> = {
  parse: {
    usage: 'parse FILE',
    summary: 'print the parsed dump as JSON (warnings on stderr); touches no store',
    options: { config },
    run: async () => (await import('./parse-command.js')).parseCommand,
  },
  ingest: {
    usage: 'ingest PATH...',
    summary: 'process dump files (a folder: its dump files by name), store them, write the feeds',
    options: {
      config,
      db,
      out,
      json,
      verbose: {
        type: 'boolean',
        help: 'also name each file in a folder that is not a dump (source.pattern), and on a terminal each dump stored',
      },
    },
    run: async () => (await import('./ingest-command.js')).ingestCommand,
  },
  status: {
    usage: 'status',
    summary: 'topics, item counts, last dumps, warnings, rejected dumps, the daemon, digests (read-only)',
    options: { config, db, json },
    run: async () => (await import('./status-command.js')).statusCommand,
  },
  watch: {
    usage: 'watch',
    summary: 'run as a daemon: watch source.inbox, keep the feeds current, send digests',
    options: {
      config,
      db,
      out,
      'log-level': { type: 'string', value: 'LEVEL', help: 'trace, debug, info, warn, error, fatal or silent (overrides log.level)' },
      serve: { type: 'boolean', help: 'also run the web server' },
      port,
      host,
    },
    run: async () => (await import('./watch-command.js')).watchCommand,
  },
  digest: {
    usage: 'digest --dry-run | --send',
    summary: 'show the digests due now and to whom, or build and send them',
    options: {
      config,
      db,
      'dry-run': { type: 'boolean', help: 'show what would be sent, send nothing' },
      send: { type: 'boolean', help: 'build the due digests and send every queued one' },
      at: { type: 'string', value: 'TIME', help: 'plan as if it were TIME (ISO 8601), e.g. to catch up a missed slot' },
    },
    run: async () => (await import('./digest-command.js')).digestCommand,
  },
  serve: {
    usage: 'serve',
    summary: 'serve the feeds and web pages over HTTP (read-only; watch --serve does both in one process)',
    options: { config, db, out, port, host },
    run: async () => (await import('./serve-command.js')).serveCommand,
  },
  topics: {
    usage: 'topics',
    summary: 'every page and custom topic with its rule, item count and feed URLs (read-only)',
    options: { config, db, out, json },
    run: async () => (await import('./topics-command.js')).topicsCommand,
  },
  subscribers: {
    usage: 'subscribers [list | add | set | remove | unsubscribe | resubscribe] [ADDRESS]',
    summary: 'list, add, change or remove digest subscribers (in the config file); unsubscribe or resubscribe one',
    options: {
      config,
      db,
      json,
      name: { type: 'string', value: 'NAME', help: 'add/set: the name shown in the To: header' },
      topic: {
        type: 'string',
        value: 'T',
        multiple: true,
        help: 'add/set: a page or custom topic followed (name or slug; again for more; default: every page)',
      },
      schedule: {
        type: 'string',
        value: 'S',
        help: 'add/set: immediate, hourly, "daily HH:MM" or "weekly DAY HH:MM" (default: daily 08:00)',
      },
      'time-zone': { type: 'string', value: 'Z', help: 'add/set: time zone of the schedule, e.g. Europe/Zurich (default: mail.timeZone)' },
      include: {
        type: 'string',
        value: 'P',
        multiple: true,
        help: 'add/set: only items matching this keyword or /regex/ (again for more)',
      },
      exclude: { type: 'string', value: 'P', multiple: true, help: 'add/set: no items matching this keyword or /regex/ (again for more)' },
      updates: { type: 'boolean', help: 'add/set: also send edited items (--no-updates: not)' },
      backfill: { type: 'boolean', help: 'add/set: the first digest brings what is already stored (--no-backfill: not)' },
    },
    run: async () => (await import('./subscribers-command.js')).subscribersCommand,
  },
  init: {
    usage: 'init [DIR]',
    summary: 'start a new installation in DIR (default: here): a config and the folders it names',
    options: {
      'base-url': { type: 'string', value: 'URL', help: 'public address the feeds will be served under (feeds.baseUrl)' },
      title: { type: 'string', value: 'TITLE', help: 'name of the site and its "all" feed (feeds.title)' },
    },
    run: async () => (await import('./init-command.js')).initCommand,
  },
  rebuild: {
    usage: 'rebuild [--topic T]',
    summary: "select custom topics' items anew from the store and rewrite the feeds",
    options: { config, db, out, topic: { type: 'string', value: 'T', help: 'only this custom topic (slug or name)' } },
    run: async () => (await import('./topics-command.js')).rebuildCommand,
  },
};

/** The help of the whole CLI. */
export function globalUsage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  return [
    'usage: dumpfeed <command> [options]',
    '',
    'commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'options of every command:',
    "  -h, --help     the command's own options (also: dumpfeed help COMMAND)",
    '  -v, --version  print the version',
    '',
    'dumpfeed help COMMAND shows what a command takes.',
    'New here? dumpfeed init DIR writes a starter config; every setting is described in',
    `  ${exampleConfigDir()}dumpfeed.schema.json (an example config is dumpfeed.json beside it).`,
  ].join('\n');
}

/** The help of one command: its usage, what it does, and each of its options. */
export function commandUsage(name: string): string {
  const c = COMMANDS[name]!;
  const flag = (n: string, o: OptionSpec) => `${o.short ? `-${o.short}, ` : ''}--${n}${o.value ? ` ${o.value}` : ''}`;
  const rows = Object.entries(c.options).map(([n, o]) => [flag(n, o), o.help] as const);
  rows.push(['-h, --help', 'this help']);
  const width = Math.max(...rows.map(([f]) => f.length));
  return [
    `usage: dumpfeed ${c.usage} [options]`,
    '',
    c.summary,
    '',
    'options:',
    ...rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`),
  ].join('\n');
}

/** The command closest to a mistyped one (at most two edits away), for "did you mean". */
export function suggestCommand(typed: string): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const name of Object.keys(COMMANDS)) {
    const d = editDistance(typed.toLowerCase(), name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The package's config folder (the example config and the JSON Schema), wherever it is installed. */
function exampleConfigDir(): string {
  return decodeURIComponent(new URL('../../config/', import.meta.url).pathname);
}
