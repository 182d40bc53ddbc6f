import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../config/load-config.js';
import { DumpfeedError, UsageError } from '../errors.js';
import { stdout } from './output.js';

/** Options of `dumpfeed init`. */
export interface InitArgs {
  positionals: string[];
  'base-url'?: string | undefined;
  title?: string | undefined;
}

/** The package's own config folder: the example config and the JSON Schema. */
export const PACKAGE_CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

/**
 * `dumpfeed init [DIR]`: a new installation. Writes DIR/config/dumpfeed.json (the settings a new
 * operator changes first, everything else at its default) with the JSON Schema beside it for the
 * editor, and makes the folders the config names. Run the other commands from DIR. An existing
 * config is never overwritten.
 */
export async function initCommand(args: InitArgs): Promise<number> {
  if (args.positionals.length > 1) throw new UsageError('init takes at most one DIR');
  const dir = args.positionals[0] ?? '.';
  const file = join(dir, 'config', 'dumpfeed.json');
  if (existsSync(file)) throw new DumpfeedError(`init ${file}`, 'a config is already there; it is left as it is');
  const baseUrl = args['base-url'] ?? 'http://localhost:8080/';
  const title = args.title ?? 'dumpfeed';
  const host = /^https?:\/\/([^/:]+)/i.exec(baseUrl)?.[1] ?? 'localhost';
  const starter = {
    $schema: './dumpfeed.schema.json',
    source: { inbox: 'inbox', pattern: '*.txt' },
    store: { path: 'data/dumpfeed.db' },
    feeds: { dir: 'feeds', baseUrl, title },
    mail: { smtp: null, outbox: 'outbox', from: `${title} <digest@${host.includes('.') ? host : `${host}.localdomain`}>` },
    serve: { host: '127.0.0.1', port: 8080 },
    subscribers: [],
    customTopics: [],
    topics: {},
  };
  const text = `${JSON.stringify(starter, null, 2)}\n`;
  // Checked like any config before it is written: a bad --base-url is refused here, not at the first run.
  parseConfig(JSON.parse(text), file, {}, undefined, text);
  for (const folder of ['config', 'inbox', 'feeds', 'data', 'outbox']) mkdirSync(join(dir, folder), { recursive: true });
  writeFileSync(file, text, { flag: 'wx' });
  copyFileSync(join(PACKAGE_CONFIG_DIR, 'dumpfeed.schema.json'), join(dir, 'config', 'dumpfeed.schema.json'));
  const shown = relative(process.cwd(), dir) || '.';
  stdout.write(
    [
      `created ${join(shown, 'config', 'dumpfeed.json')} and the folders inbox/ feeds/ data/ outbox/`,
      `next, from ${shown === '.' ? 'this folder' : `${shown}/`}:`,
      '  dumpfeed ingest inbox     process the dumps in inbox/ once: store them, write feeds/',
      '  dumpfeed watch --serve    keep doing it as dumps arrive, and serve feeds and pages on http://127.0.0.1:8080/',
      '  dumpfeed subscribers add you@example.org --schedule immediate',
      '                            e-mail digests (into outbox/ until mail.smtp names a server)',
      `every setting and its default: ${join(PACKAGE_CONFIG_DIR, 'dumpfeed.schema.json')}`,
      '',
    ].join('\n'),
  );
  return 0;
}
