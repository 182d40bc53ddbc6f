#!/usr/bin/env node
// The CLI, bundled into one file by `npm run build` (npm ci runs `prepare`, which builds it): see
// scripts/bundle-cli.mjs for why.
import { createRequire } from 'node:module';

const { main } = createRequire(import.meta.url)('../dist/dumpfeed.cjs');
process.exitCode = await main(process.argv.slice(2));
