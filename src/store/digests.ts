import type { ParsedItem } from '../model.js';
import type { Db } from './db.js';
import type { Dumps } from './dumps.js';

/** What the store knows of a subscriber. */
export interface SubscriberState {
  address: string;
  cursorDump: number;
  lastSlot: string | null;
  createdAt: string;
}

/** An item that may go into a digest, with its page and, for an edit, the version the reader saw. */
export interface DigestCandidate extends ParsedItem {
  itemId: number;
  key: string;
  guid: string;
  version: number;
  kind: 'new' | 'updated';
  topicId: number;
  topicKey: string;
  topicName: string;
  topicSlug: string;
  /** For an edit: the version the subscriber saw (or the one before), to tell what changed. */
  previous: ParsedItem | null;
}

/** A piece of message that the messages of several readers share; stored once. */
export interface SharedPiece {
  bytes: Buffer;
}

/**
 * A composed message: the reader's own bytes and the shared pieces that go into them, each at a byte
 * offset into the own bytes (ascending).
 */
export interface ComposedMessage {
  own: Buffer;
  pieces: { at: number; piece: SharedPiece }[];
}

/** The whole message: the own bytes with the pieces put in. */
export function messageBytes({ own, pieces }: ComposedMessage): Buffer {
  if (pieces.length === 0) return own;
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of pieces) {
    parts.push(own.subarray(from, p.at), p.piece.bytes);
    from = p.at;
  }
  parts.push(own.subarray(from));
  return Buffer.concat(parts);
}

/** A digest waiting to be sent (or retried). */
export interface QueuedDigest {
  id: number;
  address: string;
  messageId: string;
  subject: string;
  raw: Buffer;
  attempts: number;
  createdAt: string;
}

type ItemJoinRow = ParsedItem & {
  id: number;
  key: string;
  guid: string;
  version: number;
  topic_id: number;
  topic_key: string;
  topic_name: string;
  topic_slug: string;
};

/** The digest tables: subscribers' progress, recorded digests and which item versions they carried. */
export class DigestStore {
  constructor(
    private readonly db: Db,
    private readonly dumps: Dumps,
  ) {}

  /** The subscriber's state, if the store has seen them. */
  peekSubscriber(address: string): SubscriberState | undefined {
    return this.db
      .sql(`SELECT address, cursor_dump AS cursorDump, last_slot AS lastSlot, created_at AS createdAt FROM subscribers WHERE address = ?`)
      .get(address) as SubscriberState | undefined;
  }

