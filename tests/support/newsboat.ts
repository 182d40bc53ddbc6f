import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers.js';

/**
 * newsboat (Debian package), the terminal feed reader, run headless: it imports an OPML list or takes
 * feed URLs, reloads every feed over HTTP, and its cache (SQLite) says what a reader shows. Tests that
 * use it skip where it is not installed (`.ci/run` installs it).
 */
export const HAS_NEWSBOAT = spawnSync('sh', ['-c', 'command -v newsboat'], { encoding: 'utf8' }).status === 0;

export interface NewsboatView {
  feeds: { url: string; title: string }[];
  items: { feedurl: string; guid: string; title: string; content: string }[];
}

/** Subscribes to `urls` (or imports `opml`), reloads, and returns what newsboat stored. */
export async function newsboatRead(source: { urls?: string[]; opml?: string }): Promise<NewsboatView> {
  const dir = tempDir('dumpfeed-newsboat-');
  const urls = join(dir, 'urls');
  const cache = join(dir, 'cache.db');
  const conf = join(dir, 'config');
  writeFileSync(urls, (source.urls ?? []).map((u) => `${u}\n`).join(''));
  writeFileSync(conf, 'download-timeout 20\nreload-threads 1\n');
  mkdirSync(join(dir, 'cfg'));
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg'), XDG_DATA_HOME: join(dir, 'data'), TERM: 'dumb' };
  // Asynchronous: the feeds may be served by this very process.
  const run = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('newsboat', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`newsboat ${args.join(' ')} exited ${code}: ${output}`))));
    });
  if (source.opml) await run(['-i', source.opml, '-u', urls, '-C', conf]);
  await run(['-u', urls, '-c', cache, '-C', conf, '-x', 'reload']);
  if (!existsSync(cache)) return { feeds: [], items: [] };
  const db = new Database(cache, { readonly: true });
  try {
    return {
      feeds: db.prepare('SELECT rssurl AS url, title FROM rss_feed').all() as NewsboatView['feeds'],
      items: db.prepare('SELECT feedurl, guid, title, content FROM rss_item').all() as NewsboatView['items'],
    };
  } finally {
    db.close();
  }
}
