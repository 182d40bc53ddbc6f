#!/usr/bin/env node
'use strict';
// The CLI, bundled into one file by `npm run build` (npm ci runs `prepare`, which builds it): see
// scripts/bundle-cli.mjs for why. This file is CommonJS (bin/package.json): a process that loads no
// ES module never starts Node's ES module loader.
const { main } = require('../dist/bundle/main.cjs');

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
