import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, tempDir } from './helpers.js';

// The README's "Getting started" runs here line by line, as written, in bash: a new HOME with the
// checkout at ~/dumpfeed, a global install into a prefix of its own, the server on a free port.
// Two things differ, both said here: `npm ci` is what .ci/run runs before the tests (running it
// again would replace node_modules under the running suite), and `8080` becomes the free port.

const background: ChildProcess[] = [];
afterEach(() => {
  for (const child of background.splice(0)) child.kill('SIGKILL');
});

/** The lines of the section's first sh block, without comments. */
function walkthrough(): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Getting started'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('the README', () => {
  it('Getting started works as written: an installed command, a store, feeds, a digest, a served feed', async () => {
    const lines = walkthrough();
    expect(lines[1]).toBe('npm ci');
    expect(readFileSync(join(REPO, '.ci', 'run'), 'utf8')).toMatch(/^npm ci /m);
    const home = tempDir();
    symlinkSync(REPO, join(home, 'dumpfeed'));
    const prefix = join(home, '.npm-global');
    mkdirSync(prefix);
    const port = await freePort();
    const env = {
      ...process.env,
      HOME: home,
      PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
      npm_config_prefix: prefix,
      npm_config_update_notifier: 'false',
      DUMPFEED_SERVE_PORT: String(port),
    };
    let cwd = home;
    const outputs: string[] = [];
    for (const written of lines) {
      if (written === 'npm ci') continue;
      const line = written.replaceAll(':8080', `:${port}`);
      if (line.startsWith('cd ')) {
        cwd = spawnSync('bash', ['-c', `${line} && pwd`], { cwd, env, encoding: 'utf8' }).stdout.trim();
        continue;
      }
      if (line === 'kill %1') {
        const child = background.pop()!;
        child.kill('SIGTERM');
        expect(await new Promise((r) => child.on('exit', r))).toBe(0);
        continue;
      }
      if (line.endsWith(' &')) {
        const child = spawn('bash', ['-c', `exec ${line.slice(0, -2)}`], { cwd, env });
        background.push(child);
        // It listens once it has said where (the first line of `serve`).
        await new Promise<void>((resolve, reject) => {
          child.stdout!.setEncoding('utf8').on('data', (c: string) => c.includes('\n') && resolve());
          child.on('exit', (code) => reject(new Error(`${line} exited with ${code}`)));
        });
        continue;
      }
      const r = spawnSync('bash', ['-c', `set -o pipefail; ${line}`], { cwd, env, encoding: 'utf8' });
      // `head` closes the pipe early; curl's complaint about it is not a failure of the step.
      expect(r.status, `${line}\n${r.stdout}\n${r.stderr}`).toBe(line.includes('| head') ? r.status : 0);
      outputs.push(r.stdout);
    }
    expect(cwd).toBe(join(home, 'news'));
    // The served feed and page, through the global command's server.
    expect(outputs.join('\n')).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
    expect(outputs.at(-1)!.trim()).toBe('20');
    // The digest in the outbox, as a mail program reads it.
    const outbox = join(home, 'news', 'outbox');
    const [eml] = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    const mail = await simpleParser(readFileSync(join(outbox, eml!)));
    expect(mail.to).toMatchObject({ value: [{ address: 'you@example.org' }] });
    expect(mail.subject).toMatch(/^\d+ new items: /);
    expect(mail.text).toMatch(/Unsubscribe: http:\/\/localhost:8080\/unsubscribe\/\S+/);
  });
});
