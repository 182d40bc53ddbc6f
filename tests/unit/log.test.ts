import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

// The readable log (a terminal) in a process of its own, as `dumpfeed watch` writes it.
function readableLine(env: Record<string, string>): string {
  const script = `import('./src/log.ts').then((m) => m.createLogger('info', true).info({ event: 'x' }, 'hello'))`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('the readable log', () => {
  it('is coloured on a terminal, and plain with NO_COLOR set', () => {
    expect(readableLine({ NO_COLOR: '' })).toMatch(/\u001b\[/);
    const plain = readableLine({ NO_COLOR: '1' });
    expect(plain).not.toMatch(/\u001b\[/);
    expect(plain).toMatch(/INFO: hello/);
  });
});
