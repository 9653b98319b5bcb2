import { describe, expect, it } from 'vitest';
import { parseRange } from '../../../hub/blobs/range.js';

describe('parseRange', () => {
  it('reads closed, open and suffix ranges', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
  });

  it('serves the whole blob for no header, several ranges or other units', () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRange('items=0-1', 100)).toBeUndefined();
  });

  it('refuses ranges outside the blob with 416', () => {
    expect(() => parseRange('bytes=100-', 100)).toThrow(expect.objectContaining({ status: 416 }));
    expect(() => parseRange('bytes=5-2', 100)).toThrow(expect.objectContaining({ status: 416 }));
    expect(() => parseRange('bytes=-0', 100)).toThrow(expect.objectContaining({ status: 416 }));
  });
});
