import type { Config, Subscriber } from '../../config/schema.js';
import { backoffMs } from '../../backoff.js';
import { configPattern, matchText } from '../../text-matcher.js';
import type { NodemailerError } from 'nodemailer/lib/errors';
import { titleKey } from '../../identify/item-key.js';
import type { Context } from '../../context.js';
import { CustomTopicStore } from '../../store/custom-topics.js';
import type { DigestCandidate, DigestStore, SubscriberState } from '../../store/digests.js';
import { topicIdentity } from '../../catalog/topics.js';
import { composeDigest, digestMessageId, senderAddress, SharedParts } from './compose-message.js';
import { renderDigest, unsubscribeTarget, type DigestText } from './render-digest.js';
import { escapeHtml } from '../feeds/html.js';
import { unsubscribeKeyFor, unsubscribeLink } from './unsubscribe.js';
import type { UnsubscribeLinks } from './compose-message.js';
import { lastSlot } from './schedule.js';
import type { DigestTransport } from './transport.js';

/** A digest that is (or, in a dry run, would be) built for a subscriber. */
export interface PlannedDigest {
  address: string;
  subject: string;
  items: { title: string; kind: 'new' | 'updated'; topic: string }[];
}

/** One subscriber's standing when digests are planned. */
export interface SubscriberPlan {
  address: string;
  schedule: string;
  due: boolean;
  /** They unsubscribed (a link in a digest, or the operator): no digest is built for them. */
  unsubscribed: boolean;
  digest: PlannedDigest | null;
}

/**
 * Builds the digests that are due at `now` and records each, with its items marked as queued for the
 * subscriber, in one transaction. A subscriber is due at each new slot of their schedule (for
 * `immediate`: whenever a dump has been stored since their last digest). A due subscriber with nothing
 * new gets no digest; their cursor still moves on. With `dryRun` nothing is written.
 */
