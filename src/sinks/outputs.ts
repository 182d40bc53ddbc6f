import type { Context } from '../context.js';
import { describeError as describe } from '../errors.js';
import { announceToHub } from './feeds/websub.js';
import { writeFeeds } from './feeds/write-feeds.js';
import type { DigestTransport } from './mail/transport.js';

/**
 * Every output has one shape: it publishes what the store holds now, for the topics that changed
 * (`topics`, or every topic), and says what it wrote and what failed. It never throws for a target
 * that fails (a folder it cannot write, a server that is down): it reports the failure, and publishing
 * again later repairs it. It is idempotent: publishing the same state twice writes nothing the second
 * time. `tests/sinks/outputs-contract.test.ts` holds every output to this.
 */
export interface Output {
  readonly name: string;
  publish(ctx: Context, change: Change): Promise<PublishReport>;
}

/** What changed since the last publication: some topics (by id), or everything. */
export interface Change {
  topics: number[] | 'all';
  /** Asked to stop (SIGTERM): finish what is in hand, start nothing new. */
  shouldStop?: () => boolean;
}

/** What one output did. */
export interface PublishReport {
  output: string;
  /** What it wrote: feed files, digests sent. */
  written: string[];
  /** Things it left alone because they had not changed. */
  unchanged: number;
  /** Failures, one line each; the work is retried at the next publication. */
  errors: string[];
  /** Failures of a side channel (the WebSub hub) that need no retry of the work. */
  warnings: string[];
}

/** The feed files (and RFC 5005 archives), then the WebSub announcement of the changed ones. */
export function feedsOutput(): Output {
  return {
    name: 'feeds',
    async publish(ctx, change) {
      const report: PublishReport = { output: 'feeds', written: [], unchanged: 0, errors: [], warnings: [] };
      try {
        const written = await writeFeeds(ctx.store, ctx.config, change.topics === 'all' ? undefined : change.topics);
        report.written = written.written;
        report.unchanged = written.unchanged;
      } catch (error) {
        report.errors.push(describe(error));
        return report;
      }
      report.warnings = await announceToHub(ctx.config, report.written);
      return report;
    },
  };
}

/** The digests that are due, built and recorded, then sent with every queued one. */
export function mailOutput(transport: DigestTransport, onSent?: (sent: { address: string; subject: string }) => void): Output {
  return {
    name: 'mail',
    async publish(ctx, change) {
      const report: PublishReport = { output: 'mail', written: [], unchanged: 0, errors: [], warnings: [] };
      const stop = change.shouldStop ?? (() => false);
      try {
        // Loaded when mail is sent: `ingest` and `parse` never pay for the mail code.
        const { planDigests, sendDigests } = await import('./mail/digests.js');
        // In batches of a few seconds' sending: each digest is built just before it is sent, so the
        // last subscriber of a long round gets what arrived while the others' were sent, and a round
        // yields between batches.
        const subscribers = ctx.config.subscribers;
        const batch = Math.max(1, Math.round(ctx.config.mail.ratePerSecond * 4));
        for (let i = 0; i === 0 || (i < subscribers.length && !stop()); i += batch) {
          await planDigests(ctx, ctx.now(), false, stop, subscribers.slice(i, i + batch));
          const sent = await sendDigests(ctx, transport, ctx.now, stop, onSent);
          report.written.push(...sent.sent.map((s) => `${s.address}: ${s.subject}`));
          report.errors.push(
            ...sent.retrying.map((r) => `mail to ${r.address}: ${r.error}; retrying after ${r.next}`),
            ...sent.failed.map((f) => `mail to ${f.address}: ${f.error}; not retried`),
          );
        }
      } catch (error) {
        report.errors.push(describe(error));
      }
      return report;
    },
  };
}

/** Publishes a change through every output in turn; one failing output never keeps another from running. */
export async function publishAll(ctx: Context, outputs: Output[], change: Change): Promise<PublishReport[]> {
  const reports: PublishReport[] = [];
  for (const output of outputs) reports.push(await output.publish(ctx, change));
  return reports;
}
