import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * Secrets are kept out of the tracked config file and out of every output. The SMTP password comes,
 * first found first:
 * 1. from `DUMPFEED_SMTP_PASSWORD` in the environment;
 * 2. from the file named by `DUMPFEED_SMTP_PASSWORD_FILE` or `mail.smtpPasswordFile` (a Docker secret,
 *    `/run/secrets/smtp_password`);
 * 3. from the systemd credential `smtp-password` (`LoadCredential=smtp-password:/etc/dumpfeed/smtp-password`,
 *    read from `$CREDENTIALS_DIRECTORY`);
 * 4. from the password part of `mail.smtp` (allowed, not advised).
 * Every secret read is registered, and `redact` removes it from any text before it is printed.
 */

/** The SMTP server as nodemailer takes it: never a URL string, which Node would print in warnings. */
export interface SmtpSettings {
  host: string;
  port: number;
  /** smtps:// (TLS from the start) rather than smtp:// (STARTTLS when offered). */
  secure: boolean;
  user: string | null;
  pass: string | null;
  /** `smtp://host:port`: what may be shown of it. */
  shown: string;
}

const secrets = new Set<string>();

/** Removes every known secret (and its percent-encoded form) from a text. */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    out = out.split(s).join('***');
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join('***');
  }
  return out;
}

function keep(secret: string): string {
  // A one-character "secret" would blank out half of every message; such a password is refused anyway.
  if (secret.length >= 3) secrets.add(secret);
  return secret;
}

/**
 * Reads `mail.smtp` (already checked by the schema to be a URL) and the password from wherever it is
 * given. Errors name the setting, never its value.
 */
export function smtpSettings(
  smtp: string,
  passwordFile: string | null,
  env: NodeJS.ProcessEnv = process.env,
  where = 'config',
): SmtpSettings {
  const url = parseSmtpUrl(smtp);
  if (url === null) throw new ConfigError(where, `mail.smtp: ${SMTP_URL_HELP}`);
  const user = url.username === '' ? null : decodeURIComponent(url.username);
  let pass: string | null = url.password === '' ? null : keep(decodeURIComponent(url.password));
  const file = env.DUMPFEED_SMTP_PASSWORD_FILE ?? passwordFile;
  const credential = env.CREDENTIALS_DIRECTORY ? join(env.CREDENTIALS_DIRECTORY, 'smtp-password') : null;
  if (env.DUMPFEED_SMTP_PASSWORD) pass = keep(env.DUMPFEED_SMTP_PASSWORD);
  else if (file)
    pass = keep(readSecretFile(file, env.DUMPFEED_SMTP_PASSWORD_FILE ? 'DUMPFEED_SMTP_PASSWORD_FILE' : 'mail.smtpPasswordFile', where));
  else if (credential && existsSync(credential)) pass = keep(readSecretFile(credential, 'the systemd credential smtp-password', where));
  const secure = url.protocol === 'smtps:';
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port, secure, user, pass, shown: `${url.protocol}//${url.host.includes(':') ? url.host : `${url.host}:${port}`}` };
}

export const SMTP_URL_HELP =
  'must be an smtp:// or smtps:// URL with a host, e.g. smtp://user@mail.example.org:587; ' +
  'percent-encode @ / : # ? in the user name and password (%40 %2F %3A %23 %3F), or give the password in DUMPFEED_SMTP_PASSWORD';

/** The URL, or null when it is not one dumpfeed can use. */
export function parseSmtpUrl(smtp: string): URL | null {
  let url: URL;
  try {
    url = new URL(smtp);
  } catch {
    return null;
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') return null;
  if (url.hostname === '' || (url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') return null;
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return null;
  }
  return url;
}

function readSecretFile(path: string, name: string, where: string, what = 'password'): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(where, `${name}: cannot read the ${what} file: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
  }
  // Files written by `echo` end with a newline that is not part of the secret.
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new ConfigError(where, `${name}: the ${what} file is empty`);
  return secret;
}

/**
 * The key that signs one-click unsubscribe links (README "Unsubscribing"), first found first:
 * `DUMPFEED_UNSUBSCRIBE_SECRET`; the file named by `DUMPFEED_UNSUBSCRIBE_SECRET_FILE`; the systemd
 * credential `unsubscribe-secret`; else `file` (`mail.unsubscribeSecretFile`, by default beside the
 * store), created with a random key (mode 0600) when it does not exist yet. A key is never printed:
 * it is registered for `redact` like the SMTP password.
 */
export function unsubscribeKey(file: string, env: NodeJS.ProcessEnv = process.env, where = 'config'): Buffer {
  if (env.DUMPFEED_UNSUBSCRIBE_SECRET) return Buffer.from(keep(env.DUMPFEED_UNSUBSCRIBE_SECRET));
  if (env.DUMPFEED_UNSUBSCRIBE_SECRET_FILE) {
    return Buffer.from(keep(readSecretFile(env.DUMPFEED_UNSUBSCRIBE_SECRET_FILE, 'DUMPFEED_UNSUBSCRIBE_SECRET_FILE', where, 'key')));
  }
  const credential = env.CREDENTIALS_DIRECTORY ? join(env.CREDENTIALS_DIRECTORY, 'unsubscribe-secret') : null;
  if (credential && existsSync(credential)) {
    return Buffer.from(keep(readSecretFile(credential, 'the systemd credential unsubscribe-secret', where, 'key')));
  }
  if (!existsSync(file)) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      // `wx`: of two processes creating it at once (watch and serve), one writes and both read its key.
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigError(
          where,
          `mail.unsubscribeSecretFile: cannot create ${file}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`,
          {
            cause,
          },
        );
      }
    }
  }
  const key = readSecretFile(file, 'mail.unsubscribeSecretFile', where, 'key');
  if (key.length < 16) throw new ConfigError(where, 'mail.unsubscribeSecretFile: the key is too short (at least 16 characters)');
  return Buffer.from(keep(key));
}