  /** The states of these subscribers that the store has seen, by address: read at once, not one by one. */
  subscriberStates(addresses: readonly string[]): Map<string, SubscriberState> {
    const rows = this.db
      .sql(
        `SELECT address, cursor_dump AS cursorDump, last_slot AS lastSlot, created_at AS createdAt FROM subscribers
         WHERE address IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(addresses)) as SubscriberState[];
    return new Map(rows.map((r) => [r.address, r]));
  }

  /**
   * The subscriber's state, created on first sight: without backfill they start from the newest dump
   * (no back catalogue) and their first slot counts as handled, as a newsletter subscriber expects.
   */
  subscriber(address: string, backfill: boolean, slot: Date | null, now: Date): SubscriberState {
    const known = this.peekSubscriber(address);
    if (known) return known;
    this.db.write(`subscriber ${address}`, () =>
      this.db
        .sql(`INSERT INTO subscribers (address, cursor_dump, last_slot, created_at) VALUES (?, ?, ?, ?)`)
        .run(address, backfill ? 0 : this.dumps.lastId(), slot && !backfill ? slot.toISOString() : null, now.toISOString()),
    );
    return this.peekSubscriber(address)!;
  }

  /**
   * Items that became new after dump `cursor` (up to `upTo`) and, with `updates`, items edited in that
   * window, leaving out what this subscriber already got. Without `backfill`, the first dump of a page
   * is its back catalogue, not news.
   */
  candidates(address: string, cursor: number, upTo: number, backfill: boolean, updates: boolean): DigestCandidate[] {
    return this.candidateWindow(cursor, upTo, backfill, updates)(address);
  }

  /**
   * The candidates of one window, read once for every subscriber whose cursor is there (most of them:
   * cursors move together); the function it returns leaves out what one subscriber already got, with
   * look-ups on their own rows of `digest_items` only.
   */
  candidateWindow(cursor: number, upTo: number, backfill: boolean, updates: boolean): (address: string) => DigestCandidate[] {
    const cols = `i.id, i.key, i.guid, i.version, i.title, i.date, i.end_date AS endDate, i.summary, i.category, i.credit, i.location, i.topic_id,
      t.key AS topic_key, t.name AS topic_name, t.slug AS topic_slug`;
    const fresh = this.db
      .sql(
        `SELECT ${cols} FROM items i JOIN topics t ON t.id = i.topic_id
         WHERE i.first_seen_dump > ? AND i.first_seen_dump <= ?
           AND (? OR i.first_seen_dump > (SELECT MIN(d.id) FROM dumps d WHERE d.topic_id = i.topic_id AND d.status = 'ok'))
         ORDER BY i.id`,
      )
      .all(cursor, upTo, backfill ? 1 : 0) as ItemJoinRow[];
    const isNew = new Set(fresh.map((r) => r.id));
    const edited = updates
      ? (
          this.db
            .sql(
              `SELECT ${cols} FROM items i JOIN topics t ON t.id = i.topic_id
               WHERE i.id IN (SELECT v.item_id FROM item_versions v WHERE v.dump_id > ? AND v.dump_id <= ? AND v.version > 1 AND v.minor = 0)
                 AND i.first_seen_dump <= ?
               ORDER BY i.id`,
            )
            .all(cursor, upTo, cursor) as ItemJoinRow[]
        ).filter((r) => !isNew.has(r.id))
      : [];
    const freshCandidates = fresh.map((r) => candidate(r, 'new', null));
    const firstFresh = fresh[0]?.id ?? 0;
    // Ids of new items only grow, so what a subscriber got of them is one range of their own rows.
    const sentSince = this.db.sql(`SELECT item_id AS id FROM digest_items WHERE address = ? AND item_id >= ?`);
    const seenVersion = this.db.sql(
      `SELECT MAX(version) AS v, MAX(version = ?) AS has FROM digest_items WHERE address = ? AND item_id = ?`,
    );
    const versionOf = this.db.sql(
      `SELECT title, date, end_date AS endDate, summary, category, credit, location FROM item_versions WHERE item_id = ? AND version = ?`,
    );
    // The version a reader saw, per item and version: shared by the subscribers who saw the same one.
    const previous = new Map<string, ParsedItem | null>();
    return (address) => {
      let out = freshCandidates;
      if (fresh.length > 0) {
        const sent = new Set((sentSince.all(address, firstFresh) as { id: number }[]).map((r) => r.id));
        if (sent.size > 0) out = freshCandidates.filter((c) => !sent.has(c.itemId));
      }
      if (edited.length === 0) return out;
      out = [...out];
      for (const r of edited) {
        const seen = seenVersion.get(r.version, address, r.id) as { v: number | null; has: number | null };
        if (seen.has === 1) continue;
        const before = seen.v ?? r.version - 1;
        const key = `${r.id}.${before}`;
        if (!previous.has(key)) previous.set(key, (versionOf.get(r.id, before) as ParsedItem | undefined) ?? null);
        out.push(candidate(r, 'updated', previous.get(key)!));
      }
      return out;
    };
  }

  /**
   * Records a digest and marks its items as queued for the subscriber, moving their cursor and slot,
   * all in one transaction: a crash leaves either all of it or none.
   */
  recordDigest(
    d: {
      address: string;
      createdAt: string;
      messageId: string;
      subject: string;
      message: ComposedMessage;
      items: { itemId: number; version: number; kind: 'new' | 'updated' }[];
      cursor: number;
      slot: string | null;
    },
    pieceIds = new Map<SharedPiece, number>(),
  ): number {
    return this.db.write(`digest for ${d.address}`, () => {
      const id = Number(
        this.db
          .sql(
            `INSERT INTO digests (address, created_at, message_id, subject, item_count, raw, status, next_attempt_at)
             VALUES (?, ?, ?, ?, ?, ?, 'queued', ?)`,
          )
          .run(d.address, d.createdAt, d.messageId, d.subject, d.items.length, d.message.own, d.createdAt).lastInsertRowid,
      );
      // A piece shared with other readers' messages is stored once (pieceIds: those of this round).
      for (const { at, piece } of d.message.pieces) {
        let pieceId = pieceIds.get(piece);
        if (pieceId === undefined) {
          pieceId = Number(this.db.sql(`INSERT INTO digest_pieces (bytes) VALUES (?)`).run(piece.bytes).lastInsertRowid);
          pieceIds.set(piece, pieceId);
        }
        this.db.sql(`INSERT INTO digest_splices (digest_id, at, piece_id) VALUES (?, ?, ?)`).run(id, at, pieceId);
      }
      const mark = this.db.sql(`INSERT INTO digest_items (address, item_id, version, digest_id, kind) VALUES (?, ?, ?, ?, ?)`);
      for (const it of d.items) mark.run(d.address, it.itemId, it.version, id, it.kind);
      this.advance(d.address, d.cursor, d.slot);
      return id;
    });
  }

  /**
   * Records many digests and cursor moves (subscribers with nothing new) in one transaction: a round
   * of digests costs one commit, not one per subscriber.
   */
  recordDigests(
    list: Parameters<DigestStore['recordDigest']>[0][],
    advances: { address: string; cursor: number; slot: string | null }[] = [],
  ): number[] {
    return this.db.write(`${list.length} digests`, () => {
      for (const a of advances) this.advance(a.address, a.cursor, a.slot);
      const pieceIds = new Map<SharedPiece, number>();
      return list.map((d) => this.recordDigest(d, pieceIds));
    });
  }

  /** Moves a subscriber's cursor and slot without a digest (nothing new for them). */
  advance(address: string, cursor: number, slot: string | null): void {
    this.db.write(`subscriber ${address}`, () =>
      this.db
        .sql(`UPDATE subscribers SET cursor_dump = MAX(cursor_dump, ?), last_slot = COALESCE(?, last_slot) WHERE address = ?`)
        .run(cursor, slot, address),
    );
  }

  /**
   * Records that a subscriber wants no more digests, from now on: digests queued for them and not yet
   * sent are dropped in the same transaction. Returns false when they had already unsubscribed.
   */
  unsubscribe(address: string, at: Date, via: string): boolean {
    const lower = address.toLowerCase();
    return this.db.write(`unsubscribe ${address}`, () => {
      const added = this.db.sql(`INSERT OR IGNORE INTO unsubscribes (address, at, via) VALUES (?, ?, ?)`).run(lower, at.toISOString(), via);
      const queued = `SELECT id FROM digests WHERE lower(address) = ? AND status = 'queued'`;
      this.dropPieces(this.db.sql(`DELETE FROM digest_splices WHERE digest_id IN (${queued}) RETURNING piece_id AS id`).all(lower));
      this.db.sql(`DELETE FROM digest_items WHERE digest_id IN (${queued})`).run(lower);
      this.db.sql(`DELETE FROM digests WHERE id IN (${queued})`).run(lower);
      return added.changes > 0;
    });
  }

  /**
   * Undoes an unsubscribe (the operator's `subscribers resubscribe`): digests start again from the
   * newest dump, not with what was stored while they were away. Returns false when they had not unsubscribed.
   */
  resubscribe(address: string): boolean {
    const lower = address.toLowerCase();
    return this.db.write(`resubscribe ${address}`, () => {
      const removed = this.db.sql(`DELETE FROM unsubscribes WHERE address = ?`).run(lower).changes > 0;
      if (removed) this.db.sql(`UPDATE subscribers SET cursor_dump = ? WHERE lower(address) = ?`).run(this.dumps.lastId(), lower);
      return removed;
    });
  }

  /** Unsubscribed addresses (lower case), with when and how. */
  unsubscribed(): Map<string, { at: string; via: string }> {
    const rows = this.db.sql(`SELECT address, at, via FROM unsubscribes`).all() as { address: string; at: string; via: string }[];
    return new Map(rows.map((r) => [r.address, { at: r.at, via: r.via }]));
  }

  /** Per subscriber (address in lower case): digests sent, the last one's time, digests queued and the last permanent failure. */
  overview(): Map<string, { sent: number; lastSentAt: string | null; queued: number; lastError: string | null }> {
    const rows = this.db
      .sql(
        `SELECT lower(address) AS address, SUM(status = 'sent') AS sent, MAX(sent_at) AS lastSentAt, SUM(status = 'queued') AS queued
         FROM digests GROUP BY lower(address)`,
      )
      .all() as { address: string; sent: number; lastSentAt: string | null; queued: number }[];
    const errors = this.db
      .sql(`SELECT lower(address) AS address, last_error AS error FROM subscribers WHERE last_error IS NOT NULL`)
      .all() as {
      address: string;
      error: string;
    }[];
    const out = new Map(
      rows.map((r) => [r.address, { sent: r.sent, lastSentAt: r.lastSentAt, queued: r.queued, lastError: null as string | null }]),
    );
    for (const e of errors) out.set(e.address, { ...(out.get(e.address) ?? { sent: 0, lastSentAt: null, queued: 0 }), lastError: e.error });
    return out;
  }

  /** Queued digests whose next attempt is due, oldest first. */
  dueDigests(now: Date, limit = 100): QueuedDigest[] {
    const rows = this.db
      .sql(
        `SELECT id, address, message_id AS messageId, subject, raw, attempts, created_at AS createdAt FROM digests
         WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
      )
      .all(now.toISOString(), limit) as QueuedDigest[];
    const splices = this.db.sql(`SELECT at, piece_id AS id FROM digest_splices WHERE digest_id = ? ORDER BY at`);
    const pieces = new Map<number, Buffer>();
    const piece = (id: number): Buffer => {
      let bytes = pieces.get(id);
      if (!bytes)
        pieces.set(id, (bytes = (this.db.sql(`SELECT bytes FROM digest_pieces WHERE id = ?`).get(id) as { bytes: Buffer }).bytes));
      return bytes;
    };
    for (const row of rows) {
      const at = splices.all(row.id) as { at: number; id: number }[];
      row.raw = messageBytes({ own: row.raw, pieces: at.map((s) => ({ at: s.at, piece: { bytes: piece(s.id) } })) });
    }
    return rows;
  }

