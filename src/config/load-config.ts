import { existsSync, readFileSync } from 'node:fs';
import * as v from 'valibot';
import { ConfigError } from '../errors.js';
import { configSchema, RESERVED_SLUGS, type Config } from './schema.js';
import { smtpSettings } from './secrets.js';
import { lineOf, syntaxErrorAt } from './config-text.js';

/** Where the config is looked for when no --config is given. */
export const DEFAULT_CONFIG_PATH = 'config/dumpfeed.json';

/** Overrides from the command line, applied on top of the file before validation. */
export interface ConfigOverrides {
  storePath?: string | undefined;
  feedsDir?: string | undefined;
}

/**
 * Loads and validates the config. With no path, `config/dumpfeed.json` is used if present and the
 * built-in defaults otherwise; a path that was named must exist.
 */
export function loadConfig(path?: string, overrides: ConfigOverrides = {}): { config: Config; path: string | null } {
  const file = path ?? (existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : null);
  let raw: unknown = {};
  let configText: string | undefined;
  if (file !== null) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new ConfigError(`config ${file}`, `cannot read: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
    }
    // Editors on Windows save with a byte-order mark; JSON.parse refuses it.
    text = text.replace(/^\uFEFF/, '');
    try {
      raw = JSON.parse(text);
    } catch (cause) {
      // `file:line:column`, as compilers say it: editors jump there.
      const at = syntaxErrorAt(text, cause as Error);
      const where = at ? `config ${file}:${at.line}:${at.column}` : `config ${file}`;
      throw new ConfigError(where, `not valid JSON: ${at ? at.message : (cause as Error).message}`, { cause });
    }
    configText = text;
  }
  const where = `config ${file ?? 'defaults'}`;
  const fromEnv = applyEnvironment(raw, process.env, where);
  const config = parseConfig(raw, file ?? 'defaults', overrides, fromEnv, configText);
  // The SMTP settings and password, checked now rather than at the first send.
  if (config.mail.smtp !== null) smtpSettings(config.mail.smtp, config.mail.smtpPasswordFile, process.env, where);
  return { config, path: file };
}

/** Environment variables that are not config keys but are read by dumpfeed. */
const OTHER_VARIABLES = new Set([
  'DUMPFEED_SMTP_PASSWORD',
  'DUMPFEED_SMTP_PASSWORD_FILE',
  'DUMPFEED_UNSUBSCRIBE_SECRET',
  'DUMPFEED_UNSUBSCRIBE_SECRET_FILE',
]);

/** `feeds.baseUrl` -> `DUMPFEED_FEEDS_BASE_URL`. */
export function environmentName(section: string, key: string): string {
  const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return `DUMPFEED_${snake(section)}_${snake(key)}`;
}

/**
 * Sets config values from `DUMPFEED_<SECTION>_<KEY>` variables (README "Configuration"): every key of
 * the sections source, store, feeds, watch, mail, serve and log. Numbers, booleans and null are read
 * as such. An unknown `DUMPFEED_` variable is an error, so a typo is not silently ignored. Returns
 * which key each variable set, for messages.
 */
export function applyEnvironment(raw: unknown, env: NodeJS.ProcessEnv, where: string): Map<string, string> {
  const set = new Map<string, string>();
  // Most runs set none: the key list (the defaults, from the schema) is built only when one is set.
  if (!Object.keys(env).some((name) => name.startsWith('DUMPFEED_') && !OTHER_VARIABLES.has(name))) return set;
  const known = new Map<string, { section: string; key: string; sample: unknown }>();
  const defaults = v.parse(configSchema, {}) as Record<string, unknown>;
  for (const [section, value] of Object.entries(defaults)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || section === 'topics') continue;
    for (const [key, sample] of Object.entries(value)) known.set(environmentName(section, key), { section, key, sample });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return set;
  const target = raw as Record<string, Record<string, unknown>>;
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith('DUMPFEED_') || text === undefined || OTHER_VARIABLES.has(name)) continue;
    const slot = known.get(name);
    if (!slot) throw new ConfigError(where, `unknown environment variable ${name}${suggest(name, [...known.keys()])}`);
    const section = (target[slot.section] ??= {});
    if (typeof section !== 'object' || section === null) continue;
    section[slot.key] = fromText(text, slot.sample);
    set.set(`${slot.section}.${slot.key}`, name);
  }
  return set;
}

// A value from the environment, typed like the key's default.
function fromText(text: string, sample: unknown): unknown {
  if (typeof sample === 'number') return text.trim() === '' ? text : Number(text);
  if (typeof sample === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (sample === null && (text === '' || text === 'null')) return null;
  return text;
}

function suggest(name: string, names: string[]): string {
  const close = names.find((n) => n.replace(/_/g, '') === name.replace(/_/g, ''));
  return close ? ` (did you mean ${close}?)` : '';
}

/** Validates a config object; errors name the file and the key. */
export function parseConfig(
  raw: unknown,
  where: string,
  overrides: ConfigOverrides = {},
  fromEnv = new Map<string, string>(),
  text?: string,
): Config {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(
      `config ${where}`,
      `(top level): must be a JSON object ({ ... }), not ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)}`,
    );
  }
  const result = v.safeParse(configSchema, raw);
  if (!result.success) {
    // `config c.json:12: ...`: the line of the first key in question that is written in the file.
    const inFile = text === undefined ? undefined : result.issues.find((i) => !fromEnv.has(keyPath(pathOf(i))));
    const line = inFile && text !== undefined ? lineOf(text, pathOf(inFile)) : null;
    throw new ConfigError(`config ${where}${line ? `:${line}` : ''}`, describeIssues(result.issues, fromEnv));
  }
  const config = result.output;
  if (overrides.storePath) config.store.path = overrides.storePath;
  if (overrides.feedsDir) config.feeds.dir = overrides.feedsDir;
  assertUniqueSlugs(config, where);
  const addresses = new Set<string>();
  config.subscribers.forEach((sub, i) => {
    const address = sub.address.toLowerCase();
    if (addresses.has(address)) throw new ConfigError(`config ${where}`, `subscribers.${i}.address: "${sub.address}" is listed twice`);
    addresses.add(address);
  });
  return config;
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[], fromEnv: Map<string, string>): string {
  // A strict object reports a key it does not know as an issue of kind "key" at that key's path.
  const unknown = issues.filter((i) => i.type === 'strict_object' && i.expected === 'never');
  const unknownKeys = unknown.length > 0 ? [`unknown key ${unknown.map((i) => `"${keyPath(pathOf(i))}"`).join(', ')}`] : [];
  const others = issues
    .filter((i) => !unknown.includes(i))
    .map((issue) => {
      const key = keyPath(pathOf(issue)) || '(top level)';
      const variable = fromEnv.get(key);
      return `${key}${variable ? ` (from ${variable})` : ''}: ${issue.message}`;
    });
  return [...unknownKeys, ...others].join('; ');
}

function pathOf(issue: v.BaseIssue<unknown>): PropertyKey[] {
  return (issue.path ?? []).map((item) => item.key as PropertyKey);
}

// `topics."Press releases".slug`: page names are quoted, they often hold spaces and dots.
function keyPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (i === 1 && path[0] === 'topics' ? `"${String(p)}"` : String(p))).join('.');
}

function assertUniqueSlugs(config: Config, where: string): void {
  const seen = new Map<string, string>();
  config.customTopics.forEach((t, i) => {
    if (RESERVED_SLUGS.has(t.slug)) throw new ConfigError(`config ${where}`, `customTopics.${i}.slug: "${t.slug}" is reserved`);
    const other = seen.get(t.slug);
    if (other) throw new ConfigError(`config ${where}`, `customTopics.${i}.slug: "${t.slug}" is already used by "${other}"`);
    seen.set(t.slug, t.name);
  });
  for (const [name, settings] of Object.entries(config.topics)) {
    if (!settings.slug) continue;
    if (RESERVED_SLUGS.has(settings.slug)) {
      throw new ConfigError(`config ${where}`, `topics."${name}".slug: "${settings.slug}" is reserved`);
    }
    const other = seen.get(settings.slug);
    if (other) throw new ConfigError(`config ${where}`, `topics."${name}".slug: "${settings.slug}" is already used by "${other}"`);
    seen.set(settings.slug, name);
  }
}
