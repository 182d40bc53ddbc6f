import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

// Every feed is feeds/<slug>.*: two topics with one slug would overwrite each other's feeds. A clash is
// impossible: the config's own are errors, a new page takes the next free slug, and a config that
// would take a stored page's slug is refused naming both.

const PAGE = 'Bangladesh\n\n  1. Garment workers get a new safety accord\n\n    3 May 2021\n\n  2. Jobs report for Dhaka\n\n    2 May 2021';

function folder(config: Record<string, unknown>): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'in'));
  writeFileSync(join(dir, 'in', 'a.txt'), PAGE);
  writeFileSync(join(dir, 'c.json'), JSON.stringify({ store: { path: 'db' }, feeds: { dir: 'feeds' }, ...config }));
  return dir;
}

const custom = { customTopics: [{ name: 'Bangladesh news', slug: 'bangladesh', include: ['Bangladesh', 'Dhaka'] }] };

describe('slugs never collide', () => {
  it('a new page whose slug a custom topic has gets the next one, with a warning; neither overwrites the other', () => {
    const dir = folder(custom);
    const first = cli(['ingest', '--config', 'c.json', 'in'], dir);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(
      'warning: in/a.txt: new page "Bangladesh" gets the slug "bangladesh-2": "bangladesh" belongs to customTopics.0 "Bangladesh news"\n',
    );
    const feeds = readdirSync(join(dir, 'feeds'));
    expect(feeds).toContain('bangladesh.atom');
    expect(feeds).toContain('bangladesh-2.atom');
    // Nothing new: nothing written, every run.
    writeFileSync(join(dir, 'in', 'b.txt'), `${PAGE}\n`);
    expect(cli(['ingest', '--config', 'c.json', 'in'], dir).stdout).toMatch(/feeds: 0 written, \d+ unchanged/);
    const topics = JSON.parse(cli(['topics', '--config', 'c.json', '--json'], dir).stdout) as { topics: { slug: string }[] };
    const slugs = topics.topics.map((t) => t.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
  });

  it("a custom topic that would take a stored page's slug is refused, naming both", () => {
    const dir = folder({});
    expect(cli(['ingest', '--config', 'c.json', 'in'], dir).code).toBe(0);
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ store: { path: 'db' }, feeds: { dir: 'feeds' }, ...custom }));
    const r = cli(['ingest', '--config', 'c.json', 'in'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: config: customTopics.0 "Bangladesh news": slug "bangladesh" is already the slug of the page "Bangladesh" (feeds/bangladesh.*); choose another\n',
    );
  });

  it('two topics of the config with one slug, or a reserved slug, are errors naming both', () => {
    const dir = folder({
      topics: { Bangladesh: { slug: 'bd' } },
      customTopics: [{ name: 'Dhaka', slug: 'bd', include: ['Dhaka'] }],
    });
    expect(cli(['ingest', '--config', 'c.json', 'in'], dir).stderr).toBe(
      'error: config c.json: topics."Bangladesh".slug: "bd" is already used by "Dhaka"\n',
    );
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ customTopics: [{ name: 'Everything', slug: 'all', include: ['x'] }] }));
    expect(cli(['status', '--config', 'c.json'], dir).stderr).toBe('error: config c.json: customTopics.0.slug: "all" is reserved\n');
  });
});
