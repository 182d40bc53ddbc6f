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
import { readdirSync, rmSync } from 'node:fs';
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
