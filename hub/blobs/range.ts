import { OutpostError } from '../../shared/errors.js';
import type { ByteRange } from './store.js';

const unsatisfiable = (header: string, size: number) =>
  new OutpostError(416, 'range_not_satisfiable', `range "${header}" is outside the blob's ${size} bytes`, { size });

/**
 * Parses a single `bytes=` range against a size. Returns undefined for no header or a form we do not serve
 * (several ranges, other units): the whole blob is sent then, which RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable(header, size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) throw unsatisfiable(header, size);
  return { start, end };
}