export async function planDigests(
  ctx: Context,
  now: Date,
  dryRun = false,
  shouldStop: () => boolean = () => false,
  subscribers: readonly Subscriber[] = ctx.config.subscribers,
): Promise<SubscriberPlan[]> {
  const digests = ctx.store.digests;
  const custom = ctx.store.customTopics;
  const upTo = ctx.store.dumps.lastId();
  const plans: SubscriberPlan[] = [];
  const unsubscribed = digests.unsubscribed();
  const known = digests.subscriberStates(subscribers.map((s) => s.address));
  // The key is read (or created) once per round, and only when someone gets a digest; a dry run shows
  // subjects and items only, and creates nothing.
  let key: Buffer | null | undefined;
  const unsubscribe = (address: string): UnsubscribeLinks => {
    if (dryRun) return { page: null, extra: null };
    key ??= unsubscribeKeyFor(ctx.config);
    const configured = unsubscribeTarget(ctx.config, address);
    return { page: key ? unsubscribeLink(ctx.config, key, address, now) : configured, extra: key ? configured : null };
  };
  // Time-zone arithmetic is slow and subscribers share schedules: one slot per schedule and zone.
  const slots = new Map<string, Date | null>();
  const shared = sharedLookups(ctx.config);
  // Subscribers whose cursors are at the same dump share one read of what is new since.
  const windows = new Map<string, (address: string) => DigestCandidate[]>();
  // Recorded together at the end, in one transaction: a digest with the cursor it moves.
  const records: Parameters<DigestStore['recordDigests']>[0] = [];
  const advances: { address: string; cursor: number; slot: string | null }[] = [];
  // Readers who get the same digest share its rendering and most of its encoding (below).
  const sameDigest = new Map<string, { body: DigestText; parts: SharedParts | undefined }>();
  const versionIds = new Map<object, number>();
  for (const sub of subscribers) {
    // A stop (SIGTERM) leaves the subscribers not yet planned for the next round; what was planned is
    // recorded whole.
    if (shouldStop()) break;
    if (unsubscribed.has(sub.address.toLowerCase())) {
      plans.push({ address: sub.address, schedule: sub.schedule, due: false, unsubscribed: true, digest: null });
      continue;
    }
    const zone = sub.timeZone ?? ctx.config.mail.timeZone;
    const slotKey = `${sub.schedule}|${zone}`;
    if (!slots.has(slotKey)) slots.set(slotKey, lastSlot(sub.schedule, zone, now));
    const slot = slots.get(slotKey)!;
    const state =
      known.get(sub.address) ?? (dryRun ? previewState(sub, slot, now, upTo) : digests.subscriber(sub.address, sub.backfill, slot, now));
    const due = slot === null ? upTo > state.cursorDump : state.lastSlot === null || slot.toISOString() > state.lastSlot;
    if (!due) {
      plans.push({ address: sub.address, schedule: sub.schedule, due, unsubscribed: false, digest: null });
      continue;
    }
    const backfill = sub.backfill && state.cursorDump === 0;
    const windowKey = `${state.cursorDump}|${backfill}|${sub.updates}`;
    let window = windows.get(windowKey);
    if (!window) windows.set(windowKey, (window = digests.candidateWindow(state.cursorDump, upTo, backfill, sub.updates)));
    const items = window(sub.address).filter(interestOf(ctx.config, custom, sub, shared));
    const slotIso = slot?.toISOString() ?? null;
    if (items.length === 0) {
      if (!dryRun) advances.push({ address: sub.address, cursor: upTo, slot: slotIso });
      plans.push({ address: sub.address, schedule: sub.schedule, due, unsubscribed: false, digest: null });
      continue;
    }
    const links = unsubscribe(sub.address);
    // The same items seen from the same versions (an edit shows what changed since the version the
    // reader got), on the same schedule (named in the footer): the same digest but for the link.
    const digestKey = `${sub.schedule}\u0000${links.page === null}\u0000${items
      .map((i) => `${i.itemId}.${i.version}.${i.kind}.${i.previous ? idOf(versionIds, i.previous) : ''}`)
      .join(',')}`;
    let same = sameDigest.get(digestKey);
    if (!same) {
      // Bounded: a round of readers who all get different digests would hold every one of them.
      if (sameDigest.size >= 256) sameDigest.clear();
      const template = renderDigest(ctx.config, sub, items, links.page === null ? null : LINK);
      sameDigest.set(
        digestKey,
        (same = { body: template, parts: dryRun ? undefined : new SharedParts([above(template.text), above(template.html)]) }),
      );
    }
    const body = links.page === null ? same.body : withLink(same.body, links.page);
    const planned: PlannedDigest = {
      address: sub.address,
      subject: body.subject,
      items: items.map((i) => ({ title: i.title, kind: i.kind, topic: i.topicName })),
    };
    if (!dryRun) {
      const messageId = digestMessageId(
        ctx.config,
        sub.address,
        items.map((i) => `${i.key}.${i.version}`),
        now,
      );
      const message = composeDigest(ctx.config, sub, body, messageId, now, links, same.parts);
      records.push({
        address: sub.address,
        createdAt: now.toISOString(),
        messageId,
        subject: body.subject,
        message,
        items: items.map((i) => ({ itemId: i.itemId, version: i.version, kind: i.kind })),
        cursor: upTo,
        slot: slotIso,
      });
    }
    plans.push({ address: sub.address, schedule: sub.schedule, due, unsubscribed: false, digest: planned });
  }
  if (!dryRun && records.length + advances.length > 0) digests.recordDigests(records, advances);
  return plans;
}

// Where a reader's own unsubscribe link goes in a digest rendered once for all its readers: control
// characters never reach an item's text (the parser removes them), and the footer's is the last one.
const LINK = '\u0001unsubscribe-link\u0001';

/** The template with the reader's link in its footer, as `renderDigest` would have rendered it. */
function withLink(template: DigestText, link: string): DigestText {
  const put = (text: string, value: string): string => {
    const at = text.lastIndexOf(LINK);
    return `${text.slice(0, at)}${value}${text.slice(at + LINK.length)}`;
  };
  return { subject: template.subject, text: put(template.text, link), html: put(template.html, escapeHtml(link)) };
}

/** The lines of a template above the one with the link (all of it when it has none). */
function above(text: string): string {
  const at = text.lastIndexOf(LINK);
  return at < 0 ? text : text.slice(0, text.lastIndexOf('\n', at) + 1);
}

function idOf(ids: Map<object, number>, o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = ids.size));
  return id;
}

// A dry run must not register anyone: a subscriber not yet in the store is shown as they would start.
function previewState(sub: Subscriber, slot: Date | null, now: Date, upTo: number): SubscriberState {
  return {
    address: sub.address,
    cursorDump: sub.backfill ? 0 : upTo,
    lastSlot: slot && !sub.backfill ? slot.toISOString() : null,
    createdAt: now.toISOString(),
  };
}

/**
 * Whether an item is for this subscriber: one of their pages or custom topics, and their
 * include/exclude patterns. Made once per subscriber; `shared` keeps what is the same for everyone
 * (a page's slug, an item's text to match) across the subscribers of a round.
 */
