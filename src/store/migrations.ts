/**
 * Schema changes, append-only: entry N brings a store from user_version N to N+1. Never edit a
 * released entry; add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE topics (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,       -- normalised page name: the topic's identity
    name        TEXT NOT NULL,              -- page name as last seen
    slug        TEXT NOT NULL UNIQUE,       -- assigned once, used in feed file names
    created_at  TEXT NOT NULL
  );

  CREATE TABLE dumps (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT NOT NULL UNIQUE,
    file         TEXT NOT NULL,
    written_at   TEXT NOT NULL,             -- file mtime: when the page looked like this
    processed_at TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('ok', 'rejected')),
    error_kind   TEXT,
    error        TEXT,
    topic_id     INTEGER REFERENCES topics(id),
    item_count   INTEGER NOT NULL DEFAULT 0,
    new_count    INTEGER NOT NULL DEFAULT 0,
    updated_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX dumps_topic ON dumps(topic_id, id);
  CREATE INDEX dumps_status ON dumps(status, id);

  CREATE TABLE items (
    id               INTEGER PRIMARY KEY,
    topic_id         INTEGER NOT NULL REFERENCES topics(id),
    key              TEXT NOT NULL UNIQUE,  -- short URL-safe key, part of the guid
    guid             TEXT NOT NULL,         -- permanent feed id; unique because it ends with the key
    version          INTEGER NOT NULL,
    title            TEXT NOT NULL,
    title_key        TEXT NOT NULL,
    date             TEXT,
    summary          TEXT,
    summary_key      TEXT,
    category         TEXT,
    credit           TEXT,
    location         TEXT,
    sort_date        TEXT NOT NULL,         -- date, or the day first seen for undated items
    first_seen_dump  INTEGER NOT NULL REFERENCES dumps(id),
    first_seen_at    TEXT NOT NULL,
    position         INTEGER NOT NULL,      -- place in the first dump that showed it
    updated_at       TEXT NOT NULL          -- written_at of the dump that made the current version
  );
  CREATE INDEX items_title ON items(topic_id, title_key);
  CREATE INDEX items_date ON items(topic_id, date);
  CREATE INDEX items_order ON items(topic_id, sort_date DESC, first_seen_dump DESC, position ASC);
  CREATE INDEX items_order_all ON items(sort_date DESC, first_seen_dump DESC, position ASC);

  CREATE TABLE item_versions (
    item_id      INTEGER NOT NULL REFERENCES items(id),
    version      INTEGER NOT NULL,
    dump_id      INTEGER NOT NULL REFERENCES dumps(id),
    title        TEXT NOT NULL,
    date         TEXT,
    summary      TEXT,
    category     TEXT,
    credit       TEXT,
    location     TEXT,
    seen_at      TEXT NOT NULL,
    PRIMARY KEY (item_id, version)
  ) WITHOUT ROWID;
  `,
  `
  -- What the running daemon last reported, for \`dumpfeed status\`; one row.
  CREATE TABLE daemon_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    pid           INTEGER,
    started_at    TEXT,
    heartbeat_at  TEXT,
    queue         INTEGER NOT NULL DEFAULT 0,
    last_dump     TEXT,
    last_dump_at  TEXT,
    last_error    TEXT,
    last_error_at TEXT
  );
  INSERT INTO daemon_state (id) VALUES (1);
  `,
  `
  -- Digest subscribers as the store knows them: how far their digests have got.
  CREATE TABLE subscribers (
    address      TEXT PRIMARY KEY,
    cursor_dump  INTEGER NOT NULL,   -- every dump up to this one has been considered for them
    last_slot    TEXT,               -- last schedule slot handled (ISO)
    created_at   TEXT NOT NULL,
    last_error   TEXT,               -- last permanent delivery failure
    last_error_at TEXT
  );

  -- Each digest is recorded, message and all, in the transaction that marks its items as queued
  -- for the subscriber; sending only flips its status.
  CREATE TABLE digests (
    id              INTEGER PRIMARY KEY,
    address         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,
    subject         TEXT NOT NULL,
    item_count      INTEGER NOT NULL,
    raw             BLOB NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    sent_at         TEXT
  );
  CREATE INDEX digests_due ON digests(status, next_attempt_at, id);

  -- Which version of which item went to whom: an item version reaches a subscriber at most once.
  CREATE TABLE digest_items (
    address    TEXT NOT NULL,
    item_id    INTEGER NOT NULL REFERENCES items(id),
    version    INTEGER NOT NULL,
    digest_id  INTEGER NOT NULL REFERENCES digests(id),
    kind       TEXT NOT NULL CHECK (kind IN ('new', 'updated')),
    PRIMARY KEY (address, item_id, version)
  ) WITHOUT ROWID;

  -- What became new, or changed, after a given dump: the digests' look-ups.
  CREATE INDEX items_first_seen ON items(first_seen_dump);
  CREATE INDEX item_versions_dump ON item_versions(dump_id);
  `,
  `
  -- Custom topics: which items each rule selects, kept up to date at every dump, and the rule they
  -- were built with (a changed rule is rebuilt from the store).
  CREATE TABLE custom_topics (
    slug      TEXT PRIMARY KEY,
    rule_hash TEXT NOT NULL,
    built_at  TEXT NOT NULL
  );
  CREATE TABLE custom_topic_items (
    slug    TEXT NOT NULL,
    item_id INTEGER NOT NULL REFERENCES items(id),
    PRIMARY KEY (slug, item_id)
  ) WITHOUT ROWID;
  `,
  `
  -- RFC 5005 archives: pages of items in arrival order, each recorded once it is full.
  CREATE INDEX items_arrival ON items(topic_id, id);
  CREATE TABLE archive_pages (
    topic_id INTEGER NOT NULL REFERENCES topics(id),
    page     INTEGER NOT NULL,
    first_id INTEGER NOT NULL,
    last_id  INTEGER NOT NULL,
    PRIMARY KEY (topic_id, page)
  ) WITHOUT ROWID;
  `,
  `
  -- Date ranges (\`5 - 6 June 2024\`): the last day; the first is \`date\`.
  ALTER TABLE items ADD COLUMN end_date TEXT;
  ALTER TABLE item_versions ADD COLUMN end_date TEXT;
  -- The item was the last of the dump that showed it last: a cut write may have shortened it, and a
  -- later dump that shows more of it completes it (rather than matching a new item).
  ALTER TABLE items ADD COLUMN maybe_cut INTEGER NOT NULL DEFAULT 0;
  -- A version that is not news: the completion of a possibly cut item, or a new photo credit. Feeds
  -- show it; digests do not announce it as an edit.
  ALTER TABLE item_versions ADD COLUMN minor INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX items_maybe_cut ON items(topic_id) WHERE maybe_cut = 1;
  -- Doubts the parser reported about a stored dump (a last item held back or possibly cut), one a line.
  ALTER TABLE dumps ADD COLUMN warnings TEXT;
  `,
  `
  -- Each topic's figures, kept up to date in each dump's transaction: the index page and \`status\`
  -- read them in one row instead of counting a million items on every request.
  ALTER TABLE topics ADD COLUMN item_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE topics ADD COLUMN dump_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE topics ADD COLUMN last_dump_at TEXT;
  UPDATE topics SET
    item_count = (SELECT COUNT(*) FROM items i WHERE i.topic_id = topics.id),
    dump_count = (SELECT COUNT(*) FROM dumps d WHERE d.topic_id = topics.id),
    last_dump_at = (SELECT MAX(d.processed_at) FROM dumps d WHERE d.topic_id = topics.id);
  -- How far each output has published: the newest dump it had seen and the config it used. A run
  -- renders only the topics of later dumps; another config renders everything.
  -- What a rejected dump was parsed with (dumpfeed's version, source.encoding): the same bytes again
  -- under the same are rejected for the same reason without being parsed again.
  ALTER TABLE dumps ADD COLUMN rejected_with TEXT;
  CREATE TABLE published (
    output      TEXT PRIMARY KEY,
    config_hash TEXT NOT NULL,
    dump_id     INTEGER NOT NULL
  );
  `,
  `
  -- Subscribers who unsubscribed (a one-click link, the page it opens, or the operator), by address in
  -- lower case. Planning skips them; \`dumpfeed subscribers resubscribe\` removes the row.
  CREATE TABLE unsubscribes (
    address TEXT PRIMARY KEY,
    at      TEXT NOT NULL,
    via     TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  -- The archive folder as the last complete feeds write left it (its modification time): while it is
  -- the same, every recorded archive page is there, and a run need not list thousands of files.
  CREATE TABLE archive_folders (
    path TEXT PRIMARY KEY,
    mark TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  -- Readers who get the same digest share most of its message (all of each part above the line with
  -- their own unsubscribe link): such a piece is stored once, and each digest's raw bytes leave it out,
  -- with a splice saying where it goes. A round for 10,000 readers of a few pages wrote 425 MB of
  -- messages, most of it a dozen texts over and over (now 11.5 MB).
  CREATE TABLE digest_pieces (
    id    INTEGER PRIMARY KEY,
    bytes BLOB NOT NULL
  );
  CREATE TABLE digest_splices (
    digest_id INTEGER NOT NULL REFERENCES digests(id),
    at        INTEGER NOT NULL, -- a byte offset into the digest's raw bytes
    piece_id  INTEGER NOT NULL REFERENCES digest_pieces(id),
    PRIMARY KEY (digest_id, at)
  ) WITHOUT ROWID;
  CREATE INDEX digest_splices_piece ON digest_splices(piece_id);
  `,
];
