import { UsageError } from '../errors.js';
import { planDigests, sendDigests } from '../sinks/mail/digests.js';
import { createTransport } from '../sinks/mail/transport.js';
import { localLinksWarning } from '../sinks/mail/unsubscribe.js';
import { acquireLock } from '../store/instance-lock.js';
import { openContext } from './context.js';
import { stderr, stdout } from './output.js';

/** Options of `dumpfeed digest`. */
export interface DigestArgs {
  positionals: string[];
  config?: string | undefined;
  db?: string | undefined;
  'dry-run'?: boolean | undefined;
  send?: boolean | undefined;
  at?: string | undefined;
}

/**
 * `dumpfeed digest --dry-run` prints what is due and would be sent to whom; `--send` builds the due
 * digests and sends them with every queued one. `--at TIME` plans as if it were that time.
 */
export async function digestCommand(args: DigestArgs): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError('digest takes no arguments');
  if (!args['dry-run'] === !args.send) throw new UsageError('digest needs exactly one of --dry-run or --send');
  const at = args.at ? new Date(args.at) : null;
  if (at && Number.isNaN(at.getTime())) throw new UsageError(`--at "${args.at}" is not a date and time (e.g. 2026-11-23T08:00:00Z)`);
  const ctx = openContext(args.config, { storePath: args.db });
  const now = () => at ?? new Date();
  const out = (line: string) => stdout.write(`${line}\n`);
  let release: (() => void) | null = null;
  try {
    if (ctx.config.subscribers.length === 0) {
      out('no subscribers in the config (subscribers: [...])');
      return 0;
    }
    // The daemon sends digests itself; two senders on one store could send a digest twice.
    if (args.send) release = acquireLock(ctx.config.store.path, 'digest');
    const plans = await planDigests(ctx, now(), Boolean(args['dry-run']));
    for (const p of plans) {
      if (p.unsubscribed) out(`${p.address}: unsubscribed (dumpfeed subscribers resubscribe ${p.address} undoes it)`);
      else if (!p.due) out(`${p.address}: not due (${p.schedule})`);
      else if (!p.digest) out(`${p.address}: due, nothing new`);
      else {
        out(`${p.address}: ${args['dry-run'] ? 'would send' : 'queued'} "${p.digest.subject}"`);
        for (const i of p.digest.items) out(`    ${i.kind === 'updated' ? 'updated' : 'new'}  ${i.topic}: ${i.title}`);
      }
    }
    if (!args.send) return 0;
    const local = localLinksWarning(ctx.config);
    if (local) stderr.write(`warning: ${local}\n`);
    const transport = createTransport(ctx.config);
    try {
      const report = await sendDigests(ctx, transport, now);
      for (const s of report.sent) out(`sent to ${s.address} via ${transport.describe()}: ${s.subject}`);
      for (const r of report.retrying) stderr.write(`error: digest to ${r.address}: ${r.error}; retrying after ${r.next}\n`);
      for (const f of report.failed) stderr.write(`error: digest to ${f.address}: ${f.error}; not retried\n`);
      return report.retrying.length + report.failed.length > 0 ? 1 : 0;
    } finally {
      await transport.close();
    }
  } finally {
    release?.();
    ctx.store.close();
  }
}
