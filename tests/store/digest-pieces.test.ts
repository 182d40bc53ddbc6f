import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { messageBytes, type ComposedMessage, type SharedPiece } from '../../src/store/digests.js';
import { tempDir } from '../helpers.js';

// The part of a message that several readers' digests share is stored once, put back into each
// message when it is sent, and dropped with the last digest that uses it.

const shared: SharedPiece = { bytes: Buffer.from('A long shared beginning of a digest.\r\n'.repeat(50)) };

/** A reader's message: own headers, the shared piece, then the reader's own footer. */
function message(reader: string): ComposedMessage {
  const head = Buffer.from(`To: ${reader}@example.org\r\n\r\n`);
  return {
    own: Buffer.concat([head, Buffer.from(`Unsubscribe: https://x.example/${reader}\r\n`)]),
    pieces: [{ at: head.length, piece: shared }],
  };
}

function setup() {
  const path = join(tempDir(), 'state.db');
  const store = Store.open(path);
  const readers = ['ana', 'bo', 'cy'];
  store.digests.recordDigests(
    readers.map((r) => ({
      address: `${r}@example.org`,
      createdAt: '2026-01-01T08:00:00.000Z',
      messageId: `<${r}@example.org>`,
      subject: 'news',
      message: message(r),
      items: [],
      cursor: 0,
      slot: null,
    })),
  );
  const pieces = (): number => {
    const db = new Database(path, { readonly: true });
    const n = (db.prepare(`SELECT COUNT(*) AS n FROM digest_pieces`).get() as { n: number }).n;
    db.close();
    return n;
  };
  return { store, pieces, due: () => store.digests.dueDigests(new Date('2026-01-02T00:00:00Z')) };
}

describe('shared pieces of digest messages', () => {
  it('are stored once and put back into each message whole', () => {
    const { store, pieces, due } = setup();
    expect(pieces()).toBe(1);
    const got = due();
    expect(got.map((d) => d.raw.toString())).toEqual(['ana', 'bo', 'cy'].map((r) => messageBytes(message(r)).toString()));
    expect(got[1]!.raw.toString()).toContain(`To: bo@example.org\r\n\r\nA long shared beginning`);
    store.close();
  });

  it('go with the last digest that uses them, sent or dropped by an unsubscribe', () => {
    const { store, pieces, due } = setup();
    const [ana, bo] = due();
    store.digests.markSent(ana!.id, new Date('2026-01-02T00:00:00Z'));
    expect(pieces()).toBe(1);
    // Cy unsubscribes: their queued digest goes; Bo's still needs the piece.
    store.digests.unsubscribe('cy@example.org', new Date('2026-01-02T00:00:00Z'), 'link');
    expect(due().map((d) => d.address)).toEqual(['bo@example.org']);
    expect(due()[0]!.raw.toString()).toBe(messageBytes(message('bo')).toString());
    store.digests.markSent(bo!.id, new Date('2026-01-02T00:00:00Z'));
    expect(pieces()).toBe(0);
    expect(due()).toEqual([]);
    store.close();
  });
});
