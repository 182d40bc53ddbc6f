#!/usr/bin/env node
'use strict';
// The CLI, bundled by `npm run build` (npm ci runs `prepare`, which builds it): see
// scripts/bundle-cli.mjs for why. This file is CommonJS (bin/package.json): a process that loads no
// ES module never starts Node's ES module loader.
//
// The bundles are loaded here rather than with `require`, to use V8 code caches: the build runs the
// CLI once with DUMPFEED_WRITE_CODE_CACHE=1, which saves next to each bundle it loaded the compiled
// code of every function that ran (dist/bundle/ingest-command.cjs.cache, ...). A cron `ingest` then
// reads its functions compiled instead of compiling them: +44 ms over Node's own start-up became +28
// (BENCHMARKS.md, round 9). A cache that does not fit (another Node, other V8 flags, a bundle built since) is
// set aside by V8 or by the stamp below, and the bundle compiles as it would without one.
const { readFileSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const BUNDLE = join(__dirname, '..', 'dist', 'bundle');
/** What the bundles require of each other: `./errors.cjs` and the command files (one copy each). */
const SIBLING = /^\.\/[a-z-]+\.cjs$/;
// The build's switch, not a setting: taken out of the environment, where the config would find it unknown.
const writeCache = process.env.DUMPFEED_WRITE_CODE_CACHE === '1';
delete process.env.DUMPFEED_WRITE_CODE_CACHE;
const modules = new Map();
const compiled = [];

/** Loads a bundle as Node loads a CommonJS file (the same wrapper and arguments), with its code cache. */
function load(name) {
  const known = modules.get(name);
  if (known) return known.exports;
  const filename = join(BUNDLE, name);
  const source = readFileSync(filename, 'utf8');
  const stamp = stampOf(filename);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename,
    cachedData: writeCache ? undefined : cacheOf(filename, stamp),
  });
  compiled.push({ filename, stamp, script });
  const module = { exports: {} };
  modules.set(name, module);
  const nodeRequire = createRequire(filename);
  const require = (id) => (SIBLING.test(id) ? load(id.slice(2)) : nodeRequire(id));
  require.resolve = nodeRequire.resolve;
  script.runInThisContext().call(module.exports, module.exports, require, module, filename, BUNDLE);
  return module.exports;
}

/**
 * What a cache was made from: the bundle's size and time. V8 checks that a cache is its own version's
 * and flags', but of the source only its length; a bundle rebuilt or edited since has another stamp.
 */
function stampOf(filename) {
  const { size, mtimeMs } = statSync(filename);
  return `dumpfeed code cache ${size} ${mtimeMs}\n`;
}

/** The cache saved for a bundle with this stamp, or undefined (none, or made from another build). */
function cacheOf(filename, stamp) {
  let bytes;
  try {
    bytes = readFileSync(`${filename}.cache`);
  } catch {
    return undefined;
  }
  const head = Buffer.from(stamp);
  return bytes.length > head.length && bytes.subarray(0, head.length).equals(head) ? bytes.subarray(head.length) : undefined;
}

if (writeCache) {
  // At exit the caches hold every function that ran, not only the top level.
  process.on('exit', () => {
    for (const { filename, stamp, script } of compiled) {
      writeFileSync(`${filename}.cache`, Buffer.concat([Buffer.from(stamp), script.createCachedData()]));
    }
  });
}

load('main.cjs')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
