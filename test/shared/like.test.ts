import { describe, expect, it } from 'vitest';
import { foldAscii, foldLower, likeMatch } from '../../shared/like.js';

/** SQL LIKE by dynamic programming over code points: slow, obviously right. */
function oracle(text: string, pattern: string): boolean {
  const t = Array.from(text);
  let row = t.map(() => false);
  row.unshift(true);
  for (const ch of pattern) {
    const next = [ch === '%' && row[0]!];
    for (let j = 1; j <= t.length; j++) next.push(ch === '%' ? row[j]! || next[j - 1]! : (ch === '_' || ch === t[j - 1]) && row[j - 1]!);
    row = next;
  }
  return row[t.length]!;
}

describe('LIKE without regular expressions', () => {
  it('agrees with a dynamic-programming oracle on 20,000 random texts and patterns', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const word = (alphabet: string, max: number) => Array.from({ length: rand(max + 1) }, () => alphabet[rand(alphabet.length)]).join('');
    for (let i = 0; i < 20_000; i++) {
      const text = word('ab😀', 10);
      const pattern = word('ab😀%_', 7);
      expect(likeMatch(text, pattern), `${JSON.stringify(text)} LIKE ${JSON.stringify(pattern)}`).toBe(oracle(text, pattern));
    }
  });

  it('matches catastrophic patterns on long texts at once', () => {
    const start = performance.now();
    expect(likeMatch('a'.repeat(100_000), '%a%a%a%a%a%a%a%b')).toBe(false);
    expect(likeMatch('a'.repeat(100_000), '%_%_%_%_%_%_%!')).toBe(false);
    expect(likeMatch(`${'a'.repeat(100_000)}!`, '%_%_%_%_%_%_%!')).toBe(true);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('treats _ as one code point, and folds case only when asked', () => {
    expect(likeMatch('😀', '_')).toBe(true);
    expect(likeMatch('Vision', 'vision%')).toBe(false);
    expect(likeMatch('Vision', 'vision%', foldLower)).toBe(true);
    expect(likeMatch('ÉCOLE', 'école', foldAscii)).toBe(false);
    expect(likeMatch('ÉCOLE', 'école', foldLower)).toBe(true);
  });
});
