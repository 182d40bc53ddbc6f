import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { configSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { read, REPO } from '../helpers.js';
import { join } from 'node:path';

function configError(raw: unknown): string {
  try {
    parseConfig(raw, 'c.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).toLine();
  }
  throw new Error('accepted');
}

/** Every documented key path of the schema: leaves (`source.inbox`), and `topics` with `topics.<page>.title`. */
function keyPaths(schema: z.ZodType, prefix = ''): string[] {
  const def = (schema as unknown as { def: Record<string, unknown> & { type: string } }).def;
  if (['default', 'prefault', 'optional'].includes(def.type)) return keyPaths(def.innerType as z.ZodType, prefix);
  if (def.type === 'pipe') return keyPaths(def.in as z.ZodType, prefix);
  if (def.type === 'object') {
    return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([k, v]) => {
      const inner = keyPaths(v, `${prefix}${k}.`);
      return inner.length ? inner : [`${prefix}${k}`];
    });
  }
  if (def.type === 'record') return [prefix.slice(0, -1), ...keyPaths(def.valueType as z.ZodType, `${prefix}<page>.`)];
  if (def.type === 'array') {
    const inner = keyPaths(def.element as z.ZodType, `${prefix.slice(0, -1)}[].`);
    return inner.length ? [prefix.slice(0, -1), ...inner] : [];
  }
  return [];
}

describe('config', () => {
  it('has a default for everything', () => {
    const c = parseConfig({}, 'defaults');
    expect(c.store.path).toBe('data/dumpfeed.db');
    expect(c.feeds).toEqual({ dir: 'feeds', baseUrl: 'http://localhost:8080/', length: 50, title: 'dumpfeed', language: 'en', hub: null });
    expect(c.source).toEqual({ inbox: 'inbox', pattern: '*.txt', encoding: 'auto', maxBytes: 52428800 });
  });

  it('the shipped config/dumpfeed.json is valid', () => {
    const { config } = loadConfig(join(REPO, 'config', 'dumpfeed.json'));
    expect(config.topics['Press releases']).toBeDefined();
  });

  it('names unknown keys and bad values', () => {
    expect(configError({ feeds: { lenght: 10 } })).toBe('config c.json: unknown key "feeds.lenght"');
    expect(configError({ stor: {} })).toBe('config c.json: unknown key "stor"');
    expect(configError({ feeds: { length: 0 } })).toBe('config c.json: feeds.length: Too small: expected number to be >=1');
    expect(configError({ feeds: { baseUrl: 'ftp://example.org' } })).toBe(
      'config c.json: feeds.baseUrl: must be an http:// or https:// URL',
    );
    expect(configError({ source: { encoding: 'ebcdic' } })).toMatch(/^config c\.json: source\.encoding: Invalid option/);
    expect(configError({ topics: { 'Press releases': { slug: 'Press Releases' } } })).toBe(
      'config c.json: topics."Press releases".slug: must be lower-case letters, digits and single hyphens',
    );
    expect(configError({ topics: { a: { slug: 'x' }, b: { slug: 'x' } } })).toBe(
      'config c.json: topics."b".slug: "x" is already used by "a"',
    );
    expect(configError({ topics: { a: { slug: 'all' } } })).toBe('config c.json: topics."a".slug: "all" is reserved');
    expect(configError([])).toMatch(/^config c\.json: \(top level\): /);
  });

  it('reports a missing or malformed file with its name', () => {
    const line = (path: string) => {
      try {
        loadConfig(path);
      } catch (e) {
        return (e as ConfigError).toLine();
      }
      return 'accepted';
    };
    expect(line('/nonexistent/c.json')).toBe('config /nonexistent/c.json: cannot read: ENOENT');
    expect(line(join(REPO, 'README.md'))).toMatch(/^config .*README\.md: not valid JSON: /);
  });

  it('every option is documented in the README', () => {
    const readme = read(join(REPO, 'README.md'));
    const keys = keyPaths(configSchema);
    expect(keys).toContain('feeds.baseUrl');
    expect(keys).toContain('topics.<page>.sourceUrl');
    expect(keys).toContain('subscribers[].schedule');
    for (const key of keys) expect(readme, key).toContain(`| \`${key}\` |`);
  });
});
