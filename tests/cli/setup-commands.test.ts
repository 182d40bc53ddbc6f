import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../scripts/config-schema.js';
import { REPO, tempDir } from '../helpers.js';
import { cli } from './run-cli.js';

// Setting up through the CLI, as a newcomer does: init, subscribers, the config's JSON Schema and
// the errors that point into the file.

describe('dumpfeed init', () => {
  it('writes a starter config, its JSON Schema and the folders it names; the next commands run on it', () => {
    const parent = tempDir();
    const r = cli(['init', 'site', '--base-url', 'https://news.example.org/', '--title', 'ILO news'], parent);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created site/config/dumpfeed.json');
    const dir = join(parent, 'site');
    for (const folder of ['inbox', 'feeds', 'data', 'outbox']) expect(statSync(join(dir, folder)).isDirectory()).toBe(true);
    const config = JSON.parse(readFileSync(join(dir, 'config', 'dumpfeed.json'), 'utf8'));
    expect(config).toMatchObject({
      $schema: './dumpfeed.schema.json',
      feeds: { baseUrl: 'https://news.example.org/', title: 'ILO news' },
      mail: { from: 'ILO news <digest@news.example.org>' },
      subscribers: [],
    });
    expect(readFileSync(join(dir, 'config', 'dumpfeed.schema.json'), 'utf8')).toBe(
      readFileSync(join(REPO, 'config', 'dumpfeed.schema.json'), 'utf8'),
    );
    // From the folder, with no --config: a dump in the inbox becomes feeds.
    writeFileSync(join(dir, 'inbox', 'a.txt'), readFileSync(join(REPO, 'samples', '000_61f362d38f9bb819.txt')));
    const ingest = cli(['ingest', 'inbox'], dir);
    expect(ingest.code).toBe(0);
    expect(existsSync(join(dir, 'feeds', 'press-releases.atom'))).toBe(true);
    expect(readFileSync(join(dir, 'feeds', 'press-releases.atom'), 'utf8')).toContain('https://news.example.org/feeds/press-releases.atom');
  });

  it('never overwrites a config, and refuses a base URL that is not one', () => {
    const dir = tempDir();
    expect(cli(['init'], dir).code).toBe(0);
    const before = readFileSync(join(dir, 'config', 'dumpfeed.json'), 'utf8');
    const again = cli(['init', '--title', 'Other'], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('error: init config/dumpfeed.json: a config is already there; it is left as it is\n');
    expect(readFileSync(join(dir, 'config', 'dumpfeed.json'), 'utf8')).toBe(before);
    const bad = cli(['init', 'x', '--base-url', 'ftp://example.org/'], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: config x\/config\/dumpfeed\.json:\d+: feeds\.baseUrl: must be an http:\/\/ or https:\/\/ URL\n$/);
    expect(existsSync(join(dir, 'x', 'config', 'dumpfeed.json'))).toBe(false);
  });
});

describe('finding the way in', () => {
  it('the help says how to start and where the installed example config and schema are', () => {
    const help = cli(['--help'], tempDir()).stdout;
    expect(help).toContain('dumpfeed init DIR writes a starter config');
    const where = /\n {2}(\/\S+\/)dumpfeed\.schema\.json/.exec(help)?.[1];
    expect(where).toBeDefined();
    expect(existsSync(join(where!, 'dumpfeed.schema.json'))).toBe(true);
    expect(existsSync(join(where!, 'dumpfeed.json'))).toBe(true);
  });
});

describe('dumpfeed subscribers', () => {
  function site() {
    const dir = tempDir();
    expect(cli(['init'], dir).code).toBe(0);
    return { dir, run: (...args: string[]) => cli(['subscribers', ...args], dir), file: join(dir, 'config', 'dumpfeed.json') };
  }

  it('adds, changes, lists and removes subscribers in the config file, keeping the rest of the file as written', () => {
    const { run, file } = site();
    // The operator's own layout: a one-line array stays one line.
    writeFileSync(file, readFileSync(file, 'utf8').replace('"pattern": "*.txt"', '"pattern": "*.txt", "encoding": "auto"'));
    expect(
      run(
        'add',
        'ana@example.org',
        '--name',
        'Ana',
        '--topic',
        'Press releases',
        '--topic',
        'Resources on Textiles, clothing',
        '--schedule',
        'immediate',
        '--updates',
      ).stdout,
    ).toBe('added ana@example.org in config/dumpfeed.json; a running watch reloads it\n');
    expect(
      run('add', 'bo@example.org', '--schedule', 'weekly mon 09:00', '--time-zone', 'Europe/Zurich', '--include', '/\\bjade\\b/i').code,
    ).toBe(0);
    expect(run('set', 'ANA@example.org', '--schedule', 'daily 07:30', '--no-updates').code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"pattern": "*.txt", "encoding": "auto"');
    expect(JSON.parse(text).subscribers).toEqual([
      {
        address: 'ana@example.org',
        name: 'Ana',
        topics: ['Press releases', 'Resources on Textiles, clothing'],
        schedule: 'daily 07:30',
        updates: false,
      },
      { address: 'bo@example.org', schedule: 'weekly mon 09:00', timeZone: 'Europe/Zurich', include: ['/\\bjade\\b/i'] },
    ]);
    expect(run('list').stdout).toBe(
      [
        'Ana <ana@example.org>: daily 07:30 (UTC); 0 sent',
        '    topics: Press releases | Resources on Textiles, clothing',
        'bo@example.org: weekly mon 09:00 (Europe/Zurich); 0 sent',
        '    topics: *',
        '    include: /\\bjade\\b/i',
        '',
      ].join('\n'),
    );
    expect(run('remove', 'bo@example.org').code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).subscribers.map((s: { address: string }) => s.address)).toEqual(['ana@example.org']);
  });

  it('refuses what the config would refuse, and leaves the file untouched', () => {
    const { run, file } = site();
    expect(run('add', 'ana@example.org').code).toBe(0);
    const before = readFileSync(file, 'utf8');
    const cases: [string[], RegExp][] = [
      [['add', 'ana@example.org'], /^error: ana@example\.org is already a subscriber/],
      [
        ['add', 'not an address'],
        /^error: config config\/dumpfeed\.json: subscribers\.1\.address: must be an e-mail address; the file is left unchanged\n$/,
      ],
      [['set', 'ana@example.org', '--schedule', 'sometimes'], /subscribers\.0\.schedule: must be "immediate"/],
      [['set', 'ana@example.org', '--include', '/(unclosed/'], /subscribers\.0\.include\.0: invalid pattern/],
      [['set', 'ana@example.org', '--time-zone', 'Mars/Olympus'], /subscribers\.0\.timeZone: must be an IANA time zone/],
      [['set', 'nobody@example.org', '--schedule', 'hourly'], /^error: nobody@example\.org is not a subscriber in config\/dumpfeed\.json/],
      [['set', 'ana@example.org'], /^error: subscribers set needs something to set/],
      [['remove', 'ana@example.org', '--schedule', 'hourly'], /^error: subscribers remove takes no --schedule/],
      [['frobnicate'], /^error: subscribers: unknown action "frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('says where subscribers live when there is no config file', () => {
    const r = cli(['subscribers', 'add', 'ana@example.org'], tempDir());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: config config/dumpfeed.json: no such file; subscribers are kept in the config file (dumpfeed init creates one, or name one with --config)\n',
    );
  });
});

describe('the config file', () => {
  it('has a JSON Schema made from the one config schema, which an independent validator applies as editors do', () => {
    const shipped = readFileSync(join(REPO, 'config', 'dumpfeed.schema.json'), 'utf8');
    // Out of date after a change of src/config/schema.ts: run `npm run schema`.
    expect(shipped).toBe(configJsonSchema());
    const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(shipped));
    expect(validate(JSON.parse(readFileSync(join(REPO, 'config', 'dumpfeed.json'), 'utf8'))), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ feeds: { lenght: 5 } })).toBe(false);
    expect(validate.errors![0]).toMatchObject({ instancePath: '/feeds', keyword: 'additionalProperties' });
    expect(validate({ subscribers: [{ address: 'a@b.org', schedule: 'daily 25:00' }] })).toBe(false);
    expect(validate.errors![0]).toMatchObject({ instancePath: '/subscribers/0/schedule', keyword: 'pattern' });
    expect(validate({ mail: { connections: 0 } })).toBe(false);
  });

  it('errors point to the line: a JSON mistake at line and column, a bad value at its key', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'syntax.json'), '{\n  "feeds": {\n    "dir": "x"\n    "length": 3\n  }\n}\n');
    expect(cli(['status', '--config', 'syntax.json'], dir).stderr).toBe(
      "error: config syntax.json:4:5: not valid JSON: Expected ',' or '}' after property value\n",
    );
    writeFileSync(
      join(dir, 'value.json'),
      '{\n  "feeds": { "dir": "x" },\n  "subscribers": [\n    {\n      "address": "a@b.org",\n      "schedule": "sometimes"\n    }\n  ]\n}\n',
    );
    expect(cli(['status', '--config', 'value.json'], dir).stderr).toMatch(
      /^error: config value\.json:6: subscribers\.0\.schedule: must be/,
    );
    writeFileSync(join(dir, 'key.json'), '{\n  "feeds": {\n    "dir": "x",\n    "lenght": 3\n  }\n}\n');
    expect(cli(['status', '--config', 'key.json'], dir).stderr).toBe('error: config key.json:4: unknown key "feeds.lenght"\n');
  });
});
