// Bundles the CLI after `tsc` has built dist/ (npm run build): dist/bundle/main.cjs (argument parsing,
// help, the commands table) and one file per command module (dist/bundle/ingest-command.cjs, ...)
// with all the code that command runs.
//
// Why: a cron `ingest` or `parse` is a whole process, and Node 20's ES module loader costs a few
// milliseconds per module (resolve, load, link, evaluate), well over a hundred modules for `ingest`
// with its dependencies. A CommonJS file is one read and one compile, and a file per command keeps
// the compile to the code that command runs: `parse` never reads the store, mail or web code.
// The files share one copy of src/errors.ts (dist/bundle/errors.cjs), so that main's
// `instanceof DumpfeedError` knows every command's errors.
//
// What stays outside the bundles:
// - better-sqlite3's compiled addon and the `bindings` package (src/store/db.ts hands the driver its
//   addon: `bindings` looks for it next to the file that calls it); the driver's JavaScript is bundled,
//   which saves resolving and loading its ten files on every run (about 7 ms of a cron ingest);
// - pino and pino-pretty (their transports run in worker threads that load files by path), nodemailer
//   (only the mail code loads it);
// - the modules the source loads with `createRequire(import.meta.url)(...)` on first use (iconv-lite,
//   jsonc-parser, picomatch, re2js): esbuild leaves such calls alone.
//
// `import.meta.url` does not exist in CommonJS; in each source file it becomes the URL of that file's
// own compiled twin under dist/ (dist/sinks/http/server-process.js for src/sinks/http/server-process.ts),
// so every path the code finds relative to itself (package.json, config/, the web server's child
// process) is the same as in the unbundled build.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const out = join(root, 'dist', 'bundle');
const commands = readdirSync(join(src, 'cli')).filter((f) => f.endsWith('-command.ts'));

/**
 * Two rewrites of the source, one plugin (esbuild takes the first onLoad that answers):
 * - `import.meta.url` becomes the URL of the file's compiled twin (above);
 * - src/errors.ts, and each command module the commands table loads, are other files of the bundle:
 *   the table's `await import('./ingest-command.js')` becomes `require('./ingest-command.cjs')` (an
 *   `import()` would start the ES module loader for one CommonJS file).
 */
/** @type {import('esbuild').Plugin} */
const dumpfeedFiles = {
  name: 'dumpfeed-files',
  setup(b) {
    b.onLoad({ filter: /\/src\/.*\.ts$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      const original = text;
      if (args.path === join(src, 'cli', 'commands.ts')) {
        text = text.replace(/await import\('\.\/([a-z-]+-command)\.js'\)/g, (_, name) => {
          if (!commands.includes(`${name}.ts`)) throw new Error(`commands.ts loads ${name}, which is not a command module`);
          return `require('./${name}.cjs')`;
        });
        if (text === original) throw new Error('commands.ts: found no command module to bundle apart');
      }
      const twin = relative(src, args.path).replace(/\.ts$/, '.js').split('\\').join('/');
      text = text.replaceAll('import.meta.url', `__dumpfeedUrl(${JSON.stringify(twin)})`);
      return text === original ? undefined : { contents: text, loader: 'ts' };
    });
    b.onResolve({ filter: /^\.\/[a-z-]+-command\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(dirname(args.importer), args.path).replace(/\.js$/, '.ts');
      if (target === join(src, 'errors.ts') && args.importer !== target) return { path: './errors.cjs', external: true };
      return undefined;
    });
  },
};

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(src, 'cli', 'main.ts'), join(src, 'errors.ts'), ...commands.map((f) => join(src, 'cli', f))],
  outdir: out,
  outExtension: { '.js': '.cjs' },
  entryNames: '[name]',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['bindings', 'pino', 'pino-pretty', 'nodemailer'],
  banner: {
    js: "const __dumpfeedUrl = (file) => require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', file)).href;",
  },
  plugins: [dumpfeedFiles],
  sourcemap: 'linked',
  logLevel: 'warning',
});

// V8 code caches (bin/dumpfeed.js loads them): the CLI run as a cron runs it, in a folder of its own,
// with DUMPFEED_WRITE_CODE_CACHE=1 on the runs whose compiled code is kept. `parse` of a sample; then
// an `ingest` into a store that the other samples made, of a new page and of a re-dump (the same items
// under another hash): the steady state's paths, from matching to the feeds. The ingest run is last,
// so main.cjs keeps its cache (the command table and the options, the same for every command).
const bin = join(root, 'bin', 'dumpfeed.js');
const samples = readdirSync(join(root, 'samples')).sort();
const work = mkdtempSync(join(tmpdir(), 'dumpfeed-code-cache-'));
try {
  const withoutSettings = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DUMPFEED_')));
  const run = (args, keep) => {
    const r = spawnSync(process.execPath, [bin, ...args], {
      cwd: work,
      // Without the caller's DUMPFEED_ settings: the runs are the embedded defaults' in their own folder.
      env: { ...withoutSettings, DUMPFEED_WRITE_CODE_CACHE: keep ? '1' : '0' },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`code cache: dumpfeed ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  };
  const first = join(work, 'first');
  const later = join(work, 'later');
  mkdirSync(first);
  mkdirSync(later);
  samples.slice(0, -1).forEach((f) => copyFileSync(join(root, 'samples', f), join(first, f)));
  copyFileSync(join(root, 'samples', samples.at(-1)), join(later, samples.at(-1)));
  copyFileSync(join(root, 'samples', samples[0]), join(later, `redump-${samples[0]}`));
  appendFileSync(join(later, `redump-${samples[0]}`), '\n');
  run(['parse', join(first, samples[0])], true);
  run(['ingest', first], false);
  run(['ingest', later], true);
} finally {
  rmSync(work, { recursive: true, force: true });
}
