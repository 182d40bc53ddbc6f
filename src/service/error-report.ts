import { worthLogging } from '../backoff.js';
import type { Clock } from '../clock.js';
import { redact } from '../config/secrets.js';
import type { Logger } from '../log.js';
import type { DaemonState } from '../store/daemon-state.js';

/** Where the daemon's state row is written; failing to write it must not stop the work. */
export type StateSink = (state: Partial<DaemonState>) => void;

/**
 * The daemon's errors: logged with `event: "error"` and the place, secrets redacted, and recorded as
 * the last error for `status` and /healthz. The same failure again and again (a locked store, a full
 * disk) is counted: a line at the 1st, 2nd, 4th, 8th... time, the others at debug level.
 */
export class ErrorReport {
  private lastText: string | null = null;
  private repeats = 0;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly state: StateSink,
  ) {}

  record(where: string, text: string, extra: Record<string, unknown> = {}): void {
    const message = redact(text);
    const key = message.replace(where, '');
    this.repeats = key === this.lastText ? this.repeats + 1 : 1;
    this.lastText = key;
    const fields = { event: 'error', where, ...extra, ...(this.repeats > 1 ? { repeated: this.repeats } : {}) };
    if (worthLogging(this.repeats)) this.log.error(fields, message);
    else this.log.debug(fields, message);
    this.state({ lastError: message.includes(where) ? message : `${where}: ${message}`, lastErrorAt: this.clock.now().toISOString() });
  }
}
