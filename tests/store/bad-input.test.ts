import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { processDump } from '../../src/pipeline.js';
import { seedFiles, storeSnapshot, testContext, writeDump } from '../helpers.js';

const seed = readFileSync(seedFiles()[0]!);
const good = seed.toString('utf8');

// Each bad dump arrives after a good one has been stored. It must be reported with a one-line reason
// naming the file, recorded as rejected, and leave every topic, item and version as it was.
const cases: { name: string; bytes: Uint8Array; reason: RegExp }[] = [
  { name: 'empty', bytes: new Uint8Array(), reason: /^empty file$/ },
  { name: 'whitespace only', bytes: Buffer.from('\n   \n\t\n'), reason: /^empty file \(whitespace only\)$/ },
  { name: 'binary', bytes: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]), reason: /^binary file/ },
  {
    name: 'undecodable',
    bytes: Buffer.from(good.replace('Press releases', 'Communiqu\u00e9s'), 'latin1'),
    reason: /^not valid UTF-8 \(byte 0x/,
  },
  {
    name: 'its only item cut in its date',
    bytes: Buffer.from('Press releases\n\n  1. Child labour rises\n\n    10 Feb'),
    reason: /^truncated: nothing complete to keep \(line 3: item 1 \(the last\) held back: its date may be cut \("10 Feb"\)\)$/,
  },
  { name: 'no items', bytes: Buffer.from('Press releases\n\nNo news today.\n'), reason: /^no items/ },
];

describe('bad dumps', () => {
  it.each(cases)('$name: rejected with its reason, nothing stored changes', async ({ bytes, reason }) => {
    const ctx = testContext();
    await processDump(ctx, writeDump(ctx.dir, 'good.txt', seed));
    const before = storeSnapshot(ctx.store);

    const file = writeDump(ctx.dir, 'bad.txt', bytes);
    const { result } = await processDump(ctx, file);
    expect(result.error).toMatch(reason);
    expect(result.error).not.toContain('\n');
    expect(result.new).toEqual([]);

    const after = storeSnapshot(ctx.store);
    for (const table of ['topics', 'items', 'item_versions'] as const) expect(after[table]).toEqual(before[table]);
    expect(ctx.store.dumps.rejected()).toEqual([expect.objectContaining({ file, error: result.error })]);

    // The good dump delivered again after the bad one is still a no-op: nothing duplicated.
    expect((await processDump(ctx, writeDump(ctx.dir, 'again.txt', seed))).result.duplicate).toBe(true);
    expect(ctx.store.counts().items).toBe(20);
  });

  it('rejects the same bad bytes again without parsing them, keeping the first file in the store', async () => {
    const ctx = testContext();
    const bytes = Buffer.from(good.replace('Press releases', 'Communiqu\u00e9s'), 'latin1');
    const first = writeDump(ctx.dir, 'first.txt', bytes);
    const reason = (await processDump(ctx, first)).result.error;
    const again = (await processDump(ctx, writeDump(ctx.dir, 'again.txt', bytes))).result;
    expect(again).toMatchObject({ error: reason, errorKind: 'encoding', duplicate: true });
    expect(ctx.store.dumps.rejected()).toEqual([expect.objectContaining({ file: first, error: reason })]);

    // Under another source.encoding the bytes are parsed again: this time they are a good dump.
    const latin1 = { ...ctx, config: { ...ctx.config, source: { ...ctx.config.source, encoding: 'windows-1252' as const } } };
    const fixed = (await processDump(latin1, writeDump(ctx.dir, 'third.txt', bytes))).result;
    expect(fixed).toMatchObject({ error: null, duplicate: false, topic: 'Communiqués' });
    expect(ctx.store.dumps.rejected()).toEqual([]);
  });

  it('rejects a dump over the size limit without reading it', async () => {
    const ctx = testContext({ source: { maxBytes: 1024 } });
    const { result } = await processDump(ctx, writeDump(ctx.dir, 'huge.txt', seed));
    expect(result.error).toBe('too large: 4.3 KB is over the limit of 1.0 KB (source.maxBytes)');
    expect(ctx.store.counts().items).toBe(0);
  });

  it('reports a missing file as unreadable', async () => {
    const ctx = testContext();
    const { result } = await processDump(ctx, `${ctx.dir}/nope.txt`);
    expect(result.error).toBe('cannot read: ENOENT');
  });

  it('replaces a rejection when the same bytes later parse (after a config fix)', async () => {
    const latin1 = Buffer.from(good.replace('Press releases', 'Communiqu\u00e9s de presse'), 'latin1');
    const strict = testContext();
    const file = writeDump(strict.dir, 'latin1.txt', latin1);
    expect((await processDump(strict, file)).result.error).toMatch(/^not valid UTF-8/);
    // Other dumps are stored meanwhile, and digests have gone out up to the last of them.
    for (const f of seedFiles().slice(1, 3)) await processDump(strict, f);
    const sentUpTo = strict.store.dumps.lastId();
    const fixed = { ...strict, config: { ...strict.config, source: { ...strict.config.source, encoding: 'windows-1252' as const } } };
    const { result } = await processDump(fixed, file);
    expect(result.error).toBeNull();
    expect(result.topic).toBe('Communiqués de presse');
    expect(strict.store.dumps.rejected()).toEqual([]);
    // Stored as a dump after those (digests and feed marks read by dump id): its items are news for the next digest.
    const firstSeen = strict.store.sqlite
      .prepare('SELECT DISTINCT i.first_seen_dump AS id FROM items i JOIN topics t ON t.id = i.topic_id WHERE t.name = ?')
      .all('Communiqués de presse');
    expect(firstSeen).toEqual([{ id: strict.store.dumps.lastId() }]);
    expect(strict.store.dumps.lastId()).toBeGreaterThan(sentUpTo);
  });
});

describe('a store failure in the middle of a dump', () => {
  it('rolls the whole dump back and leaves it to be retried', async () => {
    const ctx = testContext();
    const [first, second] = seedFiles();
    await processDump(ctx, writeDump(ctx.dir, 'a.txt', readFileSync(first!)));
    const before = storeSnapshot(ctx.store);
    // A real SQLite failure half-way through the second dump's items (as a full disk would cause).
    ctx.store.sqlite.exec(`CREATE TEMP TRIGGER fail BEFORE INSERT ON item_versions
      WHEN (SELECT COUNT(*) FROM item_versions) >= 25 BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    const file = writeDump(ctx.dir, 'b.txt', readFileSync(second!));
    await expect(processDump(ctx, file)).rejects.toThrow(StoreError);
    expect(storeSnapshot(ctx.store)).toEqual(before);

    ctx.store.sqlite.exec('DROP TRIGGER fail');
    const { result } = await processDump(ctx, file);
    expect(result.duplicate).toBe(false);
    expect(result.new).toHaveLength(10);
  });
});
