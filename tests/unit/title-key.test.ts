import { describe, expect, it } from 'vitest';
import { titleKey, titleKeyFull } from '../../src/normalize.js';

// titleKey has shortcuts for plain ASCII and for Latin-1 with typographic punctuation; the keys are
// stored, so a shortcut must give exactly what the Unicode definition gives (titleKeyFull).

const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));
// Every character a shortcut can see, and some around them that it must leave to the full path.
const chars = [...range(0x00, 0x17f), ...range(0x2000, 0x206f), '\u0301', '\u0130', '\u017f', '\u212a', 'ά', 'я', '中', '\ufb01'];

describe('titleKey', () => {
  it('gives the Unicode definition on every character and every pair of characters', () => {
    const wrong: string[] = [];
    for (const a of chars) {
      for (const b of chars) {
        for (const text of [a + b, `X${a}y${b}Z`]) {
          if (titleKey(text) !== titleKeyFull(text.toLowerCase())) wrong.push(JSON.stringify(text));
        }
      }
    }
    expect(wrong.slice(0, 20)).toEqual([]);
  });

  it('keeps letters, digits and case-folds; makes runs of anything else one space', () => {
    expect(titleKey('ILO’s  EU-funded “Better Work”…')).toBe('ilo s eu funded better work');
    expect(titleKey('Équité salariale : ¿Qué sigue?')).toBe('équité salariale qué sigue');
    expect(titleKey('Jobs for 1½ million ²')).toBe('jobs for 11 2 million 2');
    expect(titleKey('ﬁnance ſtudy')).toBe('finance study');
  });

  it("gives the same key again from its memo of recent titles, past the memo's bound, and for long texts", () => {
    // More titles than the memo holds, of every path (ASCII, Latin, full), keyed in two orders.
    const titles = Array.from({ length: 10_000 }, (_, i) => `Title ${i} ${['ILO', 'l’OIT – Ţară', 'ﬁnance', 'Jobs ½'][i % 4]}`);
    titles.push(`${'A long summary, not kept. '.repeat(20)}`);
    const reference = titles.map((t) => titleKeyFull(t.toLowerCase()));
    expect(titles.map((t) => titleKey(t))).toEqual(reference);
    expect(titles.map((t) => titleKey(t)).reverse()).toEqual([...reference].reverse());
    expect([...titles].reverse().map((t) => titleKey(t))).toEqual([...reference].reverse());
  });
});