function interestOf(config: Config, custom: CustomTopicStore, sub: Subscriber, shared: SharedLookups): (c: DigestCandidate) => boolean {
  const all = sub.topics.includes('*');
  const names = new Set(sub.topics);
  const keys = new Set(sub.topics.map(titleKey));
  // Custom topics, named by their slug or their name.
  const customSlugs = config.customTopics.filter((ct) => names.has(ct.slug) || keys.has(titleKey(ct.name))).map((ct) => ct.slug);
  const include = sub.include.map(configPattern);
  const exclude = sub.exclude.map(configPattern);
  return (c) => {
    const followed =
      all ||
      keys.has(c.topicKey) ||
      names.has(c.topicSlug) ||
      names.has(shared.slug(c)) ||
      customSlugs.some((slug) => custom.has(slug, c.itemId));
    if (!followed) return false;
    if (include.length === 0 && exclude.length === 0) return true;
    const text = shared.text(c);
    if (include.length > 0 && !include.some((test) => test(text))) return false;
    return !exclude.some((test) => test(text));
  };
}

/** Look-ups that are the same for every subscriber of a round. */
interface SharedLookups {
  slug(c: DigestCandidate): string;
  text(c: DigestCandidate): string;
}

function sharedLookups(config: Config): SharedLookups {
  const slugs = new Map<number, string>();
  const texts = new WeakMap<DigestCandidate, string>();
  return {
    slug: (c) => {
      let slug = slugs.get(c.topicId);
      if (slug === undefined)
        slugs.set(c.topicId, (slug = topicIdentity(config, { id: c.topicId, key: c.topicKey, name: c.topicName, slug: c.topicSlug }).slug));
      return slug;
    },
    text: (c) => {
      let text = texts.get(c);
      if (text === undefined) texts.set(c, (text = matchText(c)));
      return text;
    },
  };
}

/** What one sending round did. */
export interface SendReport {
  sent: { address: string; subject: string }[];
  retrying: { address: string; error: string; next: string }[];
  failed: { address: string; error: string }[];
}

/**
 * Sends every queued digest that is due, over at most `mail.connections` connections and at most
 * `mail.ratePerSecond` messages a second. A digest is marked sent only after the server accepted it:
 * a crash between the two is the one window in which a digest can go out twice (with the same
 * Message-ID). A refusal that may pass (connection failure, 4xx) is retried with backoff, across
 * restarts; a permanent one (5xx) is recorded and not retried. `shouldStop` ends the round early, between
 * two sends.
 */
export async function sendDigests(
  ctx: Context,
  transport: DigestTransport,
  now: () => Date,
  shouldStop: () => boolean = () => false,
  onSent?: (sent: { address: string; subject: string }) => void,
): Promise<SendReport> {
  const digests = ctx.store.digests;
  const report: SendReport = { sent: [], retrying: [], failed: [] };
  const due = digests.dueDigests(now());
  if (due.length === 0) return report;
  const from = senderAddress(ctx.config);
  const interval = 1000 / ctx.config.mail.ratePerSecond;
  let nextSlot = Date.now();
  const pace = async (): Promise<void> => {
    const wait = nextSlot - Date.now();
    nextSlot = Math.max(nextSlot, Date.now()) + interval;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
  // Once a connection fails, the other digests of this round would fail the same way: stop the round.
  let down = false;
  const worker = async (): Promise<void> => {
    // A stop starts no new send: the digest in hand is finished and marked, the others stay queued.
    for (let d = due.shift(); d && !down && !shouldStop(); d = due.shift()) {
      await pace();
      if (shouldStop()) break;
      try {
        await transport.send(d, from);
        digests.markSent(d.id, now());
        report.sent.push({ address: d.address, subject: d.subject });
        onSent?.({ address: d.address, subject: d.subject });
      } catch (error) {
        const e = error as NodemailerError;
        const message = `${e.responseCode ? `${e.responseCode} ` : ''}${(e.response ?? e.message).trim()}`;
        const permanent = e.permanent === true || (typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode !== 503);
        if (permanent) {
          digests.markFailed(d.id, d.address, message, now());
          report.failed.push({ address: d.address, error: message });
        } else {
          const delay = backoffMs(d.attempts + 1, 30_000, ctx.config.mail.retryMaxMs);
          const next = new Date(now().getTime() + delay);
          digests.markRetry(d.id, message, next);
          report.retrying.push({ address: d.address, error: message, next: next.toISOString() });
          if (e.responseCode === undefined) down = true;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: ctx.config.mail.connections }, worker));
  return report;
}
