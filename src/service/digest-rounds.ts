import type { Clock, Timer } from '../clock.js';
import type { Config } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { Context } from '../context.js';
import type { Logger } from '../log.js';
import type { DigestTransport } from '../sinks/mail/transport.js';
import { mailOutput, publishAll, type Output } from '../sinks/outputs.js';
import type { ErrorReport } from './error-report.js';

/**
 * The daemon's digest rounds: every `mail.checkEveryMs`, and as soon as a burst of dumps is worked
 * through (for `immediate` subscribers), the digests that are due are built and sent; one round at a
 * time. A stop ends a round between two sends: what is queued stays queued for the next start.
 */
export class DigestRounds {
  private transport: DigestTransport | null = null;
  private timer: Timer | null = null;
  private round: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly errors: ErrorReport,
    private readonly context: () => Context,
    private readonly createTransport: (config: Config) => DigestTransport,
    /** The mail output over a transport (injected in tests). */
    private readonly output: (transport: DigestTransport, onSent: (s: { address: string; subject: string }) => void) => Output = mailOutput,
  ) {}

  /** Starts (or restarts, after a reload) the timer and transport, when there are subscribers. */
  async start(config: Config): Promise<void> {
    await this.round;
    this.cancelTimer();
    await this.transport?.close();
    this.transport = null;
    if (this.stopped || config.subscribers.length === 0) return;
    this.transport = this.createTransport(config);
    this.log.info({ event: 'digests-on', subscribers: config.subscribers.length, via: this.transport.describe() }, 'digests on');
    this.schedule(config.mail.checkEveryMs);
    this.kick();
  }

  /** Starts a round unless one is under way (or mail is off). */
  kick(): void {
    if (!this.transport || this.stopped || this.round) return;
    const transport = this.transport;
    this.round = (async () => {
      // Each digest is logged as it goes out, not when the round ends.
      const mail = this.output(transport, (s) => this.log.info({ event: 'digest-sent', to: s.address, subject: s.subject }, 'digest sent'));
      const [report] = await publishAll(this.context(), [mail], { topics: 'all', shouldStop: () => this.stopped });
      for (const error of report!.errors) this.errors.record('mail', error);
    })()
      .catch((error: unknown) => this.errors.record('mail', describeError(error)))
      .finally(() => (this.round = null));
  }

  /** Resolves when no round is under way. */
  async idle(): Promise<void> {
    while (this.round) await this.round;
  }

  /** No new round or send; the send in hand finishes (and is marked sent); the transport closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer();
    await this.idle();
    await this.transport?.close();
    this.transport = null;
  }

  private schedule(everyMs: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      this.kick();
      this.schedule(everyMs);
    }, everyMs);
  }

  private cancelTimer(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
