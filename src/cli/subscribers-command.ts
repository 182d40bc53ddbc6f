import { existsSync, readFileSync } from 'node:fs';
import { editJson, replaceFile } from '../config/config-text.js';
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from '../config/load-config.js';
import type { Subscriber } from '../config/schema.js';
import { ConfigError, UsageError } from '../errors.js';
import { Store } from '../store/store.js';
import { stdout } from './output.js';

/**
 * `dumpfeed subscribers`: who gets digests. The list lives in the config file, the operator's to read,
 * version and back up with the rest of the settings; these commands edit that file in place (one value
 * at a time, the rest of the file as it was) and check the result before writing it, and a running
 * `watch` reloads it. What happened to each subscriber (digests sent, an unsubscribe from a link) lives
 * in the store: `unsubscribe` and `resubscribe` change that.
 */
export interface SubscribersArgs {
  positionals: string[];
  config?: string | undefined;
  db?: string | undefined;
  json?: boolean | undefined;
  name?: string | undefined;
  topic?: string[] | undefined;
  schedule?: string | undefined;
  'time-zone'?: string | undefined;
  include?: string[] | undefined;
  exclude?: string[] | undefined;
  updates?: boolean | undefined;
  backfill?: boolean | undefined;
}

const ACTIONS = ['list', 'add', 'set', 'remove', 'unsubscribe', 'resubscribe'] as const;
type Action = (typeof ACTIONS)[number];

export async function subscribersCommand(args: SubscribersArgs): Promise<number> {
  const [action = 'list', address, ...extra] = args.positionals;
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`subscribers: unknown action "${action}" (${ACTIONS.join(', ')})`);
  }
  if (action === 'list') {
    if (address !== undefined) throw new UsageError('subscribers list takes no ADDRESS');
  } else if (address === undefined) throw new UsageError(`subscribers ${action} needs an ADDRESS`);
  if (extra.length > 0) throw new UsageError(`subscribers ${action}: one ADDRESS at a time`);
  const fields = settingsFrom(args);
  if (Object.keys(fields).length > 0 && action !== 'add' && action !== 'set') {
    throw new UsageError(`subscribers ${action} takes no --${Object.keys(fields)[0]}; they are for add and set`);
  }
  switch (action as Action) {
    case 'list':
      return list(args);
    case 'add':
    case 'set':
    case 'remove':
      return edit(args, action as 'add' | 'set' | 'remove', address!, fields);
    default:
      return optOut(args, action as 'unsubscribe' | 'resubscribe', address!);
  }
}

/** The subscriber settings given as options, under their config keys. */
function settingsFrom(args: SubscribersArgs): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (args.name !== undefined) fields.name = args.name;
  if (args.topic !== undefined) fields.topics = args.topic;
  if (args.schedule !== undefined) fields.schedule = args.schedule;
  if (args['time-zone'] !== undefined) fields.timeZone = args['time-zone'];
  if (args.include !== undefined) fields.include = args.include;
  if (args.exclude !== undefined) fields.exclude = args.exclude;
  if (args.updates !== undefined) fields.updates = args.updates;
  if (args.backfill !== undefined) fields.backfill = args.backfill;
  return fields;
}

function list(args: SubscribersArgs): number {
  const { config } = loadConfig(args.config, { storePath: args.db });
  // What the store knows (unsubscribes, digests sent), when there is a store yet.
  const store = existsSync(config.store.path) ? Store.open(config.store.path, config.store.busyTimeoutMs, { readOnly: true }) : null;
  try {
    const unsubscribed = store?.digests.unsubscribed() ?? new Map<string, { at: string; via: string }>();
    const overview = store?.digests.overview() ?? new Map();
    const rows = config.subscribers.map((s) => {
      const key = s.address.toLowerCase();
      const gone = unsubscribed.get(key);
      const seen = overview.get(key);
      return {
        address: s.address,
        name: s.name ?? null,
        schedule: s.schedule,
        timeZone: s.timeZone ?? config.mail.timeZone,
        topics: s.topics,
        include: s.include,
        exclude: s.exclude,
        updates: s.updates,
        backfill: s.backfill,
        unsubscribed: gone ? { at: gone.at, via: gone.via } : null,
        digestsSent: seen?.sent ?? 0,
        lastSentAt: seen?.lastSentAt ?? null,
        queued: seen?.queued ?? 0,
        lastError: seen?.lastError ?? null,
      };
    });
    if (args.json) {
      stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      stdout.write('no subscribers (add one: dumpfeed subscribers add ADDRESS)\n');
      return 0;
    }
    const out: string[] = [];
    for (const r of rows) {
      const state = r.unsubscribed
        ? `unsubscribed ${r.unsubscribed.at.slice(0, 16).replace('T', ' ')} UTC (${r.unsubscribed.via})`
        : `${r.digestsSent} sent${r.lastSentAt ? `, last ${r.lastSentAt.slice(0, 16).replace('T', ' ')} UTC` : ''}${r.queued ? `, ${r.queued} queued` : ''}`;
      out.push(`${r.name ? `${r.name} <${r.address}>` : r.address}: ${r.schedule} (${r.timeZone}); ${state}`);
      out.push(`    topics: ${r.topics.join(' | ')}`);
      if (r.include.length) out.push(`    include: ${r.include.join(' | ')}`);
      if (r.exclude.length) out.push(`    exclude: ${r.exclude.join(' | ')}`);
      const flags = [r.updates ? 'updates' : '', r.backfill ? 'backfill' : ''].filter(Boolean);
      if (flags.length) out.push(`    with: ${flags.join(', ')}`);
      if (r.lastError) out.push(`    last failure: ${r.lastError}`);
    }
    stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    store?.close();
  }
}

