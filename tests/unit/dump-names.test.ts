import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { dumpNameFilter, isTemporaryName } from '../../src/source/dump-files.js';

// `*.ext` patterns are matched without the glob library: the answer must be the library's.
const names = [
  'a.txt',
  'ILO-press.txt',
  'a.b.txt',
  '.txt',
  '.hidden.txt',
  'txt',
  'a.txt.part',
  'a.TXT',
  'a.txtx',
  'atxt',
  'dump 2024-01-01.txt',
  'é.txt',
  'a.text',
  'x.tmp',
  'a.txt~',
  'a.reason',
  'x.crdownload',
  'a-b_c.dump-v2',
  'v.dump-v2',
];

describe('which names are dumps', () => {
  for (const pattern of ['*.txt', '*.text', '*.TXT', '*.dump-v2', '*.{txt,text}', 'ILO-*', '*.t?t']) {
    it(`${pattern}: as picomatch says, after the names that never are dumps`, () => {
      const glob = picomatch(pattern, { dot: false, nocase: false });
      const filter = dumpNameFilter(pattern);
      expect(names.filter(filter)).toEqual(names.filter((n) => !isTemporaryName(n) && glob(n)));
    });
  }

  it('takes the usual ones and leaves the rest', () => {
    expect(names.filter(dumpNameFilter('*.txt'))).toEqual(['a.txt', 'ILO-press.txt', 'a.b.txt', 'dump 2024-01-01.txt', 'é.txt']);
  });
});
