import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.js';
import { processDump } from '../../src/pipeline.js';
import { feedsOutput, mailOutput, type Output } from '../../src/sinks/outputs.js';
import { createTransport } from '../../src/sinks/mail/transport.js';
import { seedFiles, testContext, writeDump } from '../helpers.js';

// One contract for every output (src/sinks/outputs.ts), as unstorage runs one suite for every driver:
// it publishes what the store holds, writes nothing the second time, never throws for a target that
// fails (it reports it), and publishing again once the target is back (and past any retry delay the
// output set) delivers what was missed, once.

interface Case {
  name: string;
  /** A context whose target works, with a subscriber for the mail output. */
  setup: () => Context & { dir: string };
  output: (ctx: Context) => Output;
  /** Makes the target fail (a file where its folder should be), and mends it. */
  breakTarget: (ctx: Context) => void;
  mendTarget: (ctx: Context) => void;
  /** What reached the target, to check nothing is delivered twice. */
  delivered: (ctx: Context) => string[];
}

const blockWith = (path: string) => {
  rmSync(path, { recursive: true, force: true });
  writeFileSync(path, 'a file where a folder should be');
};
const unblock = (path: string) => rmSync(path, { force: true });
const list = (path: string) => {
  try {
    return readdirSync(path, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.includes('.'))
      .sort();
  } catch {
    return [];
  }
};

const CASES: Case[] = [
  {
    name: 'feeds',
    setup: () => testContext(),
    output: () => feedsOutput(),
    breakTarget: (ctx) => blockWith(ctx.config.feeds.dir),
    mendTarget: (ctx) => unblock(ctx.config.feeds.dir),
    delivered: (ctx) => list(ctx.config.feeds.dir).map((f) => `${f}:${readFileSync(join(ctx.config.feeds.dir, f)).length}`),
  },
  {
    name: 'mail',
    setup: () => {
      const ctx = testContext({ subscribers: [{ address: 'ana@example.org', schedule: 'immediate', backfill: true }] });
      ctx.config.mail.outbox = join(ctx.dir, 'outbox');
      return ctx;
    },
    output: (ctx) => mailOutput(createTransport(ctx.config)),
    breakTarget: (ctx) => blockWith(ctx.config.mail.outbox),
    mendTarget: (ctx) => unblock(ctx.config.mail.outbox),
    delivered: (ctx) => list(ctx.config.mail.outbox),
  },
];

async function storeSeed(ctx: Context & { dir: string }, i: number): Promise<void> {
  await processDump(ctx, writeDump(ctx.dir, `${i}.txt`, readFileSync(seedFiles()[i]!), `2026-01-0${i + 1}T00:00:00Z`));
}

describe.each(CASES)('the $name output', (c) => {
  it('publishes what the store holds, and nothing the second time', async () => {
    const ctx = c.setup();
    await storeSeed(ctx, 0);
    const first = await c.output(ctx).publish(ctx, { topics: 'all' });
    expect(first.errors).toEqual([]);
    expect(first.written.length).toBeGreaterThan(0);
    const delivered = c.delivered(ctx);
    expect(delivered.length).toBeGreaterThan(0);
    const second = await c.output(ctx).publish(ctx, { topics: 'all' });
    expect(second).toMatchObject({ output: c.name, written: [], errors: [] });
    expect(c.delivered(ctx)).toEqual(delivered);
  });

  it('never throws for a target that fails: it reports it, and the next publication delivers what was missed, once', async () => {
    const ctx = c.setup();
    await storeSeed(ctx, 0);
    c.breakTarget(ctx);
    const failed = await c.output(ctx).publish(ctx, { topics: 'all' });
    expect(failed.output).toBe(c.name);
    expect(failed.errors.length).toBeGreaterThan(0);
    expect(failed.errors[0]).not.toContain('\n');
    c.mendTarget(ctx);
    // Later: past any retry delay the output set itself.
    const later = { ...ctx, now: () => new Date(ctx.now().getTime() + 24 * 3_600_000) };
    const repaired = await c.output(later).publish(later, { topics: 'all' });
    expect(repaired.errors).toEqual([]);
    expect(repaired.written.length).toBeGreaterThan(0);
    const delivered = c.delivered(ctx);
    expect((await c.output(later).publish(later, { topics: 'all' })).written).toEqual([]);
    expect(c.delivered(ctx)).toEqual(delivered);
  });

  it('starts nothing once asked to stop', async () => {
    const ctx = c.setup();
    await storeSeed(ctx, 0);
    await c.output(ctx).publish(ctx, { topics: 'all' });
    const before = c.delivered(ctx);
    await storeSeed(ctx, 1);
    const stopped = await c.output(ctx).publish(ctx, { topics: 'all', shouldStop: () => true });
    expect(stopped.errors).toEqual([]);
    // Feeds are written in one go (a stop waits for them); mail sends nothing new.
    if (c.name === 'mail') expect(c.delivered(ctx)).toEqual(before);
  });
});