/** The config file the edit goes to: --config, else config/dumpfeed.json; never the built-in defaults. */
function configFile(args: SubscribersArgs): string {
  const file = args.config ?? DEFAULT_CONFIG_PATH;
  if (!existsSync(file)) {
    throw new ConfigError(
      `config ${file}`,
      'no such file; subscribers are kept in the config file (dumpfeed init creates one, or name one with --config)',
    );
  }
  return file;
}

function edit(args: SubscribersArgs, action: 'add' | 'set' | 'remove', address: string, fields: Record<string, unknown>): number {
  const file = configFile(args);
  // Checked first as it is: an edit of a broken file would only hide where it broke.
  loadConfig(file, { storePath: args.db });
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const raw = JSON.parse(text) as { subscribers?: Partial<Subscriber>[] };
  const index = (raw.subscribers ?? []).findIndex(
    (s) => typeof s?.address === 'string' && s.address.toLowerCase() === address.toLowerCase(),
  );
  let next: string;
  if (action === 'add') {
    if (index !== -1) throw new UsageError(`${address} is already a subscriber (change it with: dumpfeed subscribers set ${address} ...)`);
    const entry = { address, ...fields };
    next =
      raw.subscribers === undefined
        ? editJson(text, ['subscribers'], [entry])
        : editJson(text, ['subscribers', raw.subscribers.length], entry, true);
  } else {
    if (index === -1) throw new UsageError(`${address} is not a subscriber in ${file}`);
    if (action === 'remove') next = editJson(text, ['subscribers', index], undefined);
    else {
      if (Object.keys(fields).length === 0) throw new UsageError('subscribers set needs something to set (--schedule, --topic, ...)');
      next = text;
      for (const [key, value] of Object.entries(fields)) next = editJson(next, ['subscribers', index, key], value);
    }
  }
  // The whole file is checked as it would be written: a bad schedule or pattern is refused, the file untouched.
  checkEdited(file, next);
  replaceFile(file, next);
  const verb = action === 'add' ? 'added' : action === 'set' ? 'changed' : 'removed';
  stdout.write(`${verb} ${address} in ${file}; a running watch reloads it\n`);
  return 0;
}

function checkEdited(file: string, text: string): void {
  try {
    parseConfig(JSON.parse(text), file, {}, undefined, text);
  } catch (error) {
    // The line would be one of the edited text, not of the file: name the key only.
    if (error instanceof ConfigError)
      throw new ConfigError(`config ${file}`, `${error.message}; the file is left unchanged`, { cause: error });
    throw error;
  }
}

function optOut(args: SubscribersArgs, action: 'unsubscribe' | 'resubscribe', address: string): number {
  const { config } = loadConfig(args.config, { storePath: args.db });
  const listed = config.subscribers.some((s) => s.address.toLowerCase() === address.toLowerCase());
  const store = Store.open(config.store.path, config.store.busyTimeoutMs);
  try {
    if (action === 'unsubscribe') {
      const changed = store.digests.unsubscribe(address, new Date(), 'operator');
      stdout.write(`${address}: ${changed ? 'unsubscribed; no more digests are sent' : 'already unsubscribed'}\n`);
    } else {
      const changed = store.digests.resubscribe(address);
      stdout.write(
        `${address}: ${changed ? 'subscribed again; digests start with the next new items' : 'was not unsubscribed'}${listed ? '' : ` (note: not a subscriber in the config; add with dumpfeed subscribers add ${address})`}\n`,
      );
    }
    return 0;
  } finally {
    store.close();
  }
}