  /** Drops shared pieces that no digest's message uses any more (after their splices went). */
  private dropPieces(ids: unknown[]): void {
    const drop = this.db.sql(`DELETE FROM digest_pieces WHERE id = ? AND NOT EXISTS (SELECT 1 FROM digest_splices WHERE piece_id = ?)`);
    for (const id of new Set((ids as { id: number }[]).map((r) => r.id))) drop.run(id, id);
  }

  markSent(id: number, at: Date): void {
    this.db.write(`digest ${id}`, () => {
      // The message itself is dropped once sent: it is never sent again, and a store that kept every
      // digest whole would grow by the size of all mail ever sent (the soak: 100 immediate readers,
      // 30 MB a minute). Its Message-ID, subject and items stay.
      this.db
        .sql(`UPDATE digests SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL, raw = X'' WHERE id = ?`)
        .run(at.toISOString(), id);
      this.dropPieces(this.db.sql(`DELETE FROM digest_splices WHERE digest_id = ? RETURNING piece_id AS id`).all(id));
    });
  }

  markRetry(id: number, error: string, next: Date): void {
    this.db.write(`digest ${id}`, () =>
      this.db
        .sql(`UPDATE digests SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`)
        .run(error, next.toISOString(), id),
    );
  }

  /** A permanent failure: the digest is not retried; the subscriber shows the error in `status`. */
  markFailed(id: number, address: string, error: string, at: Date): void {
    this.db.write(`digest ${id}`, () => {
      this.db.sql(`UPDATE digests SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`).run(error, id);
      this.db.sql(`UPDATE subscribers SET last_error = ?, last_error_at = ? WHERE address = ?`).run(error, at.toISOString(), address);
    });
  }

