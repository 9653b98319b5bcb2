import { describe, expect, it } from 'vitest';
import { base64url, base64urlToText, fromBase64url, textToBase64url } from '../../shared/base64url.js';

describe('base64url', () => {
  it.each([
    [[], ''],
    [[0xfb], '-w'],
    [[0xff, 0xff], '__8'],
    [[0x66, 0x6f, 0x6f, 0x62, 0x61, 0x72], 'Zm9vYmFy'],
  ])('encodes %j as %j without padding, and back', (bytes, text) => {
    expect(base64url(Uint8Array.from(bytes))).toBe(text);
    expect([...fromBase64url(text)]).toEqual(bytes);
  });

  it('round-trips text beyond Latin-1, which btoa alone refuses', () => {
    const token = JSON.stringify({ q: 'params.name = "ünï ✓"', v: ['日本', 1, null] });
    expect(textToBase64url(token)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(base64urlToText(textToBase64url(token))).toBe(token);
  });

  it('refuses a string that is not base64url', () => {
    expect(() => base64urlToText('not base64!')).toThrow();
  });
});
