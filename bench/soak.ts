import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startSink } from '../tests/mail/smtp-sink.js';
import { generateCorpus } from './corpus.js';
import { percentile, report } from './report.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'dumpfeed.js');

/** Options of the soak: how long, how fast dumps arrive, how many pages, subscribers and HTTP readers. */
export interface SoakOptions {
  minutes: number;
  dropsPerSecond: number;
  pages: number;
  subscribers: number;
  readers: number;
  /** Seconds of HTTP reading with no drops first: the reference for HTTP latency. */
  idleSeconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The daemon under load, as it runs for months: `watch --serve` with dumps renamed into the inbox at
 * a steady rate over many pages, HTTP readers asking for the index, topic pages, feeds, filtered feeds
 * and conditional requests, and subscribers (half `immediate`, half `hourly`) whose digests go to a
 * real SMTP server. Reports drop-to-handled latency, the backlog, HTTP latency against the same readers
 * with no drops, the delay of immediate digests, and the daemon's memory and open files over time.
 */
export async function benchSoak(o: SoakOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dumpfeed-soak-'));
  const sinkDir = join(dir, 'sink');
  const sink = await startSink(sinkDir);
  const inbox = join(dir, 'inbox');
  mkdirSync(inbox);
  const subscribers = Array.from({ length: o.subscribers }, (_, i) => ({
    address: `reader${i}@example.org`,
    schedule: i % 2 === 0 ? 'immediate' : 'hourly',
    backfill: false,
  }));
  writeFileSync(
    join(dir, 'dumpfeed.json'),
    JSON.stringify({
      store: { path: 'state.db' },
      feeds: { dir: 'feeds', baseUrl: 'https://news.example.org/' },
      source: { inbox: 'inbox' },
      watch: { stabilityMs: 100 },
      mail: { smtp: `smtp://127.0.0.1:${sink.port}`, from: 'digest@news.example.org' },
      log: { level: 'info' },
      subscribers,
    }),
  );
  // The pages: 20 items each, re-dumped with one new item on top as the oldest scrolls off, now and
  // then with a summary corrected; titles are tagged `soakN` so the digests show which dump brought them.
  const dumpsPerPage = Math.ceil((o.minutes * 60 * o.dropsPerSecond) / o.pages) + 2;
  const corpus = generateCorpus({
    topics: o.pages,
    dumps: dumpsPerPage,
    items: 20,
    seed: 16,
    newPerDump: 1,
    start: new Date(Date.now() - 70 * 86_400_000),
    perDay: 4,
    tagTitles: true,
  });
  const firstSerial = o.pages * 20;
  const handledAt = new Map<string, number>();
  const droppedAt = new Map<string, number>();
  const itemOf = new Map<number, string>();
  // For profiling the daemon (and its server process, which inherits them): SOAK_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
  const nodeArgs = process.env.SOAK_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, BIN, 'watch', '--serve', '--port', '0', '--config', 'dumpfeed.json'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let url = '';
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let i = buffer.indexOf('\n'); i !== -1; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { event?: string; file?: string; url?: string };
      if (entry.event === 'serving') url = entry.url!;
      if ((entry.event === 'dump-processed' || entry.event === 'dump-rejected') && entry.file) {
        handledAt.set(entry.file.slice(entry.file.lastIndexOf('/') + 1), performance.now());
      }
    }
  });
  while (url === '') await sleep(50);
  // A first dump of every page: their back catalogue, before the clock starts.
  for (let p = 0; p < o.pages; p++) {
    const name = `0-${String(p).padStart(3, '0')}.txt`;
    writeFileSync(join(dir, `.${name}`), corpus.next().value![2]);
    renameSync(join(dir, `.${name}`), join(inbox, name));
  }
  while (handledAt.size < o.pages) await sleep(100);
  // The pages' slugs, from the list of feeds the daemon wrote.
  const opml = join(dir, 'feeds', 'topics.opml');
  while (!existsSync(opml)) await sleep(100);
  const slugs = [...readFileSync(opml, 'utf8').matchAll(/feeds\/([a-z0-9-]+)\.atom/g)].map((m) => m[1]!);

  // HTTP readers, keep-alive, each in a loop over the kinds of request readers send.
  const agent = new Agent({ keepAlive: true, maxSockets: o.readers });
  const paths = [
    '/',
    `/topics/${slugs[0]}`,
    `/topics/${slugs[3 % slugs.length]}`,
    `/feeds/${slugs[7 % slugs.length]}.atom`,
    '/feeds/all.rss',
    `/feeds/${slugs[2 % slugs.length]}.json?filter=labour`,
    '/feeds/all.atom?filter=workers&limit=20',
  ];
  const etags = new Map<string, string>();
  let phase: 'idle' | 'drops' | 'stop' = 'idle';
  const latencies = { idle: [] as number[], drops: [] as number[] };
  const byPath = new Map<string, number[]>();
  const get = (path: string) =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const headers: Record<string, string> = { 'Accept-Encoding': 'gzip, br' };
      const tag = etags.get(path);
      if (tag && Math.random() < 0.5) headers['If-None-Match'] = tag;
      const req = request(`${url}${path.slice(1)}`, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.headers.etag) etags.set(path, res.headers.etag);
          if (phase !== 'stop') latencies[phase].push(performance.now() - t0);
          if (phase === 'drops') {
            const list = byPath.get(path) ?? [];
            list.push(performance.now() - t0);
            byPath.set(path, list);
          }
          resolve();
        });
      });
      req.on('error', () => resolve());
      req.end();
    });
  const readers = Array.from({ length: o.readers }, async (_, r) => {
    for (let i = r; phase !== 'stop'; i++) await get(paths[i % paths.length]!);
  });
  await sleep(o.idleSeconds * 1000);

  // Drops at a steady rate; samples every 10 s.
  phase = 'drops';
  const start = performance.now();
  const end = start + o.minutes * 60_000;
  const samples: { t: number; backlog: number; rss: number; fds: number; cpu: number[]; rssEach: number[]; wal: number }[] = [];
  // CPU seconds used by each process (daemon, web server) since the last sample.
  const cpuOf = (pid: number) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  const lastCpu = new Map<number, number>();
  let dropped = 0;
  // The daemon and its web server process together.
  const pids = () => [
    child.pid!,
    ...readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
  ];
  const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const fdsOf = (pid: number) =>
    readdirSync(`/proc/${pid}/fd`).filter((f) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${f}`) !== '';
      } catch {
        return false;
      }
    }).length;
  const sampler = setInterval(() => {
    const all = pids();
    const rssEach = all.map(rssOf);
    const rss = rssEach.reduce((sum, r) => sum + r, 0);
    const fds = all.reduce((sum, pid) => sum + fdsOf(pid), 0);
    const cpu = all.map((pid) => {
      const used = cpuOf(pid);
      const since = used - (lastCpu.get(pid) ?? used);
      lastCpu.set(pid, used);
      return since;
    });
    const walPath = join(dir, 'state.db-wal');
    const wal = existsSync(walPath) ? statSync(walPath).size / 2 ** 20 : 0;
    samples.push({ t: (performance.now() - start) / 1000, backlog: dropped - countHandledDrops(), rss, fds, cpu, rssEach, wal });
  }, 10_000);
  const countHandledDrops = () => [...droppedAt.keys()].filter((n) => handledAt.has(n)).length;
  let item = 0;
  for (let next = start; next < end; next += 1000 / o.dropsPerSecond) {
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    item++;
    const name = `1-${String(item).padStart(7, '0')}.txt`;
    writeFileSync(join(dir, `.${name}`), corpus.next().value![2]);
    renameSync(join(dir, `.${name}`), join(inbox, name));
    droppedAt.set(name, performance.now());
    itemOf.set(firstSerial + item, name);
    dropped++;
  }
  // Until the backlog is gone (at most a minute), then a last sample.
  for (const limit = performance.now() + 60_000; countHandledDrops() < dropped && performance.now() < limit;) await sleep(200);
  clearInterval(sampler);
  phase = 'stop';
  await Promise.all(readers);
  agent.destroy();
  // Digests of immediate subscribers that arrived: delay from the dump handled to the message received.
  await sleep(5000);
  const delays: number[] = [];
  const wallStart = Date.now() - performance.now();
  for (const name of readdirSync(sinkDir).filter((f) => f.endsWith('.json'))) {
    const meta = JSON.parse(readFileSync(join(sinkDir, name), 'utf8')) as { to: string[]; at: number };
    const n = Number(/reader(\d+)@/.exec(meta.to[0] ?? '')?.[1]);
    if (Number.isNaN(n) || n % 2 !== 0) continue;
    const raw = readFileSync(join(sinkDir, name.replace(/\.json$/, '.eml')), 'utf8').replace(/=\r?\n/g, '');
    // Each item once (the text and HTML parts both name it).
    for (const serial of new Set([...raw.matchAll(/\bsoak(\d+)\b/g)].map((m) => Number(m[1])))) {
      const handled = handledAt.get(itemOf.get(serial) ?? '');
      if (handled !== undefined) delays.push(meta.at - (wallStart + handled));
    }
  }
  const stopT0 = performance.now();
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.on('exit', r));
  const stopMs = performance.now() - stopT0;
  await sink.stop();

  const latency = [...droppedAt].filter(([n]) => handledAt.has(n)).map(([n, t]) => handledAt.get(n)! - t);
  const what = `${o.minutes} min, ${o.dropsPerSecond} drops/s over ${o.pages} pages, ${o.readers} HTTP readers, ${o.subscribers} subscribers`;
  process.stdout.write(`soak: ${what}\n`);
  report('soak: dumps dropped', dropped, 'dumps', `${countHandledDrops()} handled`);
  report('soak: drop -> handled p50', percentile(latency, 50), 'ms', 'a few seconds at p99');
  report('soak: drop -> handled p99', percentile(latency, 99), 'ms', `max ${Math.round(latency.reduce((a, b) => Math.max(a, b), 0))} ms`);
  const minute = (from: number, to: number) => samples.filter((s) => s.t > from && s.t <= to);
  const first = minute(0, 60);
  const last = minute(o.minutes * 60 - 60, o.minutes * 60 + 60);
  const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
  report('soak: backlog, first minute (max)', max(first.map((s) => s.backlog)), 'dumps', 'flat');
  report('soak: backlog, last minute (max)', max(last.map((s) => s.backlog)), 'dumps', 'flat');
  const idle99 = percentile(latencies.idle, 99);
  report(
    'soak: HTTP p50 idle / under drops',
    percentile(latencies.idle, 50),
    'ms',
    `${percentile(latencies.drops, 50).toFixed(1)} ms under drops`,
  );
  report('soak: HTTP p99 idle', idle99, 'ms', `${latencies.idle.length} requests`);
  report(
    'soak: HTTP p99 under drops',
    percentile(latencies.drops, 99),
    'ms',
    `<= 2x idle: ${(percentile(latencies.drops, 99) / idle99).toFixed(2)}x; ${latencies.drops.length} requests`,
  );
  for (const [path, xs] of byPath)
    report(
      `soak: HTTP p99 under drops ${path.slice(0, 30)}`,
      percentile(xs, 99),
      'ms',
      `p50 ${percentile(xs, 50).toFixed(1)} ms, ${xs.length} requests`,
    );
  report('soak: immediate digest delay p50', percentile(delays, 50) / 1000, 's', `${delays.length} items received`);
  report('soak: immediate digest delay max', delays.reduce((a, b) => Math.max(a, b), 0) / 1000, 's', '<= 60 s');
  report(
    'soak: RSS first minute / last minute',
    max(first.map((s) => s.rss)),
    'MB',
    `${max(last.map((s) => s.rss)).toFixed(0)} MB last, peak ${max(samples.map((s) => s.rss)).toFixed(0)} MB`,
  );
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  report(
    'soak: daemon RSS first minute / last minute',
    max(first.map((s) => s.rssEach[0] ?? 0)),
    'MB',
    `${max(last.map((s) => s.rssEach[0] ?? 0)).toFixed(0)} MB last: flat`,
  );
  report(
    'soak: daemon CPU per 10 s, first minute / last minute',
    // The first sample has no earlier one to count from.
    avg(first.slice(1).map((s) => s.cpu[0] ?? 0)),
    's',
    `${avg(last.map((s) => s.cpu[0] ?? 0)).toFixed(2)} s last: flat`,
  );
  report('soak: open fds (both) first / last sample', samples[0]?.fds ?? 0, 'fds', `${samples.at(-1)?.fds ?? 0} last`);
  report('soak: SIGTERM to exit', stopMs, 'ms', `exit code ${String(code)}`);
  process.stdout.write(
    `soak: every 10 s (t s: backlog/RSS MB of daemon+server/fds/CPU s of daemon+server/WAL MB): ${samples.map((s) => `${Math.round(s.t)}:${s.backlog}/${s.rssEach.map((r) => Math.round(r)).join('+')}/${s.fds}/${s.cpu.map((c) => c.toFixed(1)).join('+')}/${s.wal.toFixed(0)}`).join(' ')}\n`,
  );
  if (process.env.SOAK_KEEP) process.stdout.write(`soak: kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}
