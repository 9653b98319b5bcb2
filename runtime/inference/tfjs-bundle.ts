/**
 * tfjs with every backend the runtime may pick (webgpu → webgl → wasm → cpu), built as its own file
 * (`/runtime/tfjs/tfjs.js`) so pages that run only ONNX models never download it.
 */
import '@tensorflow/tfjs-backend-webgpu';
export * as tf from '@tensorflow/tfjs';
export { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
