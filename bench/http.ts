import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fillStore, context } from './ingest.js';
import { ingestPaths } from '../dist/pipeline.js';
import { writeCorpus } from './corpus.js';
import { percentile, report } from './report.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'dumpfeed.js');

/** Starts a process that prints its URL on its first line of output; resolves with the process and URL. */
async function startServer(args: string[], cwd: string): Promise<{ child: ChildProcess; url: string }> {
  // stderr ignored: serve warns that feeds.baseUrl is not its own address, which is beside the point here.
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
  return { child, url: /(http:\/\/[^\s]+?)\/? /.exec(`${line} `)![1]! };
}

/** `connections` keep-alive clients asking for `path` for `ms`: requests per second and latency percentiles. */
async function load(url: string, path: string, connections: number, ms: number): Promise<{ rps: number; p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const end = performance.now() + ms;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const t0 = performance.now();
      request(`${url}${path}`, { agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode}`));
          latencies.push(performance.now() - t0);
          resolve();
        });
      })
        .on('error', reject)
        .end();
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/**
 * The web server against a bare `node:http` server that answers every request with the same bytes,
 * both as processes of their own, measured one after the other with the same clients: the index page
 * of a store of `items` items (one connection and 50), and a feed (50 connections).
 */
export async function benchHttp(items: number, seconds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dumpfeed-bench-'));
  try {
    const ctx = context(dir);
    await fillStore(ctx, items, dir);
    writeCorpus(join(dir, 'corpus'), { topics: 5, dumps: 3, items: 50, seed: 11 });
    await ingestPaths(ctx, [join(dir, 'corpus')]);
    ctx.store.close();
    await benchHttpOn(dir, items, seconds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same on a store already filled and closed: `state.db` and `feeds/` in `dir`, as bench/ingest.ts's `context` makes them. */
const SLICES = 5;

export async function benchHttpOn(dir: string, items: number, seconds: number): Promise<void> {
  const children: ChildProcess[] = [];
  try {
    const serve = await startServer([BIN, 'serve', '--db', join(dir, 'state.db'), '--out', join(dir, 'feeds'), '--port', '0'], dir);
    children.push(serve.child);
    const topics = (await fetch(`${serve.url}/feeds/topics.opml`).then((r) => r.text())).match(/feeds\/[^"/]+\.atom/g)!;
    const feed = `/${topics[0]!}`;
    for (const [path, connections] of [
      ['/', 1],
      ['/', 50],
      [feed, 50],
    ] as const) {
      const body = await fetch(`${serve.url}${path}`).then(async (r) => Buffer.from(await r.arrayBuffer()));
      const file = join(dir, 'bare-body');
      writeFileSync(file, body);
      const bare = await startServer(
        [
          '-e',
          `const b = require('fs').readFileSync(${JSON.stringify(file)});
           const s = require('http').createServer((q, r) => { r.setHeader('Content-Type', 'text/html'); r.end(b); });
           s.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + s.address().port + ' '));`,
        ],
        dir,
      );
      children.push(bare.child);
      await load(serve.url, path, connections, 500); // warm-up: the page rendered and cached
      // The two servers in turn, in five slices each: on a shared machine a busy spell then slows both.
      const ours: Awaited<ReturnType<typeof load>>[] = [];
      const reference: typeof ours = [];
      for (let k = 0; k < SLICES; k++) {
        ours.push(await load(serve.url, path, connections, (seconds * 1000) / SLICES));
        reference.push(await load(bare.url, '/', connections, (seconds * 1000) / SLICES));
      }
      bare.child.kill();
      const what = `http: ${path === '/' ? 'index page' : 'a feed'}, ${connections} conn.`;
      const summary = (rs: typeof ours) => {
        const mid = (f: (r: (typeof ours)[number]) => number) => percentile(rs.map(f), 50);
        return {
          rps: rs.reduce((sum, r) => sum + r.rps, 0) / rs.length,
          text: `p50 ${mid((r) => r.p50).toFixed(1)} ms, p99 ${mid((r) => r.p99).toFixed(1)} ms`,
        };
      };
      report(`${what}, ${items.toLocaleString('en')} items stored`, summary(ours).rps, 'req/s', summary(ours).text);
      report(`${what}: bare node:http, same bytes`, summary(reference).rps, 'req/s', summary(reference).text);
      const ratios = ours.map((r, k) => r.rps / reference[k]!.rps);
      report(
        `${what}: ratio to bare`,
        percentile(ratios, 50),
        'x',
        `median of ${SLICES} turns; ${path === '/' ? 'target >= 0.5' : 'target >= 0.9'}`,
      );
    }
  } finally {
    for (const child of children) child.kill();
  }
}
