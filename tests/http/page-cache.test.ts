import { describe, expect, it } from 'vitest';
import { PageCache } from '../../src/sinks/http/page-cache.js';

const body = (bytes: number) => ({ body: Buffer.alloc(bytes) });

describe('the page cache', () => {
  it('makes an entry once per mark, and starts afresh when the mark changes', () => {
    const cache = new PageCache<{ body: Buffer }>();
    let made = 0;
    const make = () => (made++, body(10));
    const markA = {};
    const first = cache.get(markA, 'index', make);
    expect(cache.get(markA, 'index', make)).toBe(first);
    expect(made).toBe(1);
    expect(cache.get({}, 'index', make)).not.toBe(first);
    expect(made).toBe(2);
    expect(cache.size.entries).toBe(1);
  });

  it('peeks without making: a held entry, or nothing', () => {
    const cache = new PageCache<{ body: Buffer }>();
    expect(cache.peek('m', 'a')).toBeUndefined();
    const a = cache.get('m', 'a', () => body(10));
    expect(cache.peek('m', 'a')).toBe(a);
    expect(cache.peek('other', 'a')).toBeUndefined();
    expect(cache.size.entries).toBe(1);
  });

  it('keeps nothing for a page that does not exist', () => {
    const cache = new PageCache<{ body: Buffer }>();
    expect(cache.get(1, 'topic nope', () => null)).toBeNull();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('holds at most its entries and bytes, dropping the least recently used first', () => {
    const cache = new PageCache<{ body: Buffer }>(3, 1000);
    for (const key of ['a', 'b', 'c']) cache.get(1, key, () => body(10));
    cache.get(1, 'a', () => body(10)); // a is used again: b is now the oldest
    cache.get(1, 'd', () => body(10));
    let remade = '';
    for (const key of ['a', 'c', 'd', 'b']) cache.get(1, key, () => ((remade += key), body(10)));
    expect(remade).toBe('b');
    // Bytes: an entry counts twice its body (room for its compressed copies).
    const small = new PageCache<{ body: Buffer }>(100, 100);
    for (const key of ['a', 'b', 'c']) small.get(1, key, () => body(20));
    expect(small.size).toEqual({ entries: 2, bytes: 80 });
  });
});
