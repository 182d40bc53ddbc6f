import * as v from 'valibot';
import { configPattern, PatternError } from '../text-matcher.js';
import { parseSmtpUrl, SMTP_URL_HELP } from './secrets.js';

/**
 * The one list of dumpfeed's options, with defaults and a description for each (valibot: it loads in
 * a few milliseconds, which a cron `ingest` pays at every start). Unknown keys are rejected, so a typo
 * is an error rather than a silently ignored setting.
 */

/** A value with a default (filled in when the key is missing) and a description. */
function opt<const S extends v.GenericSchema>(schema: S, fallback: v.InferInput<S>, description: string) {
  return v.optional(v.pipe(schema, v.description(description)), fallback as never);
}

/** A value that may be missing (no default), with a description. */
function maybe<const S extends v.GenericSchema>(schema: S, description: string) {
  return v.optional(v.pipe(schema, v.description(description)));
}

const nonEmpty = () => v.pipe(v.string(), v.minLength(1));
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const httpUrl = (message = 'must be a URL') => v.pipe(v.string(), v.url(message));

const absoluteUrl = v.pipe(
  v.string(),
  v.url('must be a URL'),
  v.check((s) => /^https?:\/\//i.test(s), 'must be an http:// or https:// URL'),
  v.transform((s) => (s.endsWith('/') ? s : `${s}/`)),
);

// A real IANA zone such as `Europe/Zurich`: Intl refuses the others. UTC, the default, is known
// without asking Intl (whose first use costs a start-up milliseconds).
const timeZone = v.pipe(
  v.string(),
  v.check((tz) => {
    if (tz === 'UTC') return true;
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as UTC or Europe/Zurich'),
);

/** A keyword (case ignored) or a regular expression written `/pattern/flags` in RE2 syntax (src/text-matcher.ts). */
const matcher = v.pipe(
  v.string(),
  v.minLength(1),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    try {
      // Remembered: the pipeline's matchers reuse what the check compiled.
      configPattern(dataset.value);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      addIssue({ message: `invalid pattern ${dataset.value}: ${error.message}` });
    }
  }),
);

/** Slugs the site itself uses (`feeds/all.*`, `/topics/`, the index): no topic may have them. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set(['all', 'topics', 'index']);

/** `immediate`, `hourly`, `daily HH:MM` or `weekly DAY HH:MM`. */
export const SCHEDULE_RE =
  /^(immediate|hourly|daily ([01]\d|2[0-3]):[0-5]\d|weekly (mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):[0-5]\d)$/;

const slug = v.pipe(v.string(), v.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case letters, digits and single hyphens'));

const subscriber = v.strictObject({
  address: v.pipe(v.string(), v.email('must be an e-mail address'), v.description('Where the digests go.')),
  name: maybe(v.string(), 'Shown in the To: header.'),
  topics: opt(v.pipe(v.array(nonEmpty()), v.minLength(1)), ['*'], 'Pages followed: page names or slugs, or "*" for every page.'),
  include: opt(v.array(matcher), [], 'Only items matching one of these (keywords or /regex/flags) in title, summary or label.'),
  exclude: opt(v.array(matcher), [], 'No item matching one of these (keywords or /regex/flags) in title, summary or label.'),
  schedule: opt(
    v.pipe(v.string(), v.regex(SCHEDULE_RE, 'must be "immediate", "hourly", "daily HH:MM" or "weekly DAY HH:MM" (DAY: mon..sun)')),
    'daily 08:00',
    'When digests are sent.',
  ),
  timeZone: maybe(timeZone, 'Time zone of the schedule; default mail.timeZone.'),
  updates: opt(v.boolean(), false, 'Also send items that were edited, marked "Updated" with what changed.'),
  backfill: opt(v.boolean(), false, 'Send what is already stored (the back catalogue) in the first digest.'),
});

const topicSettings = v.strictObject({
  title: maybe(nonEmpty(), 'Feed title shown to readers instead of the page name.'),
  slug: maybe(slug, 'File name of the feeds (feeds/SLUG.atom); default: from the page name.'),
  sourceUrl: maybe(httpUrl(), 'URL of the original listing page; entry links then point there.'),
  description: maybe(v.string(), 'Feed subtitle / description.'),
  hidden: opt(v.boolean(), false, 'No feeds and no listing of its own; its items still feed custom topics and "all".'),
});

const isoDate = v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'));

const customTopic = v.pipe(
  v.strictObject({
    name: v.pipe(nonEmpty(), v.description('Feed title.')),
    slug: v.pipe(slug, v.description('File name of its feeds.')),
    description: maybe(v.string(), 'Feed subtitle.'),
    pages: opt(v.pipe(v.array(nonEmpty()), v.minLength(1)), ['*'], 'Pages it draws from: names or slugs, "*" for all.'),
    include: opt(v.array(matcher), [], 'Keep items matching one of these (keywords or /regex/flags) in title, summary or label.'),
    exclude: opt(v.array(matcher), [], 'Drop items matching one of these.'),
    categories: opt(v.array(nonEmpty()), [], 'Keep only items with one of these category labels.'),
    from: maybe(isoDate, 'Keep only items dated on or after this day.'),
    to: maybe(isoDate, 'Keep only items dated on or before this day.'),
  }),
  v.forward(
    v.check((t) => !t.from || !t.to || t.from <= t.to, 'from must not be after to'),
    ['to'],
  ),
);

/** A section of the config: every key has a default, so a missing section is all defaults. */
function section<const E extends v.ObjectEntries>(entries: E) {
  return v.optional(v.strictObject(entries), {} as never);
}

export const configSchema = v.strictObject({
  $schema: maybe(v.string(), 'The JSON Schema of this file, for editors (config/dumpfeed.schema.json); dumpfeed ignores it.'),
  source: section({
    inbox: opt(nonEmpty(), 'inbox', 'Folder the dumps are dropped into (watch mode).'),
    pattern: opt(
      nonEmpty(),
      '*.txt',
      'Which files in a folder are dumps: a glob on the file name ("*.txt", "*.{txt,text}", "ilo-*"). Other files are skipped; hidden and temporary files (.x, x.part, x.tmp, x~) never are dumps; a link to a file counts as the file.',
    ),
    encoding: opt(
      v.picklist(['auto', 'utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'iso-8859-1']),
      'auto',
      'Text encoding of dumps without a byte-order mark; auto = strict UTF-8.',
    ),
    maxBytes: opt(int(1), 50 * 1024 * 1024, 'Dumps larger than this are rejected unread.'),
  }),
  store: section({
    path: opt(nonEmpty(), 'data/dumpfeed.db', 'SQLite database file (created on first run).'),
    busyTimeoutMs: opt(int(0), 5000, 'How long a write waits for another process (a backup, the sqlite3 shell) to release the database.'),
  }),
  feeds: section({
    dir: opt(nonEmpty(), 'feeds', 'Folder the feed files are written to.'),
    baseUrl: opt(
      absoluteUrl,
      'http://localhost:8080/',
      'Public URL the feeds folder and item pages are served under; used for self links and entry links.',
    ),
    length: opt(int(1, 10000), 50, 'Number of newest entries in each feed.'),
    title: opt(nonEmpty(), 'dumpfeed', 'Name of the whole site: the "all" feed title and the feeds\' author.'),
    language: opt(v.pipe(v.string(), v.minLength(2)), 'en', 'Language of the feeds (RSS <language>, JSON Feed language).'),
    hub: opt(v.nullable(httpUrl()), null, 'WebSub hub: feeds link to it and changed feeds are announced to it.'),
  }),
  ids: section({
    tagAuthority: opt(
      v.pipe(v.string(), v.regex(/^[a-z0-9.-]+$|^[^@\s]+@[^@\s]+$/i, 'must be a domain name or an e-mail address')),
      'dumpfeed',
      'Authority part of new entry ids (tag:AUTHORITY,DATE:...). Ids already given never change.',
    ),
    tagDate: opt(
      v.pipe(v.string(), v.regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'must be YYYY, YYYY-MM or YYYY-MM-DD')),
      '2026',
      'Date part of new entry ids.',
    ),
  }),
  watch: section({
    stabilityMs: opt(int(0, 60_000), 200, 'A dump is read once its size has not changed for this long (the writer is done).'),
    moveProcessed: opt(
      v.boolean(),
      false,
      'Move processed dumps to <inbox>/processed/ and rejected ones to <inbox>/rejected/ (with a .reason file).',
    ),
    usePolling: opt(v.boolean(), false, 'Poll the inbox instead of using inotify (network and FUSE filesystems).'),
    pollIntervalMs: opt(int(50), 1000, 'Polling interval when usePolling is on.'),
    retryMaxMs: opt(int(100), 60_000, 'Longest wait between retries of a dump or feed write that failed for a passing reason.'),
  }),
  mail: section({
    smtp: opt(
      // The message never repeats the value: it may hold a password.
      v.nullable(
        v.pipe(
          v.string(),
          v.check((s) => parseSmtpUrl(s) !== null, SMTP_URL_HELP),
        ),
      ),
      null,
      'SMTP server; null writes each digest as an .eml file into mail.outbox instead.',
    ),
    smtpPasswordFile: opt(
      v.nullable(nonEmpty()),
      null,
      'File holding the SMTP password (a Docker secret); see README "Secrets" for the other ways.',
    ),
    outbox: opt(nonEmpty(), 'outbox', 'Folder for .eml digests when no SMTP server is set.'),
    from: opt(
      v.pipe(
        v.string(),
        v.regex(
          /^(?:[^<>@]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/,
          'must be an address: "name@example.org" or "Name <name@example.org>"',
        ),
      ),
      'dumpfeed <dumpfeed@localhost>',
      'From: address of the digests.',
    ),
    timeZone: opt(timeZone, 'UTC', 'Time zone of the schedules.'),
    unsubscribe: opt(
      v.nullable(v.pipe(v.string(), v.regex(/^(mailto:|https:\/\/)/, 'must be a mailto: or https:// URL'))),
      null,
      "Another List-Unsubscribe target, after the built-in link (or instead of it, with oneClickUnsubscribe off); {address} is replaced by the subscriber's address.",
    ),
    oneClickUnsubscribe: opt(
      v.boolean(),
      true,
      'Digests carry a signed unsubscribe link to the built-in server (feeds.baseUrl + unsubscribe/...): one click (RFC 8058) ends the digests.',
    ),
    unsubscribeSecretFile: maybe(
      nonEmpty(),
      'File with the key that signs unsubscribe links; default: unsubscribe.key beside the store, created with a random key when missing.',
    ),
    connections: opt(int(1, 20), 2, 'Pooled SMTP connections.'),
    ratePerSecond: opt(v.pipe(v.number(), v.gtValue(0)), 5, 'Most messages sent per second, over all connections.'),
    maxItems: opt(int(1), 100, 'Most items shown in one digest; the rest are counted and linked.'),
    retryMaxMs: opt(int(1000), 3_600_000, 'Longest wait between retries of a digest that could not be sent.'),
    tlsRejectUnauthorized: opt(v.boolean(), true, 'Refuse SMTP servers with an invalid TLS certificate.'),
    checkEveryMs: opt(int(100), 30_000, 'How often the daemon looks for due digests and retries.'),
  }),
  subscribers: opt(v.array(subscriber), [], 'People who get e-mail digests.'),
  serve: section({
    host: opt(nonEmpty(), '127.0.0.1', 'Address the built-in web server listens on.'),
    port: opt(int(0, 65535), 8080, 'Port of the built-in web server.'),
    accessLog: opt(
      v.picklist(['off', 'combined', 'json']),
      'off',
      'One line per request on standard output: "combined" (the Apache/nginx format) or "json".',
    ),
  }),
  log: section({
    level: opt(v.picklist(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']), 'info', 'Least important log level shown.'),
  }),
  customTopics: opt(v.array(customTopic), [], 'Topics defined by a rule over the items of any pages.'),
  topics: opt(v.record(nonEmpty(), topicSettings), {}, 'Per-page settings, keyed by the page name as it appears in the dumps.'),
});

/** The validated configuration, with every default filled in. */
export type Config = v.InferOutput<typeof configSchema>;
/** One subscriber of e-mail digests. */
export type Subscriber = v.InferOutput<typeof subscriber>;
/** A topic defined by a rule over items of any pages. */
export type CustomTopic = v.InferOutput<typeof customTopic>;
/** Settings of one page topic. */
export type TopicSettings = v.InferOutput<typeof topicSettings>;
