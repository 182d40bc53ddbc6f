import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type nodemailerModule from 'nodemailer';
import type { Config } from '../../config/schema.js';
import { redact, smtpSettings } from '../../config/secrets.js';
import { writeFileIfChanged } from '../feeds/write-file.js';
import type { QueuedDigest } from '../../store/digests.js';

/** Where digests go: an SMTP server, or the outbox folder. */
export interface DigestTransport {
  /** Hands one digest over; throws (with nodemailer's `permanent` / `responseCode`) when it was refused. */
  send(digest: QueuedDigest, from: string): Promise<void>;
  close(): Promise<void>;
  describe(): string;
}

/** The configured transport: pooled SMTP from `mail.smtp`, or `.eml` files in `mail.outbox`. */
export function createTransport(config: Config): DigestTransport {
  const { smtp, outbox, connections, tlsRejectUnauthorized } = config.mail;
  if (smtp === null) {
    return {
      async send(digest) {
        await mkdir(outbox, { recursive: true });
        const name = `${digest.createdAt.replace(/[:.]/g, '-')}_${digest.id}_${digest.address.replace(/[^A-Za-z0-9@._-]/g, '_')}.eml`;
        writeFileIfChanged(join(outbox, name), digest.raw.toString('utf8'));
      },
      async close() {},
      describe: () => `outbox ${outbox}/`,
    };
  }
  // nodemailer retries nothing and its own rateLimit can overshoot with several connections: the
  // queue, the retries and the rate limit are dumpfeed's; nodemailer only keeps the connections.
  // Host, port and credentials are given apart, never as a URL: Node prints URLs with credentials
  // in its warnings, and the password may come from elsewhere (README "Secrets").
  const settings = smtpSettings(smtp, config.mail.smtpPasswordFile);
  // Loaded here, for an SMTP server only: a daemon that sends no mail, or writes it to the outbox,
  // does without it (about 12 MB of memory and 50 ms of start-up).
  const nodemailer = createRequire(import.meta.url)('nodemailer') as typeof nodemailerModule;
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(settings.user !== null ? { auth: { user: settings.user, pass: settings.pass ?? '' } } : {}),
    pool: true,
    maxConnections: connections,
    maxMessages: 100,
    tls: { rejectUnauthorized: tlsRejectUnauthorized },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  } as Parameters<typeof nodemailerModule.createTransport>[0]);
  return {
    async send(digest, from) {
      try {
        await transport.sendMail({ envelope: { from, to: [digest.address] }, raw: digest.raw });
      } catch (error) {
        // A server may echo what it was sent; nothing secret leaves this function.
        const e = error as Error & { response?: string };
        e.message = redact(e.message);
        if (typeof e.response === 'string') e.response = redact(e.response);
        throw e;
      }
    },
    async close() {
      transport.close();
    },
    describe: () => `SMTP ${settings.shown}`,
  };
}
