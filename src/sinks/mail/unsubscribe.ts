import { createHmac, timingSafeEqual } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Config } from '../../config/schema.js';
import { unsubscribeKey } from '../../config/secrets.js';

/**
 * One-click unsubscribe links (RFC 8058). Each digest carries a link to the built-in server,
 * `<feeds.baseUrl>unsubscribe/<token>`: the token names the subscriber and the day it was made, signed
 * with a key only the operator's machine has (HMAC-SHA256, 128 bits), so nobody can unsubscribe
 * someone else by guessing a link, and a link stops working a year after its digest was built.
 */

/** How long a link in a digest works. */
export const TOKEN_DAYS = 366;
const DAY_MS = 86_400_000;

/** The key file in force: `mail.unsubscribeSecretFile`, or `unsubscribe.key` beside the store. */
export function unsubscribeKeyFile(config: Config): string {
  return config.mail.unsubscribeSecretFile ?? join(dirname(config.store.path), 'unsubscribe.key');
}

/** The signing key, or null when one-click unsubscribe is off (`mail.oneClickUnsubscribe`). */
export function unsubscribeKeyFor(config: Config, env: NodeJS.ProcessEnv = process.env): Buffer | null {
  return config.mail.oneClickUnsubscribe ? unsubscribeKey(unsubscribeKeyFile(config), env) : null;
}

function mac(key: Buffer, address: string, day: number): string {
  return createHmac('sha256', key).update(`dumpfeed unsubscribe\n${address}\n${day}`).digest('base64url').slice(0, 22);
}

/** The token of one subscriber's link, made at `at`. Addresses are compared case-insensitively. */
export function signUnsubscribe(key: Buffer, address: string, at: Date): string {
  const lower = address.toLowerCase();
  const day = Math.floor(at.getTime() / DAY_MS);
  return `${Buffer.from(lower).toString('base64url')}.${day.toString(36)}.${mac(key, lower, day)}`;
}

/** What a token says: whose it is, or why it is refused. */
export type TokenCheck = { ok: true; address: string } | { ok: false; why: 'invalid' | 'expired' };

/** Checks a token from a link: made with this key (else invalid) and at most TOKEN_DAYS old (else expired). */
export function checkUnsubscribe(key: Buffer, token: string, now: Date): TokenCheck {
  const m = /^([A-Za-z0-9_-]{1,400})\.([0-9a-z]{1,8})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return { ok: false, why: 'invalid' };
  const address = Buffer.from(m[1]!, 'base64url').toString('utf8');
  const day = parseInt(m[2]!, 36);
  const expected = Buffer.from(mac(key, address, day));
  const given = Buffer.from(m[3]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, why: 'invalid' };
  const today = Math.floor(now.getTime() / DAY_MS);
  // A day ahead is allowed for clocks a little apart (watch and serve on two machines).
  if (day > today + 1 || today - day > TOKEN_DAYS) return { ok: false, why: 'expired' };
  return { ok: true, address };
}

/** The link a digest carries for a subscriber. */
export function unsubscribeLink(config: Config, key: Buffer, address: string, at: Date): string {
  return `${config.feeds.baseUrl}unsubscribe/${signUnsubscribe(key, address, at)}`;
}

/**
 * A warning when real mail (an SMTP server is set) would carry links to this machine only: the default
 * `feeds.baseUrl`, `http://localhost:8080/`, reaches nothing from a reader's mailbox.
 */
export function localLinksWarning(config: Config): string | null {
  if (config.mail.smtp === null) return null;
  const host = new URL(config.feeds.baseUrl).hostname;
  if (!['localhost', '127.0.0.1', '[::1]'].includes(host) && !host.endsWith('.localhost')) return null;
  return `digests are sent by SMTP but link to ${config.feeds.baseUrl} (feeds.baseUrl), which readers cannot open: set feeds.baseUrl (or DUMPFEED_FEEDS_BASE_URL) to the public address`;
}
