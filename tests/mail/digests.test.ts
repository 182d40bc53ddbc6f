import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../cli/run-cli.js';
import { WatchProcess } from '../daemon/watch-process.js';
import { FIXTURES, redumpSeries, seedFiles, tempDir, writeDump } from '../helpers.js';
import { received, startSink } from './smtp-sink.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const seeds = seedFiles();

/** A folder with a config: store, feeds and outbox inside, the given mail settings and subscribers. */
function setup(
  mail: Record<string, unknown>,
  subscribers: Record<string, unknown>[],
): { dir: string; run: (...args: string[]) => ReturnType<typeof cli> } {
  const dir = tempDir();
  mkdirSync(join(dir, 'inbox'));
  const config = {
    store: { path: 'state.db' },
    feeds: { dir: 'feeds', baseUrl: 'https://news.example.org/', title: 'ILO news' },
    source: { inbox: 'inbox' },
    watch: { stabilityMs: 100, retryMaxMs: 400 },
    mail: { from: 'ILO news <digest@news.example.org>', outbox: 'outbox', ...mail },
    subscribers,
  };
  writeFileSync(join(dir, 'dumpfeed.json'), JSON.stringify(config, null, 2));
  return { dir, run: (...args: string[]) => cli([...args, '--config', 'dumpfeed.json'], dir) };
}

async function sink(env: Record<string, string> = {}) {
  const dir = tempDir('dumpfeed-sink-');
  const s = await startSink(dir, env);
  stops.push(s.stop);
  return { ...s, dir, smtp: `smtp://127.0.0.1:${s.port}` };
}

