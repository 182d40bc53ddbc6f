import { z } from 'zod';
import { compilePattern, PatternError } from '../text-matcher.js';
import { parseSmtpUrl, SMTP_URL_HELP } from './secrets.js';

/**
 * The one list of dumpfeed's options, with defaults and a description for each. Unknown keys are
 * rejected, so a typo is an error rather than a silently ignored setting.
 */

const absoluteUrl = z
  .string()
  .url()
  .refine((s) => /^https?:\/\//i.test(s), 'must be an http:// or https:// URL')
  .transform((s) => (s.endsWith('/') ? s : `${s}/`));

// A real IANA zone such as `Europe/Zurich`: Intl refuses the others.
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as UTC or Europe/Zurich');

/** A keyword (case ignored) or a regular expression written `/pattern/flags` in RE2 syntax (src/text-matcher.ts). */
const matcher = z
  .string()
  .min(1)
  .superRefine((s, ctx) => {
    try {
      compilePattern(s);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      ctx.addIssue({ code: 'custom', message: `invalid pattern ${s}: ${error.message}` });
    }
  });

/** Slugs the site itself uses (`feeds/all.*`, `/topics/`, the index): no topic may have them. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set(['all', 'topics', 'index']);

/** `immediate`, `hourly`, `daily HH:MM` or `weekly DAY HH:MM`. */
export const SCHEDULE_RE =
  /^(immediate|hourly|daily ([01]\d|2[0-3]):[0-5]\d|weekly (mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):[0-5]\d)$/;

const subscriber = z.strictObject({
  address: z.email('must be an e-mail address').describe('Where the digests go.'),
  name: z.string().optional().describe('Shown in the To: header.'),
  topics: z.array(z.string().min(1)).min(1).default(['*']).describe('Pages followed: page names or slugs, or "*" for every page.'),
  include: z.array(matcher).default([]).describe('Only items matching one of these (keywords or /regex/flags) in title, summary or label.'),
  exclude: z.array(matcher).default([]).describe('No item matching one of these (keywords or /regex/flags) in title, summary or label.'),
  schedule: z
    .string()
    .regex(SCHEDULE_RE, 'must be "immediate", "hourly", "daily HH:MM" or "weekly DAY HH:MM" (DAY: mon..sun)')
    .default('daily 08:00')
    .describe('When digests are sent.'),
  timeZone: timeZone.optional().describe('Time zone of the schedule; default mail.timeZone.'),
  updates: z.boolean().default(false).describe('Also send items that were edited, marked "Updated" with what changed.'),
  backfill: z.boolean().default(false).describe('Send what is already stored (the back catalogue) in the first digest.'),
});

const topicSettings = z.strictObject({
  title: z.string().min(1).optional().describe('Feed title shown to readers instead of the page name.'),
  slug: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case letters, digits and single hyphens')
    .optional()
    .describe('File name of the feeds (feeds/SLUG.atom); default: from the page name.'),
  sourceUrl: z.string().url().optional().describe('URL of the original listing page; entry links then point there.'),
  description: z.string().optional().describe('Feed subtitle / description.'),
  hidden: z.boolean().default(false).describe('No feeds and no listing of its own; its items still feed custom topics and "all".'),
});

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

const customTopic = z
  .strictObject({
    name: z.string().min(1).describe('Feed title.'),
    slug: z
      .string()
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case letters, digits and single hyphens')
      .describe('File name of its feeds.'),
    description: z.string().optional().describe('Feed subtitle.'),
    pages: z.array(z.string().min(1)).min(1).default(['*']).describe('Pages it draws from: names or slugs, "*" for all.'),
    include: z
      .array(matcher)
      .default([])
      .describe('Keep items matching one of these (keywords or /regex/flags) in title, summary or label.'),
    exclude: z.array(matcher).default([]).describe('Drop items matching one of these.'),
    categories: z.array(z.string().min(1)).default([]).describe('Keep only items with one of these category labels.'),
    from: isoDate.optional().describe('Keep only items dated on or after this day.'),
    to: isoDate.optional().describe('Keep only items dated on or before this day.'),
  })
  .refine((t) => !t.from || !t.to || t.from <= t.to, { message: 'from must not be after to', path: ['to'] });

export const configSchema = z.strictObject({
  source: z
    .strictObject({
      inbox: z.string().min(1).default('inbox').describe('Folder the dumps are dropped into (watch mode).'),
      pattern: z
        .string()
        .min(1)
        .default('*.txt')
        .describe(
          'Which files in a folder are dumps: a glob on the file name ("*.txt", "*.{txt,text}", "ilo-*"). Other files are skipped; hidden and temporary files (.x, x.part, x.tmp, x~) never are dumps; a link to a file counts as the file.',
        ),
      encoding: z
        .enum(['auto', 'utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'iso-8859-1'])
        .default('auto')
        .describe('Text encoding of dumps without a byte-order mark; auto = strict UTF-8.'),
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(50 * 1024 * 1024)
        .describe('Dumps larger than this are rejected unread.'),
    })
    .prefault({}),
  store: z
    .strictObject({
      path: z.string().min(1).default('data/dumpfeed.db').describe('SQLite database file (created on first run).'),
      busyTimeoutMs: z
        .number()
        .int()
        .min(0)
        .default(5000)
        .describe('How long a write waits for another process (a backup, the sqlite3 shell) to release the database.'),
    })
    .prefault({}),
  feeds: z
    .strictObject({
      dir: z.string().min(1).default('feeds').describe('Folder the feed files are written to.'),
      baseUrl: absoluteUrl
        .default('http://localhost:8080/')
        .describe('Public URL the feeds folder and item pages are served under; used for self links and entry links.'),
      length: z.number().int().min(1).max(10000).default(50).describe('Number of newest entries in each feed.'),
      title: z.string().min(1).default('dumpfeed').describe('Name of the whole site: the "all" feed title and the feeds\' author.'),
      language: z.string().min(2).default('en').describe('Language of the feeds (RSS <language>, JSON Feed language).'),
      hub: z.string().url().nullable().default(null).describe('WebSub hub: feeds link to it and changed feeds are announced to it.'),
    })
    .prefault({}),
  ids: z
    .strictObject({
      tagAuthority: z
        .string()
        .regex(/^[a-z0-9.-]+$|^[^@\s]+@[^@\s]+$/i, 'must be a domain name or an e-mail address')
        .default('dumpfeed')
        .describe('Authority part of new entry ids (tag:AUTHORITY,DATE:...). Ids already given never change.'),
      tagDate: z
        .string()
        .regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'must be YYYY, YYYY-MM or YYYY-MM-DD')
        .default('2026')
        .describe('Date part of new entry ids.'),
    })
    .prefault({}),
  watch: z
    .strictObject({
      stabilityMs: z
        .number()
        .int()
        .min(0)
        .max(60_000)
        .default(200)
        .describe('A dump is read once its size has not changed for this long (the writer is done).'),
      moveProcessed: z
        .boolean()
        .default(false)
        .describe('Move processed dumps to <inbox>/processed/ and rejected ones to <inbox>/rejected/ (with a .reason file).'),
      usePolling: z.boolean().default(false).describe('Poll the inbox instead of using inotify (network and FUSE filesystems).'),
      pollIntervalMs: z.number().int().min(50).default(1000).describe('Polling interval when usePolling is on.'),
      retryMaxMs: z
        .number()
        .int()
        .min(100)
        .default(60_000)
        .describe('Longest wait between retries of a dump or feed write that failed for a passing reason.'),
    })
    .prefault({}),
  mail: z
    .strictObject({
      smtp: z
        .string()
        // The message never repeats the value: it may hold a password.
        .refine((s) => parseSmtpUrl(s) !== null, SMTP_URL_HELP)
        .nullable()
        .default(null)
        .describe('SMTP server; null writes each digest as an .eml file into mail.outbox instead.'),
      smtpPasswordFile: z
        .string()
        .min(1)
        .nullable()
        .default(null)
        .describe('File holding the SMTP password (a Docker secret); see README "Secrets" for the other ways.'),
      outbox: z.string().min(1).default('outbox').describe('Folder for .eml digests when no SMTP server is set.'),
      from: z
        .string()
        .regex(
          /^(?:[^<>@]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/,
          'must be an address: "name@example.org" or "Name <name@example.org>"',
        )
        .default('dumpfeed <dumpfeed@localhost>')
        .describe('From: address of the digests.'),
      timeZone: timeZone.default('UTC').describe('Time zone of the schedules.'),
      unsubscribe: z
        .string()
        .regex(/^(mailto:|https:\/\/)/, 'must be a mailto: or https:// URL')
        .nullable()
        .default(null)
        .describe(
          "List-Unsubscribe target; {address} is replaced by the subscriber's address. An https URL also gets one-click unsubscribe (RFC 8058).",
        ),
      connections: z.number().int().min(1).max(20).default(2).describe('Pooled SMTP connections.'),
      ratePerSecond: z.number().positive().default(5).describe('Most messages sent per second, over all connections.'),
      maxItems: z.number().int().min(1).default(100).describe('Most items shown in one digest; the rest are counted and linked.'),
      retryMaxMs: z
        .number()
        .int()
        .min(1000)
        .default(3_600_000)
        .describe('Longest wait between retries of a digest that could not be sent.'),
      tlsRejectUnauthorized: z.boolean().default(true).describe('Refuse SMTP servers with an invalid TLS certificate.'),
      checkEveryMs: z.number().int().min(100).default(30_000).describe('How often the daemon looks for due digests and retries.'),
    })
    .prefault({}),
  subscribers: z.array(subscriber).default([]).describe('People who get e-mail digests.'),
  serve: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1').describe('Address the built-in web server listens on.'),
      port: z.number().int().min(0).max(65535).default(8080).describe('Port of the built-in web server.'),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z
        .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
        .default('info')
        .describe('Least important log level shown.'),
    })
    .prefault({}),
  customTopics: z.array(customTopic).default([]).describe('Topics defined by a rule over the items of any pages.'),
  topics: z
    .record(z.string().min(1), topicSettings)
    .default({})
    .describe('Per-page settings, keyed by the page name as it appears in the dumps.'),
});

/** The validated configuration, with every default filled in. */
export type Config = z.infer<typeof configSchema>;
/** One subscriber of e-mail digests. */
export type Subscriber = z.infer<typeof subscriber>;
/** A topic defined by a rule over items of any pages. */
export type CustomTopic = z.infer<typeof customTopic>;
/** Settings of one page topic. */
export type TopicSettings = z.infer<typeof topicSettings>;
