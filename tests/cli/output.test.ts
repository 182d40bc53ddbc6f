import { spawn, spawnSync } from 'node:child_process';
import { constants, createReadStream, createWriteStream, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fdOutput } from '../../src/cli/output.js';
import { REPO, tempDir } from '../helpers.js';

// The commands write to the descriptors themselves (src/cli/output.ts). A descriptor inherited in
// non-blocking mode refuses a write when its pipe is full (EAGAIN): the rest goes through a stream,
// which waits for the reader, and nothing is lost or reordered.

describe('command output', () => {
  it('into a full non-blocking pipe: everything arrives, in order', async () => {
    const fifo = join(tempDir(), 'out.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // The reading end first (non-blocking, or the open waits for a writer), then the writing end.
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const out = fdOutput(writeFd, () => createWriteStream('', { fd: writeFd }));
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 97)}\n`);
    // Written at once, far more than a pipe holds (64 KB), before anyone reads.
    for (const line of lines) out.write(line);
    const received: Buffer[] = [];
    const reader = createReadStream('', { fd: readFd });
    reader.on('data', (chunk) => {
      received.push(chunk as Buffer);
      if (Buffer.concat(received).length === Buffer.byteLength(lines.join(''))) reader.destroy();
    });
    await new Promise<void>((resolve) => reader.on('close', () => resolve()));
    expect(Buffer.concat(received).toString('utf8')).toBe(lines.join(''));
  });

  it('a pipe and a file are not terminals', () => {
    const dir = tempDir();
    const file = openSync(join(dir, 'log'), 'w');
    expect(fdOutput(file, () => process.stdout).isTTY).toBe(false);
    const fifo = join(dir, 'p.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // A reader first, or opening the writing end waits for one.
    openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    expect(fdOutput(openSync(fifo, constants.O_WRONLY), () => process.stdout).isTTY).toBe(false);
  });

  it('watch and serve: a closed reader of the process streams silences them; the process goes on', async () => {
    const done = join(tempDir(), 'done');
    // A process that, like the daemon's logger or Node's own warnings, writes to process.stdout.
    const script = `
      import { writeFileSync } from 'node:fs';
      import { silenceClosedProcessStreams } from './src/cli/output.ts';
      silenceClosedProcessStreams();
      process.stdout.write('ready\\n');
      let left = 20;
      const more = () => {
        process.stdout.write('x'.repeat(65536));
        if (--left > 0) return setImmediate(more);
        writeFileSync(${JSON.stringify(done)}, 'still here');
        process.exit(0);
      };
      process.stdin.once('data', () => more());
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    // The reader goes away (as `watch | head -1` does), then the process writes on.
    child.stdout.destroy();
    child.stdin.write('go\n');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(readFileSync(done, 'utf8')).toBe('still here');
  });
});