describe('e-mail digests over SMTP', () => {
  it('sends a digest with both parts, grouped by page, newest first, with links and list headers', async () => {
    const server = await sink();
    const { dir, run } = setup({ smtp: server.smtp, unsubscribe: 'https://news.example.org/unsubscribe?u={address}' }, [
      { address: 'ana@example.org', name: 'Ana', topics: ['press-releases', 'Impact and people'], schedule: 'immediate', backfill: true },
    ]);
    expect(run('ingest', seeds[0]!, seeds[4]!, join(FIXTURES, 'parse', 'markup-and-repeats.txt')).code).toBe(0);
    const r = run('digest', '--send');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sent to ana@example.org via SMTP smtp://127.0.0.1');

    const [msg, ...more] = await received(server.dir);
    expect(more).toEqual([]);
    expect(msg!.to).toEqual(['ana@example.org']);
    expect(msg!.from).toBe('digest@news.example.org');
    const mail = msg!.mail;
    expect(mail.subject).toBe('30 new items: Impact and people · Press releases');
    expect(mail.to).toMatchObject({ value: [{ name: 'Ana', address: 'ana@example.org' }] });
    expect(mail.headers.get('list')).toMatchObject({ unsubscribe: { url: 'https://news.example.org/unsubscribe?u=ana%40example.org' } });
    expect(msg!.raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    // The built-in one-click link first, then the configured target.
    expect(msg!.raw.replace(/\r?\n\s+/g, ' ')).toMatch(
      /^List-Unsubscribe: <https:\/\/news\.example\.org\/unsubscribe\/[\w.-]+>, <https:\/\/news\.example\.org\/unsubscribe\?u=ana%40example\.org>\r?$/m,
    );
    expect(mail.messageId).toMatch(/^<digest\.[0-9a-f]{24}@news\.example\.org>$/);

    // Plain text: pages in order of their newest item, items newest first, each with its link.
    const text = mail.text!;
    expect(text.indexOf('Impact and people\n=')).toBeLessThan(text.indexOf('Press releases\n='));
    expect(text.indexOf('Child labour in Myanmar’s jade mines is a deadly gamble')).toBeLessThan(text.indexOf('ILO in Action in Haiti'));
    expect(text).toContain('29 November 2021');
    expect(text).not.toContain('R&D');
    expect(text).toMatch(/Child labour in Myanmar’s jade mines is a deadly gamble\n8 April 2022\n\nMore than 160 million/);
    expect(text).toMatch(/https:\/\/news\.example\.org\/items\/[0-9a-f]{12}\n/);

    // HTML: readable without external assets, the same items, every title a link.
    const html = mail.html as string;
    expect(html).not.toMatch(/<link|<script|src=["']http/);
    const links = [...html.matchAll(/<a href="(https:\/\/news\.example\.org\/items\/[0-9a-f]{12})"[^>]*>([^<]+)<\/a>/g)];
    expect(links).toHaveLength(30);
    expect(links[0]![2]).toBe('Child labour in Myanmar’s jade mines is a deadly gamble');
    expect(html).toContain('Unsubscribe</a>');

    const status = JSON.parse(run('status', '--json').stdout);
    expect(status.digests).toMatchObject({ queued: 0, sent: 1, failed: 0 });
    expect(readdirSync(dir)).not.toContain('outbox');
  });

  it('escapes text from dumps in the HTML part', async () => {
    const server = await sink();
    const { run } = setup({ smtp: server.smtp }, [{ address: 'ana@example.org', schedule: 'immediate', backfill: true }]);
    run('ingest', join(FIXTURES, 'parse', 'markup-and-repeats.txt'));
    expect(run('digest', '--send').code).toBe(0);
    const [msg] = await received(server.dir);
    const html = msg!.mail.html as string;
    expect(html).not.toContain('<script>');
    expect(html).toContain('R&amp;D: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; ]]&gt; end');
    expect(msg!.mail.text).toContain('R&D: <script>alert(1)</script> & "quotes" ]]> end');
  });

  it('sends no back catalogue by default: only what is new after subscribing, and nothing of a newly seen page', async () => {
    const server = await sink();
    const { dir, run } = setup({ smtp: server.smtp }, [{ address: 'bo@example.org', schedule: 'immediate' }]);
    const series = redumpSeries(3);
    writeDump(join(dir, 'inbox'), series[0]![0], series[0]![1]);
    run('ingest', 'inbox');
    expect(run('digest', '--send').stdout).toContain('bo@example.org: not due (immediate)');
    // A new re-dump with one new item, and the first dump of a page never seen before.
    writeDump(join(dir, 'inbox'), series[1]![0], series[1]![1]);
    writeDump(join(dir, 'inbox'), 'zz-new-page.txt', readFileSync(seeds[4]!));
    run('ingest', 'inbox');
    expect(run('digest', '--send').code).toBe(0);
    const msgs = await received(server.dir);
    expect(msgs.map((m) => m.mail.subject)).toEqual(['1 new item: Press releases']);
    expect(msgs[0]!.mail.text).toContain('Breaking item number 1');
  });

  it('follows schedules in the subscriber’s time zone, and the topic and keyword filters', async () => {
    const server = await sink();
    const { dir, run } = setup({ smtp: server.smtp, timeZone: 'Asia/Dhaka' }, [
      { address: 'daily@example.org', schedule: 'daily 08:00', include: ['Breaking'], exclude: ['number 3'] },
      { address: 'weekly@example.org', schedule: 'weekly mon 09:00', timeZone: 'UTC', topics: ['News and events'] },
    ]);
    const series = redumpSeries(5);
    writeDump(join(dir, 'inbox'), series[0]![0], series[0]![1]);
    run('ingest', 'inbox');
    // Subscribing on Sunday 22 November 2026 at 12:00 UTC (18:00 in Dhaka).
    expect(run('digest', '--send', '--at', '2026-11-22T12:00:00Z').stdout).toMatch(
      /daily@example.org: not due \(daily 08:00\)\nweekly@example.org: not due/,
    );
    for (const [name, text] of series.slice(1)) writeDump(join(dir, 'inbox'), name, text);
    run('ingest', 'inbox');
    // 07:59 in Dhaka the next day: not yet. 08:00 in Dhaka is 02:00 UTC.
    expect(run('digest', '--send', '--at', '2026-11-23T01:59:00Z').stdout).toContain('daily@example.org: not due');
    const due = run('digest', '--send', '--at', '2026-11-23T02:00:00Z');
    expect(due.stdout).toContain('daily@example.org: queued "3 new items: Press releases"');
    expect(due.stdout).toContain('weekly@example.org: not due');
    const [msg] = await received(server.dir);
    expect(msg!.mail.text).toMatch(/Breaking item number 4[\s\S]*Breaking item number 2[\s\S]*Breaking item number 1/);
    expect(msg!.mail.text).not.toContain('number 3');
    // Monday 09:00 UTC: the weekly subscriber is due, but follows another page.
    expect(run('digest', '--send', '--at', '2026-11-23T09:00:00Z').stdout).toContain('weekly@example.org: due, nothing new');
  });

  it('sends edits only to subscribers who asked, marked Updated with what changed', async () => {
    const server = await sink();
    const { dir, run } = setup({ smtp: server.smtp }, [
      { address: 'edits@example.org', schedule: 'immediate', backfill: true, updates: true },
      { address: 'plain@example.org', schedule: 'immediate', backfill: true },
    ]);
    const page = readFileSync(seeds[0]!, 'utf8');
    writeDump(join(dir, 'inbox'), 'a.txt', page, '2026-01-01T00:00:00Z');
    run('ingest', 'inbox');
    run('digest', '--send');
    const edited = page.replace(
      'Labour inspectorate launches four essential protocols',
      'Labour inspectorate launches five essential protocols',
    );
    writeDump(join(dir, 'inbox'), 'b.txt', edited, '2026-01-02T00:00:00Z');
    run('ingest', 'inbox');
    const r = run('digest', '--send');
    expect(r.stdout).toContain('edits@example.org: queued "1 updated item: Press releases"');
    expect(r.stdout).toContain('plain@example.org: due, nothing new');
    const msgs = await received(server.dir);
    expect(msgs).toHaveLength(3);
    const update = msgs[2]!.mail;
    expect(update.text).toMatch(
      /Updated: Government introduces new workplace safety and registration protocols\n28 February 2021\nChanged: summary\n\nLabour inspectorate launches five/,
    );
    expect(update.html).toContain('>Updated: </span>');
  });

  it('never sends an item twice across many ingests, and every new item once', async () => {
    const server = await sink();
    const { dir, run } = setup({ smtp: server.smtp }, [{ address: 'cy@example.org', schedule: 'immediate' }]);
    const series = redumpSeries(12);
    for (const [i, [name, text]] of series.entries()) {
      writeDump(join(dir, 'inbox'), name, text, new Date(Date.UTC(2026, 0, 1, i)).toISOString());
      run('ingest', 'inbox');
      // Sometimes twice in a row, sometimes after two dumps: neither may repeat anything.
      if (i % 3 !== 1) expect(run('digest', '--send').code).toBe(0);
      if (i % 4 === 0) run('digest', '--send');
    }
    const links = (await received(server.dir)).flatMap((m) =>
      [...(m.mail.text ?? '').matchAll(/Breaking item number (\d+)\n/g)].map((x) => Number(x[1])),
    );
    expect(links.sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
  });

  it('keeps digests while SMTP is down, then delivers each exactly once', async () => {
    const server = await sink();
    const { dir, run } = setup({ smtp: server.smtp, retryMaxMs: 1000 }, [
      { address: 'a@example.org', schedule: 'immediate', backfill: true },
      { address: 'b@example.org', schedule: 'immediate', backfill: true },
    ]);
    await server.stop();
    run('ingest', seeds[1]!);
    const down = run('digest', '--send');
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: digest to a@example.org: .*ECONNREFUSED.*; retrying after \S+$/m);
    expect(JSON.parse(run('status', '--json').stdout).digests).toMatchObject({ queued: 2, sent: 0 });

    // Still down at the next attempt; then up again on the same port.
    expect(run('digest', '--send', '--at', new Date(Date.now() + 5000).toISOString()).code).toBe(1);
    const again = await startSink(server.dir, { SINK_PORT: String(server.port) });
    stops.push(again.stop);
    const up = run('digest', '--send', '--at', new Date(Date.now() + 10_000).toISOString());
    expect(up.code).toBe(0);
    expect(run('digest', '--send', '--at', new Date(Date.now() + 20_000).toISOString()).code).toBe(0);
    const msgs = await received(server.dir);
    expect(msgs.map((m) => m.to[0]).sort()).toEqual(['a@example.org', 'b@example.org']);
    expect(JSON.parse(run('status', '--json').stdout).digests).toMatchObject({ queued: 0, sent: 2 });
    expect(readdirSync(dir)).toContain('state.db');
  });

  it('retries a temporary refusal (451) and records a permanent one (550) without retrying it', async () => {
    const server = await sink({ SINK_TEMPFAIL: '1', SINK_REJECT: 'gone@example.org' });
    const { run } = setup({ smtp: server.smtp, connections: 1 }, [
      { address: 'gone@example.org', schedule: 'immediate', backfill: true },
      { address: 'ok@example.org', schedule: 'immediate', backfill: true },
    ]);
    run('ingest', seeds[2]!);
    const first = run('digest', '--send');
    expect(first.stderr).toMatch(/^error: digest to gone@example.org: 550 .*Mailbox unavailable; not retried$/m);
    expect(first.stderr).toMatch(/^error: digest to ok@example.org: 451 .*Try again later; retrying after/m);
    run('digest', '--send', '--at', new Date(Date.now() + 3_600_000).toISOString());
    expect((await received(server.dir)).map((m) => m.to)).toEqual([['ok@example.org']]);
    const status = run('status');
    expect(status.stdout).toMatch(/^digests: 1 sent, 0 queued, 1 failed$/m);
    expect(status.stdout).toMatch(/^ {2}gone@example\.org: 550 .*Mailbox unavailable/m);
  });

  it('logs in with the credentials of the smtp:// URL', async () => {
    const server = await sink({ SINK_USER: 'dumpfeed', SINK_PASS: 's3cret' });
    const { run } = setup({ smtp: `smtp://dumpfeed:s3cret@127.0.0.1:${server.port}` }, [
      { address: 'a@example.org', schedule: 'immediate', backfill: true },
    ]);
    run('ingest', seeds[3]!);
    const r = run('digest', '--send');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`via SMTP smtp://127.0.0.1:${server.port}`);
    expect(r.stdout).not.toContain('s3cret');
    expect(await received(server.dir)).toHaveLength(1);
  });

  it('keeps to the rate limit over several connections', async () => {
    const server = await sink();
    const subscribers = Array.from({ length: 8 }, (_, i) => ({ address: `r${i}@example.org`, schedule: 'immediate', backfill: true }));
    const { run } = setup({ smtp: server.smtp, connections: 3, ratePerSecond: 4 }, subscribers);
    run('ingest', seeds[0]!);
    const started = Date.now();
    expect(run('digest', '--send').code).toBe(0);
    const times = (await received(server.dir)).map((m) => m.at).sort((a, b) => a - b);
    expect(times).toHaveLength(8);
    // At 4 a second, the 8th message starts at least 7 intervals after the first could: a bound that a
    // busy machine can only make later, never earlier (arrival windows bunch up under load).
    expect(times[7]! - started).toBeGreaterThanOrEqual(7 * 250);
  });

  it('the daemon sends queued digests after a restart, once, and immediate digests when dumps arrive', async () => {
    const server = await sink();
    const { dir, run } = setup({ smtp: server.smtp, retryMaxMs: 1000, checkEveryMs: 200 }, [
      { address: 'a@example.org', schedule: 'immediate', backfill: true },
    ]);
    await server.stop();
    run('ingest', seeds[0]!);
    expect(run('digest', '--send').code).toBe(1);
    const up = await startSink(server.dir, { SINK_PORT: String(server.port) });
    stops.push(up.stop);

    const w = new WatchProcess(dir);
    stops.push(async () => {
      w.signal('SIGKILL');
      await w.exited;
    });
    await w.waitFor((l) => l.event === 'digest-sent', 1, 20_000);
    const series = redumpSeries(2);
    writeFileSync(join(dir, 'inbox', series[1]![0]), series[1]![1]);
    await w.waitFor((l) => l.event === 'digest-sent', 2, 20_000);
    w.signal('SIGTERM');
    expect((await w.exited).code).toBe(0);
    const msgs = await received(server.dir);
    expect(msgs.map((m) => m.mail.subject)).toEqual(['20 new items: Press releases', '2 new items: Press releases']);
  });
});

describe('e-mail digests without SMTP', () => {
  it('writes readable .eml files into the outbox', async () => {
    const { dir, run } = setup({}, [{ address: 'reader@example.org', schedule: 'immediate', backfill: true }]);
    run('ingest', ...seeds);
    const r = run('digest', '--send');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('via outbox outbox/');
    const files = readdirSync(join(dir, 'outbox'));
    expect(files).toHaveLength(1);
    const mail = await simpleParser(readFileSync(join(dir, 'outbox', files[0]!)));
    expect(mail.subject).toBe(
      '60 new items: Impact and people · Resources on Textiles, clothing, leather, and footwear sector · 3 more pages',
    );
    expect(mail.text).toContain('Child labour in Myanmar’s jade mines is a deadly gamble');
    expect(mail.html).toContain('<h2');
  });

  it('--dry-run shows what would be sent and changes nothing', () => {
    const { dir, run } = setup({}, [{ address: 'reader@example.org', schedule: 'immediate', backfill: true }]);
    run('ingest', seeds[3]!);
    const dry = run('digest', '--dry-run');
    expect(dry.stdout).toMatch(
      /^reader@example.org: would send "10 new items: News and articles"\n {4}new {2}News and articles: ILO offers special training/m,
    );
    expect(run('digest', '--dry-run').stdout).toBe(dry.stdout);
    expect(JSON.parse(run('status', '--json').stdout).digests).toMatchObject({ queued: 0, sent: 0 });
    expect(readdirSync(dir)).not.toContain('outbox');
    // Not even the key of the unsubscribe links: a dry run shows subjects and items only.
    expect(readdirSync(dir)).not.toContain('unsubscribe.key');
    run('digest', '--send');
    expect(readdirSync(dir)).toContain('unsubscribe.key');
  });

  it('refuses to send while a daemon runs on the same store', async () => {
    const { dir, run } = setup({}, [{ address: 'reader@example.org', schedule: 'daily 08:00' }]);
    const w = new WatchProcess(dir);
    stops.push(async () => {
      w.signal('SIGKILL');
      await w.exited;
    });
    await w.waitFor((l) => l.event === 'watching');
    const r = run('digest', '--send');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/another dumpfeed watch \(pid \d+\) is already using state\.db/);
  });
});
