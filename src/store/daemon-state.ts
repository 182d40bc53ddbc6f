import type { Db } from './db.js';

/** What the daemon last reported about itself. */
export interface DaemonState {
  pid: number | null;
  startedAt: string | null;
  heartbeatAt: string | null;
  queue: number;
  lastDump: string | null;
  lastDumpAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

const COLUMNS: Record<keyof DaemonState, string> = {
  pid: 'pid',
  startedAt: 'started_at',
  heartbeatAt: 'heartbeat_at',
  queue: 'queue',
  lastDump: 'last_dump',
  lastDumpAt: 'last_dump_at',
  lastError: 'last_error',
  lastErrorAt: 'last_error_at',
};

/** The daemon_state row: what `status` and /healthz show of a running (or last) daemon. */
export class DaemonStateTable {
  constructor(private readonly db: Db) {}

  /** What the daemon last reported. */
  get(): DaemonState {
    const cols = Object.entries(COLUMNS)
      .map(([k, c]) => `${c} AS ${k}`)
      .join(', ');
    return this.db.sql(`SELECT ${cols} FROM daemon_state WHERE id = 1`).get() as DaemonState;
  }

  /** Records part of the daemon's state (a few columns, one small write). */
  update(state: Partial<DaemonState>): void {
    const keys = Object.keys(state) as (keyof DaemonState)[];
    if (keys.length === 0) return;
    const sets = keys.map((k) => `${COLUMNS[k]} = ?`).join(', ');
    this.db.write('daemon state', () =>
      this.db.sql(`UPDATE daemon_state SET ${sets} WHERE id = 1`).run(...keys.map((k) => state[k] ?? null)),
    );
  }
}
