import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../cli/run-cli.js';
import { watchProcesses } from '../daemon/watch-process.js';
import { seedFiles, tempDir } from '../helpers.js';
import { received, startSink } from './smtp-sink.js';

// Secrets never reach an output, in any form (README "Secrets"): not in `digest --send`, not in the
// daemon's log, not in error messages; and they can be given outside the tracked config file.

const PASSWORD = 'p@ss/w0rd:SECRET#1';
const FORMS = [PASSWORD, encodeURIComponent(PASSWORD), 'SECRET', 'w0rd'];

const stops: (() => Promise<void>)[] = [];
const watchProcess = watchProcesses();
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** An SMTP server that wants user `ana` with PASSWORD, and a folder whose config points at it. */
async function setup(smtp: (port: number) => string, mail: Record<string, unknown> = {}) {
  const sinkDir = tempDir('dumpfeed-sink-');
  const sink = await startSink(sinkDir, { SINK_USER: 'ana', SINK_PASS: PASSWORD });
  stops.push(sink.stop);
  const dir = tempDir();
  mkdirSync(join(dir, 'inbox'));
  const config = {
    store: { path: 'state.db' },
    feeds: { dir: 'feeds', baseUrl: 'https://news.example.org/' },
    source: { inbox: 'inbox' },
    watch: { stabilityMs: 100 },
    mail: { smtp: smtp(sink.port), from: 'News <news@example.org>', checkEveryMs: 200, ...mail },
    subscribers: [{ address: 'reader@example.org', schedule: 'immediate', backfill: true }],
  };
  writeFileSync(join(dir, 'dumpfeed.json'), JSON.stringify(config));
  const run = (env: Record<string, string | undefined> = {}, ...args: string[]) =>
    cli([...args, '--config', 'dumpfeed.json'], dir, { DUMPFEED_SMTP_PASSWORD: undefined, CREDENTIALS_DIRECTORY: undefined, ...env });
  expect(run({}, 'ingest', seedFiles()[0]!).code).toBe(0);
  return { dir, sinkDir, port: sink.port, run };
}

function expectNoSecret(text: string): void {
  for (const form of FORMS) expect(text).not.toContain(form);
}

describe('the SMTP password', () => {
  it('may hold @ / : # when percent-encoded in mail.smtp, and is never printed', async () => {
    const { sinkDir, port, run } = await setup((p) => `smtp://ana:${encodeURIComponent(PASSWORD)}@127.0.0.1:${p}`);
    const r = run({}, 'digest', '--send');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`via SMTP smtp://127.0.0.1:${port}`);
    expectNoSecret(r.stdout + r.stderr);
    expect(await received(sinkDir)).toHaveLength(1);
  });

  it.each([
    ['an unencoded /', `smtp://ana:${PASSWORD}@127.0.0.1:2525`],
    ['an unencoded #', 'smtp://ana:pass#SECRET@127.0.0.1:2525'],
    ['no host', 'smtp://ana:w0rd-SECRET@'],
  ])('in a URL with %s: the config is refused naming mail.smtp, not the value', (_, url) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ mail: { smtp: url } }));
    for (const command of [['digest', '--send'], ['watch'], ['status']]) {
      const r = cli([...command, '--config', 'c.json'], dir);
      expect(r.code, command.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^error: config c\.json:1: mail\.smtp: must be an smtp:\/\/ or smtps:\/\/ URL with a host/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expectNoSecret(r.stdout + r.stderr);
    }
  });

  it('comes from DUMPFEED_SMTP_PASSWORD', async () => {
    const { sinkDir, run } = await setup((p) => `smtp://ana@127.0.0.1:${p}`);
    const r = run({ DUMPFEED_SMTP_PASSWORD: PASSWORD }, 'digest', '--send');
    expect(r.code).toBe(0);
    expectNoSecret(r.stdout + r.stderr);
    expect(await received(sinkDir)).toHaveLength(1);
  });

  it('comes from mail.smtpPasswordFile (a Docker secret) and from a systemd credential', async () => {
    const secrets = tempDir();
    writeFileSync(join(secrets, 'smtp_password'), `${PASSWORD}\n`);
    const file = await setup((p) => `smtp://ana@127.0.0.1:${p}`, { smtpPasswordFile: join(secrets, 'smtp_password') });
    expect(file.run({}, 'digest', '--send').code).toBe(0);
    expect(await received(file.sinkDir)).toHaveLength(1);

    writeFileSync(join(secrets, 'smtp-password'), PASSWORD);
    const credential = await setup((p) => `smtp://ana@127.0.0.1:${p}`);
    expect(credential.run({ CREDENTIALS_DIRECTORY: secrets }, 'digest', '--send').code).toBe(0);
    expect(await received(credential.sinkDir)).toHaveLength(1);

    writeFileSync(join(secrets, 'c.json'), JSON.stringify({ mail: { smtp: 'smtp://ana@127.0.0.1:2525', smtpPasswordFile: 'nowhere' } }));
    expect(cli(['status', '--config', 'c.json'], secrets).stderr).toBe(
      'error: config c.json: mail.smtpPasswordFile: cannot read the password file: ENOENT\n',
    );
  });

  it('is not in the failure a wrong password gets, nor in the daemon log', async () => {
    const { dir, port, run } = await setup((p) => `smtp://ana@127.0.0.1:${p}`);
    const wrong = run({ DUMPFEED_SMTP_PASSWORD: 'wrong-SECRET-guess' }, 'digest', '--send');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout + wrong.stderr).not.toContain('wrong-SECRET-guess');

    const w = watchProcess(dir, [], { DUMPFEED_SMTP_PASSWORD: PASSWORD });
    const [on] = await w.waitFor((l) => l.event === 'digests-on');
    expect(on!.via).toBe(`SMTP smtp://127.0.0.1:${port}`);
    w.signal('SIGTERM');
    await w.exited;
    expectNoSecret(JSON.stringify(w.lines) + w.stderr);
  });
});

describe('config from the environment', () => {
  it('DUMPFEED_<SECTION>_<KEY> sets a key; a misspelt variable is an error with a suggestion', () => {
    const dir = tempDir();
    const ok = cli(['ingest', '--json', seedFiles()[0]!], dir, {
      DUMPFEED_STORE_PATH: join(dir, 'env.db'),
      DUMPFEED_FEEDS_DIR: join(dir, 'env-feeds'),
      DUMPFEED_FEEDS_LENGTH: '5',
    });
    expect(ok.code).toBe(0);
    const status = JSON.parse(cli(['status', '--json'], dir, { DUMPFEED_STORE_PATH: join(dir, 'env.db') }).stdout);
    expect(status.counts.items).toBe(20);
    const typo = cli(['status'], dir, { DUMPFEED_FEEDS_BASEURL: 'https://x.example.org/' });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe(
      'error: config defaults: unknown environment variable DUMPFEED_FEEDS_BASEURL (did you mean DUMPFEED_FEEDS_BASE_URL?)\n',
    );
    const bad = cli(['status'], dir, { DUMPFEED_FEEDS_LENGTH: 'many' });
    expect(bad.stderr).toMatch(/^error: config defaults: feeds\.length \(from DUMPFEED_FEEDS_LENGTH\): /);
  });
});
