import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../helpers.js';

export const BIN = join(REPO, 'bin', 'dumpfeed.js');

/** Runs the real CLI to completion; `env` adds to (or, with undefined values, removes from) the environment. */
export function cli(
  args: string[],
  cwd = REPO,
  env: Record<string, string | undefined> = {},
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts the real CLI and SIGKILLs it once it has printed `lines` lines on stdout (an event: that many
 * dumps were handled), or when it ends first. Resolves when it has exited.
 */
export function cliKilledAfterLines(args: string[], lines: number, cwd = REPO): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      seen += chunk.split('\n').length - 1;
      if (seen >= lines) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
}
