import { readFileSync } from 'node:fs';

let version: string | undefined;

/** dumpfeed's version, from its package.json (read once, when first asked). */
export function dumpfeedVersion(): string {
  return (version ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version);
}
