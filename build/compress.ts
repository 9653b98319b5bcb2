import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { ROOT } from './stamp.js';

/** Compressed copies outlive `dist/`: onnxruntime's wasm takes seconds to brotli, and it changes only with the package. */
const CACHE = join(ROOT, 'node_modules', '.cache', 'outpost-compressed');

/** A variant is kept only when it saves at least this share of the bytes. */
const MIN_SAVING = 0.1;

/**
 * Brotli quality: 11 (the smallest output) for files under 1 MiB; 6 above, where 11 takes minutes on onnxruntime's
 * 28 MB wasm for ≈ 15 % fewer bytes (measured: 14.2 MB plain wasm → q6 ≈ 2.8 MB, q11 2.4 MB, gzip -9 3.7 MB).
 */
const brotliQuality = (size: number) => (size < 1 << 20 ? 11 : 6);

const encoders = {
  br: (bytes: Buffer) =>
    brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: brotliQuality(bytes.length), [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
  gz: (bytes: Buffer) => gzipSync(bytes, { level: 9 }),
};

/** Writes `file.br` and `file.gz` beside `file` (each only when it is at least 10 % smaller); returns the encodings written. */
export function writeCompressed(file: string): ('br' | 'gz')[] {
  const bytes = readFileSync(file);
  const digest = createHash('sha256').update(bytes).digest('hex');
  mkdirSync(CACHE, { recursive: true });
  const written: ('br' | 'gz')[] = [];
  for (const [ext, encode] of Object.entries(encoders) as ['br' | 'gz', (b: Buffer) => Buffer][]) {
    const cached = join(CACHE, `${digest}.${ext}`);
    if (!existsSync(cached)) {
      writeFileSync(`${cached}.tmp`, encode(bytes));
      renameSync(`${cached}.tmp`, cached);
    }
    const out = readFileSync(cached);
    if (out.length > bytes.length * (1 - MIN_SAVING)) continue;
    writeFileSync(`${file}.${ext}`, out);
    written.push(ext);
  }
  return written;
}
