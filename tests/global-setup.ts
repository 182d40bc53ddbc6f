import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** CLI tests run the real entry point, bin/dumpfeed.js, which loads the compiled dist/: build it first. */
export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], {
    stdio: 'inherit',
  });
}
