import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signUnsubscribe } from '../../src/sinks/mail/unsubscribe.js';
import { BIN, cli } from '../cli/run-cli.js';
import { redumpSeries, tempDir, writeDump } from '../helpers.js';
import { received, startSink } from './smtp-sink.js';

// One-click unsubscribe (RFC 8058) through the real pieces: digests sent over SMTP to a sink, the link
// in them answered by a `dumpfeed serve` process, requests over real sockets.

const children: ChildProcess[] = [];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const stop of stops.splice(0)) await stop();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(url: string, method: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `dumpfeed serve` on a free port; resolves with its address once it listens (its first line says where). */
async function serve(dir: string): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--config', 'dumpfeed.json'], { cwd: dir });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

/** A real SMTP server process that keeps what it receives in a folder of its own. */
async function smtpSink(): Promise<{ sinkDir: string; port: number }> {
  const sinkDir = tempDir('dumpfeed-sink-');
  const sink = await startSink(sinkDir);
  stops.push(sink.stop);
  return { sinkDir, port: sink.port };
}

async function setup() {
  const { sinkDir, port } = await smtpSink();
  const dir = tempDir();
  const config = {
    store: { path: 'data/state.db' },
    feeds: { dir: 'feeds', baseUrl: 'https://news.example.org/', title: 'ILO news' },
    mail: { smtp: `smtp://127.0.0.1:${port}`, from: 'ILO news <digest@news.example.org>' },
    subscribers: [
      { address: 'Ana@example.org', schedule: 'immediate', backfill: true },
      { address: 'bo@example.org', schedule: 'immediate', backfill: true },
    ],
  };
  writeFileSync(join(dir, 'dumpfeed.json'), JSON.stringify(config, null, 2));
  const run = (...args: string[]) => cli([...args, '--config', 'dumpfeed.json'], dir);
  return { dir, sinkDir, run };
}

describe('one-click unsubscribe', () => {
  it('each digest carries its reader’s signed link; a POST as mail providers send it unsubscribes, from the next digest on', async () => {
    const { dir, sinkDir, run } = await setup();
    const seeds = redumpSeries(3).map(([name, text]) => writeDump(dir, name, text));
    expect(run('ingest', seeds[0]!).code).toBe(0);
    expect(run('digest', '--send').code).toBe(0);
    const first = await received(sinkDir);
    expect(first.map((m) => m.to[0]).sort()).toEqual(['Ana@example.org', 'bo@example.org']);
    const ana = first.find((m) => m.to[0] === 'Ana@example.org')!;

    // The link: in List-Unsubscribe with List-Unsubscribe-Post (RFC 8058), and in both parts' footers.
    // (A long header is folded onto the next line.)
    const header = /^List-Unsubscribe:\s+<(https:\/\/news\.example\.org\/unsubscribe\/[A-Za-z0-9_.-]+)>\r?$/m.exec(ana.raw);
    expect(header).not.toBeNull();
    const link = header![1]!;
    expect(ana.raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    expect(ana.mail.text).toContain(`Unsubscribe: ${link}`);
    expect(ana.mail.html).toContain(`<a href="${link}"`);
    // Each reader has their own link; the key behind them is the operator's alone.
    expect(first.find((m) => m.to[0] === 'bo@example.org')!.raw).not.toContain(link);
    expect(statSync(join(dir, 'data', 'unsubscribe.key')).mode & 0o777).toBe(0o600);
    const key = readFileSync(join(dir, 'data', 'unsubscribe.key'), 'utf8').trim();
    for (const m of first) expect(m.raw).not.toContain(key);

    const base = await serve(dir);
    const path = new URL(link).pathname;

    // A GET (a mail scanner, a link preview) only asks: nothing changes.
    const page = await http(`${base}${path}`, 'GET');
    expect(page.status).toBe(200);
    expect(page.body).toContain('ana@example.org');
    expect(page.body).toMatch(/<form method="post">/);
    expect(page.headers['content-security-policy']).toContain("form-action 'self'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(run('subscribers', 'list').stdout).not.toContain('unsubscribed');

    // A forged token (another key, or one character changed) and an expired one are refused.
    const forged = signUnsubscribe(Buffer.from('not the key of this server!'), 'ana@example.org', new Date());
    const other = await http(`${base}/unsubscribe/${forged}`, 'POST', 'List-Unsubscribe=One-Click', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(other.status).toBe(400);
    expect(other.body).toContain('not valid');
    const changed = path.slice(0, -1) + (path.endsWith('A') ? 'B' : 'A');
    expect((await http(`${base}${changed}`, 'POST', 'List-Unsubscribe=One-Click')).status).toBe(400);
    const old = signUnsubscribe(Buffer.from(key), 'ana@example.org', new Date(Date.now() - 400 * 86_400_000));
    const expired = await http(`${base}/unsubscribe/${old}`, 'POST', 'List-Unsubscribe=One-Click');
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('expired');
    // A body far larger than a one-click one is not read.
    expect((await http(`${base}${path}`, 'POST', 'x'.repeat(100_000))).status).toBe(413);
    expect((await http(`${base}${path}`, 'PUT', '')).status).toBe(405);
    expect(run('subscribers', 'list').stdout).not.toContain('unsubscribed');

    // The POST a mail provider sends on one click (RFC 8058 section 3.2).
    const done = await http(`${base}${path}`, 'POST', 'List-Unsubscribe=One-Click', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(done.status).toBe(200);
    expect(done.body).toContain('Unsubscribed');
    expect(run('subscribers', 'list').stdout).toMatch(/^Ana@example\.org: immediate \(UTC\); unsubscribed .* \(one-click\)$/m);
    // Clicking again is harmless.
    expect((await http(`${base}${path}`, 'POST', 'List-Unsubscribe=One-Click')).status).toBe(200);

    // The next dump: Bo gets a digest, Ana does not.
    expect(run('ingest', seeds[1]!).code).toBe(0);
    const next = run('digest', '--send');
    expect(next.stdout).toContain('Ana@example.org: unsubscribed');
    const second = (await received(sinkDir)).slice(first.length);
    expect(second.map((m) => m.to[0])).toEqual(['bo@example.org']);

    // The operator subscribes her again: digests start with what is new from then on.
    expect(run('subscribers', 'resubscribe', 'ana@example.org').stdout).toContain('subscribed again');
    expect(run('digest', '--send').stdout).toContain('Ana@example.org: not due (immediate)');
    expect(run('ingest', seeds[2]!).code).toBe(0);
    expect(run('digest', '--send').code).toBe(0);
    const third = (await received(sinkDir)).slice(first.length + second.length);
    expect(third.map((m) => m.to[0]).sort()).toEqual(['Ana@example.org', 'bo@example.org']);
    expect(third[0]!.mail.subject).toBe(third[1]!.mail.subject);
  });

  it('the page’s own button unsubscribes too, and the operator can unsubscribe someone who wrote in', async () => {
    const { dir, sinkDir, run } = await setup();
    const seeds = redumpSeries(3).map(([name, text]) => writeDump(dir, name, text));
    expect(run('ingest', seeds[0]!).code).toBe(0);
    expect(run('digest', '--send').code).toBe(0);
    const bo = (await received(sinkDir)).find((m) => m.to[0] === 'bo@example.org')!;
    const link = /Unsubscribe: (\S+)/.exec(bo.mail.text!)![1]!;
    const base = await serve(dir);
    // What the form on the page posts.
    const form = await http(`${base}${new URL(link).pathname}`, 'POST', 'List-Unsubscribe=One-Click&from=page', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(200);
    expect(run('subscribers', 'unsubscribe', 'ana@example.org').stdout).toContain('unsubscribed; no more digests');
    const list = run('subscribers', 'list', '--json');
    const rows = JSON.parse(list.stdout) as { address: string; unsubscribed: { via: string } | null; digestsSent: number }[];
    expect(rows.map((r) => [r.address, r.unsubscribed?.via, r.digestsSent])).toEqual([
      ['Ana@example.org', 'operator', 1],
      ['bo@example.org', 'page', 1],
    ]);
    expect(run('ingest', seeds[1]!).code).toBe(0);
    expect(run('digest', '--send').code).toBe(0);
    expect(await received(sinkDir)).toHaveLength(2);
  });
});

describe('around unsubscribing', () => {
  it('drops the digests queued for a reader who unsubscribes', async () => {
    const dir = tempDir();
    // An SMTP server that is not there: the digests stay queued for a retry.
    const config = {
      store: { path: 'state.db' },
      feeds: { baseUrl: 'https://news.example.org/' },
      mail: { smtp: 'smtp://127.0.0.1:9', from: 'digest@news.example.org' },
      subscribers: [{ address: 'ana@example.org', schedule: 'immediate', backfill: true }],
    };
    writeFileSync(join(dir, 'dumpfeed.json'), JSON.stringify(config));
    const run = (...args: string[]) => cli([...args, '--config', 'dumpfeed.json'], dir);
    const [first] = redumpSeries(1).map(([name, text]) => writeDump(dir, name, text));
    expect(run('ingest', first!).code).toBe(0);
    expect(run('digest', '--send').code).toBe(1);
    expect(JSON.parse(run('status', '--json').stdout).digests).toMatchObject({ queued: 1, sent: 0 });
    expect(run('subscribers', 'unsubscribe', 'ana@example.org').code).toBe(0);
    expect(JSON.parse(run('status', '--json').stdout).digests).toMatchObject({ queued: 0, sent: 0 });
  });

  it('warns when digests sent by SMTP would link to localhost', async () => {
    const { sinkDir, port } = await smtpSink();
    const dir = tempDir();
    const config = {
      store: { path: 'state.db' },
      mail: { smtp: `smtp://127.0.0.1:${port}`, from: 'digest@news.example.org' },
      subscribers: [{ address: 'ana@example.org', schedule: 'immediate', backfill: true }],
    };
    writeFileSync(join(dir, 'dumpfeed.json'), JSON.stringify(config));
    const [first] = redumpSeries(1).map(([name, text]) => writeDump(dir, name, text));
    expect(cli(['ingest', first!, '--config', 'dumpfeed.json'], dir).code).toBe(0);
    const r = cli(['digest', '--send', '--config', 'dumpfeed.json'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'warning: digests are sent by SMTP but link to http://localhost:8080/ (feeds.baseUrl), which readers cannot open: set feeds.baseUrl (or DUMPFEED_FEEDS_BASE_URL) to the public address\n',
    );
    expect(await received(sinkDir)).toHaveLength(1);
    // Into the outbox (no SMTP) the links are for the operator's own look: no warning.
    writeFileSync(join(dir, 'dumpfeed.json'), JSON.stringify({ ...config, mail: { from: 'digest@news.example.org' } }));
    expect(cli(['digest', '--send', '--config', 'dumpfeed.json'], dir).stderr).toBe('');
  });
});
