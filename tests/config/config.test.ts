import { describe, expect, it } from 'vitest';
import type * as v from 'valibot';
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
function keyPaths(schema: v.GenericSchema, prefix = ''): string[] {
  const s = schema as unknown as {
    type: string;
    wrapped?: v.GenericSchema;
    entries?: Record<string, v.GenericSchema>;
    value?: v.GenericSchema;
    item?: v.GenericSchema;
  };
  if (s.type === 'optional' || s.type === 'nullable') return keyPaths(s.wrapped!, prefix);
  if (s.type === 'strict_object' || s.type === 'object') {
    return Object.entries(s.entries!).flatMap(([k, child]) => {
      const inner = keyPaths(child, `${prefix}${k}.`);
      return inner.length ? inner : [`${prefix}${k}`];
    });
  }
  if (s.type === 'record') return [prefix.slice(0, -1), ...keyPaths(s.value!, `${prefix}<page>.`)];
  if (s.type === 'array') {
    const inner = keyPaths(s.item!, `${prefix.slice(0, -1)}[].`);
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
    expect(configError({ feeds: { length: 0 } })).toBe('config c.json: feeds.length: Invalid value: Expected >=1 but received 0');
    expect(configError({ feeds: { baseUrl: 'ftp://example.org' } })).toBe(
      'config c.json: feeds.baseUrl: must be an http:// or https:// URL',
    );
    expect(configError({ source: { encoding: 'ebcdic' } })).toBe(
      'config c.json: source.encoding: Invalid type: Expected ("auto" | "utf-8" | "utf-16le" | "utf-16be" | "windows-1252" | "iso-8859-1") but received "ebcdic"',
    );
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
