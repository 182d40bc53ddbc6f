import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestPaths, type Context } from '../../src/pipeline.js';
import { read, seedFiles, testContext, writeDump } from '../helpers.js';

// A cron `ingest` renders the feeds of the topics that changed since the feeds were last written
// completely (the store's `published` mark), not every topic. To see what a run rendered, a file is
// altered by hand: a run that renders its topic writes it back.
const TAMPER = '<!-- altered -->';

async function seeded(raw: Record<string, unknown> = {}) {
  const ctx = testContext(raw);
  const files = seedFiles().map((f, i) => writeDump(ctx.dir, `seed-${i}.txt`, readFileSync(f)));
  await ingestPaths(ctx, files);
  return ctx;
}

const feed = (ctx: Context, name: string) => join(ctx.config.feeds.dir, name);
const tamper = (ctx: Context, name: string) => appendFileSync(feed(ctx, name), TAMPER);
const tampered = (ctx: Context, name: string) => read(feed(ctx, name)).endsWith(TAMPER);
const pressRelease = (title: string) => `Press releases\n\n\n  1. ${title}\n\n    2 January 2027\n\n    What happened.\n`;

describe('feeds rendered by what changed', () => {
  it('renders the topic of a new dump, not the others', async () => {
    const ctx = await seeded();
    tamper(ctx, 'press-releases.atom');
    tamper(ctx, 'impact-and-people.atom');
    const run = await ingestPaths(ctx, [writeDump(ctx.dir, 'new.txt', pressRelease('A new press release'))]);
    expect(run.feeds.written).toContain(feed(ctx, 'press-releases.atom'));
    expect(tampered(ctx, 'press-releases.atom')).toBe(false);
    expect(read(feed(ctx, 'press-releases.atom'))).toContain('A new press release');
    expect(tampered(ctx, 'impact-and-people.atom')).toBe(true);
  });

  it('writes again the files of a topic that were removed, and its archive pages', async () => {
    const ctx = await seeded({ feeds: { length: 2 } });
    tamper(ctx, 'impact-and-people.atom');
    rmSync(feed(ctx, 'impact-and-people.rss'));
    rmSync(feed(ctx, 'archive/news-and-events-1.atom'));
    await ingestPaths(ctx, []);
    expect(read(feed(ctx, 'impact-and-people.rss'))).toContain('<rss');
    expect(tampered(ctx, 'impact-and-people.atom')).toBe(false);
    expect(read(feed(ctx, 'archive/news-and-events-1.atom'))).toContain('<feed');
  });

  it('renders every feed again under another config', async () => {
    const ctx = await seeded();
    tamper(ctx, 'impact-and-people.atom');
    await ingestPaths({ ...ctx, config: { ...ctx.config, feeds: { ...ctx.config.feeds, title: 'ILO feeds' } } }, []);
    expect(tampered(ctx, 'impact-and-people.atom')).toBe(false);
  });

  it('keeps the mark when feeds could not be written: the next run renders what that run stored', async () => {
    const ctx = await seeded();
    // A folder where a feed file goes: its write fails.
    rmSync(feed(ctx, 'press-releases.rss'));
    mkdirSync(feed(ctx, 'press-releases.rss'));
    const failed = await ingestPaths(ctx, [writeDump(ctx.dir, 'new.txt', pressRelease('Stored, feeds failed'))]);
    expect(failed.feedErrors).toHaveLength(1);
    // Every file is there again (an old one in its place): only the mark tells what that run stored.
    rmSync(feed(ctx, 'press-releases.rss'), { recursive: true });
    writeFileSync(feed(ctx, 'press-releases.rss'), 'stale');
    tamper(ctx, 'press-releases.atom');
    tamper(ctx, 'impact-and-people.atom');
    const next = await ingestPaths(ctx, []);
    expect(next.feedErrors).toEqual([]);
    expect(tampered(ctx, 'press-releases.atom')).toBe(false);
    expect(read(feed(ctx, 'press-releases.rss'))).toContain('Stored, feeds failed');
    expect(tampered(ctx, 'impact-and-people.atom')).toBe(true);
  });
});
