import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type Config } from './schema.js';

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
  if (file !== null) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new ConfigError(`config ${file}`, `cannot read: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
    }
    try {
      raw = JSON.parse(text);
    } catch (cause) {
      throw new ConfigError(`config ${file}`, `not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  return { config: parseConfig(raw, file ?? 'defaults', overrides), path: file };
}

/** Validates a config object; errors name the file and the key. */
export function parseConfig(raw: unknown, where: string, overrides: ConfigOverrides = {}): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`config ${where}`, describeIssues(result.error));
  const config = result.data;
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

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = keyPath(issue.path) || '(top level)';
      if (issue.code === 'unrecognized_keys') {
        const prefix = issue.path.length ? `${key}.` : '';
        return `unknown key ${issue.keys.map((k) => `"${prefix}${k}"`).join(', ')}`;
      }
      return `${key}: ${issue.message}`;
    })
    .join('; ');
}

// `topics."Press releases".slug`: page names are quoted, they often hold spaces and dots.
function keyPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (i === 1 && path[0] === 'topics' ? `"${String(p)}"` : String(p))).join('.');
}

function assertUniqueSlugs(config: Config, where: string): void {
  const seen = new Map<string, string>();
  config.customTopics.forEach((t, i) => {
    if (t.slug === 'all' || t.slug === 'topics')
      throw new ConfigError(`config ${where}`, `customTopics.${i}.slug: "${t.slug}" is reserved`);
    const other = seen.get(t.slug);
    if (other) throw new ConfigError(`config ${where}`, `customTopics.${i}.slug: "${t.slug}" is already used by "${other}"`);
    seen.set(t.slug, t.name);
  });
  for (const [name, settings] of Object.entries(config.topics)) {
    if (!settings.slug) continue;
    if (settings.slug === 'all' || settings.slug === 'topics') {
      throw new ConfigError(`config ${where}`, `topics."${name}".slug: "${settings.slug}" is reserved`);
    }
    const other = seen.get(settings.slug);
    if (other) throw new ConfigError(`config ${where}`, `topics."${name}".slug: "${settings.slug}" is already used by "${other}"`);
    seen.set(settings.slug, name);
  }
}
