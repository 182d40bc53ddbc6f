import { z } from 'zod';

/**
 * The one list of dumpfeed's options, with defaults and a description for each. Unknown keys are
 * rejected, so a typo is an error rather than a silently ignored setting.
 */

const absoluteUrl = z
  .string()
  .url()
  .refine((s) => /^https?:\/\//i.test(s), 'must be an http:// or https:// URL')
  .transform((s) => (s.endsWith('/') ? s : `${s}/`));

const topicSettings = z.strictObject({
  title: z.string().min(1).optional().describe('Feed title shown to readers instead of the page name.'),
  slug: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case letters, digits and single hyphens')
    .optional()
    .describe('File name of the feeds (feeds/SLUG.atom); default: from the page name.'),
  sourceUrl: z.string().url().optional().describe('URL of the original listing page; entry links then point there.'),
  description: z.string().optional().describe('Feed subtitle / description.'),
});

export const configSchema = z.strictObject({
  source: z
    .strictObject({
      inbox: z.string().min(1).default('inbox').describe('Folder the dumps are dropped into (watch mode).'),
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
  log: z
    .strictObject({
      level: z
        .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
        .default('info')
        .describe('Least important log level shown.'),
    })
    .prefault({}),
  topics: z
    .record(z.string().min(1), topicSettings)
    .default({})
    .describe('Per-page settings, keyed by the page name as it appears in the dumps.'),
});

/** The validated configuration, with every default filled in. */
export type Config = z.infer<typeof configSchema>;
/** Settings of one page topic. */
export type TopicSettings = z.infer<typeof topicSettings>;
