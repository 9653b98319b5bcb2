import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../hub/auth/hash.js';
import { isDigest, sha256Digest } from '../../shared/digest.js';
import { KEY_RE, keyKindOf, newApiKey, newId } from '../../shared/ids.js';

describe('keys and ids', () => {
  it('makes keys of sk_/pk_ and 43 base64url characters, all different', () => {
    const keys = Array.from({ length: 200 }, () => newApiKey('secret'));
    for (const k of keys) expect(k).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(new Set(keys).size).toBe(200);
    expect(newApiKey('publishable')).toMatch(KEY_RE);
    expect(keyKindOf(newApiKey('publishable'))).toBe('publishable');
    expect(keyKindOf('sk_tooshort')).toBeNull();
  });

  it('prefixes ids with their type', () => {
    expect(newId('key')).toMatch(/^key_[A-Za-z0-9]{16}$/);
  });

  it('compares strings in constant time and correctly', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('digests', () => {
  it('hashes with WebCrypto into sha256:<hex>', async () => {
    const d = await sha256Digest(new TextEncoder().encode('hello\n'));
    expect(d).toBe('sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03');
    expect(isDigest(d)).toBe(true);
    expect(isDigest('sha256:ABC')).toBe(false);
  });
});
