/**
 * `npx tsx test/bench/model-compression.ts`: how much brotli and gzip save on model files of each kind, at the
 * settings the runtime build uses (brotli quality 11 under 1 MiB, 6 above; gzip 9). docs/runtime.md quotes it.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { tfjsModelFiles } from '../../hub/demo/tfjs-model.js';
import { linearModelOnnx } from '../../hub/registry/onnx/write.js';
import { fmt } from './stats.js';
import { denseStackOnnx, SILERO_VAD_V5 } from './runtime.js';

const files: Record<string, Uint8Array> = {
  'demo digits model.onnx (linear 64→10)': linearModelOnnx({ inputSize: 64, outputSize: 10, seed: 1 }),
  'Silero VAD v5 .onnx (exported from PyTorch)': SILERO_VAD_V5,
  ...Object.fromEntries(Object.entries(tfjsModelFiles(1)).map(([path, bytes]) => [`demo tfjs ${path}`, bytes])),
  'generated dense stack .onnx (16×512², random weights)': denseStackOnnx({ width: 512, layers: 16 }),
};
for (const [name, bytes] of Object.entries(files)) {
  const started = performance.now();
  const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: bytes.length > 1 << 20 ? 6 : 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
  const brMs = performance.now() - started;
  const gz = gzipSync(bytes, { level: 9 });
  console.log(`${name}: ${fmt(bytes.length, 0)} B; brotli ${fmt(br.length / bytes.length, 3)} of it (${fmt(brMs, 0)} ms), gzip ${fmt(gz.length / bytes.length, 3)}`);
}
