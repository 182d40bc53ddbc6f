import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/pipeline.js';
import { planDigests } from '../../src/sinks/mail/digests.js';
import { seedFiles, tempDir, testContext } from '../helpers.js';

// Readers who get the same digest share its rendering and the encoding of all but its footer's
// unsubscribe link. Each must still get exactly the message they would have got alone.

const subscribers = [
  { address: 'ana@example.org', topics: ['*'], schedule: 'immediate', backfill: true },
  { address: 'bo@example.org', name: 'Bo Ørsted', topics: ['*'], schedule: 'immediate', backfill: true },
  { address: 'cy@example.org', topics: ['*'], schedule: 'daily 08:00', backfill: true },
  { address: 'di@example.org', topics: ['Press releases'], schedule: 'immediate', backfill: true },
  { address: 'ed@example.org', topics: ['*'], schedule: 'immediate', backfill: true },
];

async function digests(keyFile: string, oneAtATime: boolean) {
  const ctx = testContext({
    feeds: { baseUrl: 'https://news.example.org/', title: 'ILO news' },
    mail: { from: 'ILO news <digest@news.example.org>', oneClickUnsubscribe: true, unsubscribeSecretFile: keyFile },
    subscribers,
  });
  await ingestPaths(ctx, seedFiles());
  const now = new Date('2026-01-02T09:00:00Z');
  if (oneAtATime) for (const sub of ctx.config.subscribers) await planDigests(ctx, now, false, () => false, [sub]);
  else await planDigests(ctx, now);
  const out = new Map<string, { raw: string; text: string; html: string }>();
  for (const d of ctx.store.digests.dueDigests(now)) {
    const mail = await simpleParser(d.raw);
    out.set(d.address, { raw: d.raw.toString('latin1'), text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : '' });
  }
  return out;
}

describe('digests shared by several readers', () => {
  it('read, reader by reader, exactly as the digests built one reader at a time', async () => {
    const keyFile = join(tempDir(), 'unsubscribe.key');
    const together = await digests(keyFile, false);
    const alone = await digests(keyFile, true);
    expect([...together.keys()].sort()).toEqual(subscribers.map((s) => s.address).sort());
    for (const sub of subscribers) {
      const a = together.get(sub.address)!;
      const b = alone.get(sub.address)!;
      expect(a.text).toBe(b.text);
      expect(a.html).toBe(b.html);
      // Each carries its own link, in both parts, and no other reader's.
      const own = /Unsubscribe: (\S+)/.exec(a.text)?.[1];
      expect(own).toMatch(/^https:\/\/news\.example\.org\/unsubscribe\/[A-Za-z0-9_-]+\./);
      expect(Buffer.from(own!.split('/').pop()!.split('.')[0]!, 'base64url').toString()).toBe(sub.address);
      expect(a.html).toContain(`<a href="${own}"`);
      expect(a.text).not.toContain('\u0001');
      // The body's quoted-printable lines stay within 76 characters (a header holding a long link
      // without spaces cannot be folded).
      const body = a.raw.slice(a.raw.indexOf('\r\n\r\n'));
      expect(body.split(/\r?\n/).filter((l) => l.length > 76)).toEqual([]);
    }
    // Ana, Bo and Ed share a digest: the same text but for the link.
    const strip = (t: string) => t.replace(/unsubscribe\/\S+/g, 'unsubscribe/LINK');
    expect(strip(together.get('bo@example.org')!.text)).toBe(strip(together.get('ana@example.org')!.text));
    expect(strip(together.get('ed@example.org')!.html)).toBe(strip(together.get('ana@example.org')!.html));
    // Cy's schedule and Di's pages make theirs different.
    expect(together.get('cy@example.org')!.text).toContain('You get this digest (daily 08:00)');
    expect(strip(together.get('di@example.org')!.text)).not.toBe(strip(together.get('ana@example.org')!.text));
  });
});
