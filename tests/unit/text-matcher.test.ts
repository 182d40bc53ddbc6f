import { describe, expect, it } from 'vitest';
import { compilePattern, compileRegex, matchText, PatternError } from '../../src/text-matcher.js';

describe('the one item matcher', () => {
  const text = matchText({ title: 'Garment workers in Dhaka', summary: 'A new safety accord.', category: 'Press release' });

  it.each([
    ['dhaka', true],
    ['DHAKA', true],
    ['press release', true],
    ['accord.', true],
    ['Myanmar', false],
    ['/\\bDhaka\\b/', true],
    ['/dhaka/', false],
    ['/dhaka/i', true],
    ['/^Garment/', true],
    ['/^A new/', false],
    ['/^A new/m', true],
    ['/workers.in/s', true],
  ])('%s matches: %s', (pattern, expected) => {
    expect(compilePattern(pattern)(text)).toBe(expected);
  });

  it.each([
    ['/(a)\\1/', 'not a regular expression: invalid escape sequence: `\\1`'],
    ['/(?=a)/', 'not a regular expression'],
    ['/(unclosed/', 'not a regular expression: missing closing )'],
    ['/x/y', 'unknown flag "y" (i, m, s)'],
  ])('%s is refused: %s', (pattern, message) => {
    expect(() => compilePattern(pattern)).toThrow(PatternError);
    expect(() => compilePattern(pattern)).toThrow(message);
  });

  it('runs in time linear in the text, whatever the pattern', () => {
    // (\w+\s?)*$ against many word characters and a '!': exponential in a backtracking engine.
    const test = compileRegex('^(\\w+\\s?)*$', 'i');
    expect(test(`${'a'.repeat(5000)}!`)).toBe(false);
    expect(test('word '.repeat(1000))).toBe(true);
  });
});
