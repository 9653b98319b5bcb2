import type * as Tf from '@tensorflow/tfjs';

const WEIGHTS_FILE = 'weights.bin';

/** One buffer from tfjs weight data, which may come as several. */
function joinWeightData(data: Tf.io.WeightData | undefined): ArrayBuffer {
  if (!data) return new ArrayBuffer(0);
  if (!Array.isArray(data)) return data;
  const out = new Uint8Array(data.reduce((s, b) => s + b.byteLength, 0));
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}

/** The model as files a hub version or tf.loadLayersModel takes: model.json naming one weights.bin. */
export async function serializeLayersModel(model: Tf.LayersModel, tf: typeof Tf): Promise<{ 'model.json': ArrayBuffer; 'weights.bin': ArrayBuffer }> {
  let artifacts: Tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const { modelTopology, weightSpecs, weightData } = artifacts!;
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weightSpecs ?? [] }],
  };
  const json = new TextEncoder().encode(JSON.stringify(modelJson));
  return { 'model.json': json.buffer as ArrayBuffer, 'weights.bin': joinWeightData(weightData) };
}
