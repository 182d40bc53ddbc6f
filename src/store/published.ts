import type { Db } from './db.js';

/** How far an output has published: the newest dump it had seen, and a hash of the config it used. */
export interface PublishedMark {
  configHash: string;
  dumpId: number;
}

/** The published table: lets a run render only what changed since the last complete publication. */
export class Published {
  constructor(private readonly db: Db) {}

  get(output: string): PublishedMark | undefined {
    return this.db.sql(`SELECT config_hash AS configHash, dump_id AS dumpId FROM published WHERE output = ?`).get(output) as
      PublishedMark | undefined;
  }

  set(output: string, mark: PublishedMark): void {
    this.db.write(`published ${output}`, () =>
      this.db
        .sql(
          `INSERT INTO published (output, config_hash, dump_id) VALUES (?, ?, ?)
           ON CONFLICT (output) DO UPDATE SET config_hash = excluded.config_hash, dump_id = excluded.dump_id`,
        )
        .run(output, mark.configHash, mark.dumpId),
    );
  }
}
