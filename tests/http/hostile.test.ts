import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../cli/run-cli.js';
import { writeWatchConfig } from '../daemon/watch-process.js';
import { seedFiles, tempDir } from '../helpers.js';

// Anything reachable over HTTP is hostile input; anything in a config may be careless. Neither may
// stall the daemon, and nothing private is served.

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function get(url: string): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, ms: performance.now() - started }));
    })
      .on('error', reject)
      .end();
  });
}

/** `dumpfeed watch --serve` on a folder with the given config; resolves with its URL once it serves. */
async function watchServe(dir: string, config: Record<string, unknown>) {
  mkdirSync(join(dir, 'inbox'), { recursive: true });
  writeWatchConfig(dir, { watch: { stabilityMs: 50 }, ...config });
  const child = spawn(process.execPath, [BIN, 'watch', '--serve', '--port', '0', '--config', 'dumpfeed.json'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (log += c));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/"/.exec(log);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { url, child, exited, log: () => log };
}

// Exponential backtracking in a backtracking engine: (\w+\s?)*$ against many word characters and a '!'.
const HOSTILE = encodeURIComponent('^(\\w+\\s?)*$');

describe('hostile requests and careless patterns', () => {
  it('a catastrophic ?filter= does not stall the server: /healthz answers within a second, SIGTERM stops it', async () => {
    const dir = tempDir();
    // Long words in titles and summaries give the pattern something to chew on.
    const page = readFileSync(seedFiles()[0]!, 'utf8').replace(/ {4}ILO/g, `    ${'Decentworkforallworkers'.repeat(3)}! ILO`);
    const { url, child, exited } = await watchServe(dir, {});
    writeFileSync(join(dir, 'inbox', 'a.txt'), page);
    await expect.poll(async () => (await get(`${url}/feeds/press-releases.atom`)).status, { timeout: 10_000 }).toBe(200);

    const hostile = [1, 2, 3].map(() => get(`${url}/feeds/all.atom?filter=${HOSTILE}&filterout=${HOSTILE}`));
    const health = await get(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.ms).toBeLessThan(1000);
    for (const r of await Promise.all(hostile)) expect(r.status).toBe(200);

    // RE2 has no backreferences: a query that needs them is refused, not run.
    const refused = await get(`${url}/feeds/all.atom?filter=${encodeURIComponent('(a)\\1')}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('filter: not a regular expression: invalid escape sequence');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('a catastrophic custom topic rule in the config does not stall the daemon', async () => {
    const dir = tempDir();
    const page = readFileSync(seedFiles()[0]!, 'utf8').replace(/ {4}ILO/g, `    ${'Decentworkforallworkers'.repeat(3)}! ILO`);
    const { url, child, exited } = await watchServe(dir, {
      customTopics: [{ name: 'Careless', slug: 'careless', include: ['/^(\\w+\\s?)*$/'] }],
    });
    writeFileSync(join(dir, 'inbox', 'a.txt'), page);
    await expect.poll(async () => (await get(`${url}/feeds/careless.atom`)).status, { timeout: 10_000 }).toBe(200);
    expect((await get(`${url}/healthz`)).ms).toBeLessThan(1000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('/healthz says healthy or not with counts, never error texts, addresses or paths', async () => {
    const dir = tempDir();
    // Digests to a port where nothing listens: the daemon records an error naming the subscriber.
    const { url, child, exited, log } = await watchServe(dir, {
      mail: { smtp: 'smtp://127.0.0.1:9', checkEveryMs: 100, retryMaxMs: 1000 },
      subscribers: [{ address: 'private.person@example.org', schedule: 'immediate', backfill: true }],
    });
    writeFileSync(join(dir, 'inbox', 'a.txt'), readFileSync(seedFiles()[0]!));
    await expect.poll(() => /private\.person@example\.org/.test(log()), { timeout: 15_000 }).toBe(true);
    const health = await get(`${url}/healthz`);
    const body = JSON.parse(health.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['daemon', 'lastDumpAt', 'lastErrorAt', 'ok', 'queue', 'retrying']);
    expect(body.lastErrorAt).toEqual(expect.any(String));
    expect(health.body).not.toContain('@');
    expect(health.body).not.toContain(dir);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