  /** Digest counts and failures, for `status`. */
  summary(): {
    queued: number;
    sent: number;
    failed: number;
    failures: { address: string; error: string; at: string | null }[];
    retrying: { address: string; attempts: number; error: string | null; next: string }[];
  } {
    const counts = this.db.sql(`SELECT status, COUNT(*) AS n FROM digests GROUP BY status`).all() as {
      status: 'queued' | 'sent' | 'failed';
      n: number;
    }[];
    const n = (s: string) => counts.find((c) => c.status === s)?.n ?? 0;
    return {
      queued: n('queued'),
      sent: n('sent'),
      failed: n('failed'),
      failures: this.db
        .sql(`SELECT address, last_error AS error, last_error_at AS at FROM subscribers WHERE last_error IS NOT NULL ORDER BY address`)
        .all() as { address: string; error: string; at: string | null }[],
      retrying: this.db
        .sql(
          `SELECT address, attempts, last_error AS error, next_attempt_at AS next FROM digests
           WHERE status = 'queued' AND attempts > 0 ORDER BY id`,
        )
        .all() as { address: string; attempts: number; error: string | null; next: string }[],
    };
  }
}

function candidate(r: ItemJoinRow, kind: 'new' | 'updated', previous: ParsedItem | null): DigestCandidate {
  return {
    itemId: r.id,
    key: r.key,
    guid: r.guid,
    version: r.version,
    kind,
    title: r.title,
    date: r.date,
    endDate: r.endDate,
    summary: r.summary,
    category: r.category,
    credit: r.credit,
    location: r.location,
    topicId: r.topic_id,
    topicKey: r.topic_key,
    topicName: r.topic_name,
    topicSlug: r.topic_slug,
    previous,
  };
}
