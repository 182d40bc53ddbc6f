// Bundles the CLI into one file, dist/dumpfeed.cjs, after `tsc` has built dist/ (npm run build).
//
// Why: a cron `ingest` or `parse` is a whole process, and Node 20's ES module loader costs a few
// milliseconds per module (resolve, load, link, evaluate), well over a hundred modules for `ingest`
// with its dependencies. One CommonJS file is one read and one compile. The commands' modules stay
// lazy: esbuild turns each `await import()` into code that runs when the command does, so
// `--version` or `parse` still never run the mail or web code. BENCHMARKS.md has the figures.
//
// What stays outside the bundle:
// - better-sqlite3 (a native addon found through its package), pino and pino-pretty (their
//   transports run in worker threads that load files by path), nodemailer (only the mail commands
//   load it);
// - the modules the source loads with `createRequire(import.meta.url)(...)` on first use (iconv-lite,
//   jsonc-parser, picomatch, re2js): esbuild leaves such calls alone.
//
// `import.meta.url` does not exist in CommonJS; in each source file it becomes the URL of that file's
// own compiled twin under dist/ (dist/sinks/http/server-process.js for src/sinks/http/server-process.ts),
// so every path the code finds relative to itself (package.json, config/, the web server's child
// process) is the same as in the unbundled build.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** @type {import('esbuild').Plugin} */
const importMetaUrl = {
  name: 'import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\/src\/.*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const twin = relative(src, args.path).replace(/\.ts$/, '.js').split('\\').join('/');
      return { contents: text.replaceAll('import.meta.url', `__dumpfeedUrl(${JSON.stringify(twin)})`), loader: 'ts' };
    });
  },
};

await build({
  entryPoints: [join(src, 'cli', 'main.ts')],
  outfile: join(root, 'dist', 'dumpfeed.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['better-sqlite3', 'pino', 'pino-pretty', 'nodemailer'],
  banner: {
    js: "const __dumpfeedUrl = (file) => require('node:url').pathToFileURL(require('node:path').join(__dirname, file)).href;",
  },
  plugins: [importMetaUrl],
  sourcemap: 'linked',
  logLevel: 'warning',
});
