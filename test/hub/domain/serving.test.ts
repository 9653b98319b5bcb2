import * as ort from 'onnxruntime-node';
import { test as base, vi } from 'vitest';
import { tfjsModelFiles } from '../../../hub/demo/tfjs-model.js';
import { linearModelOnnx, writeOnnxModel } from '../../../hub/registry/onnx/write.js';
import { fromHalf, toHalf } from '../../../shared/serving/datatypes.js';
import { preloadServed } from '../../../hub/platform/node/serving.js';
import { readTelemetry } from '../../../hub/telemetry/read.js';
import { describe, expect, openInProcessHub, type InProcessHub } from '../../helpers/app.js';
import { binaryBody, fixedShapeOnnx, identityOnnx, publishModel, readBinaryReply, SERVED_DTYPES } from '../../helpers/serving.js';

type ServingHub = Awaited<ReturnType<typeof openInProcessHub>> & { serving: NonNullable<InProcessHub['serving']> };

/** Each test gets a hub with the Node model server behind `/v2` (as `npm start` has it). */
const test = base.extend<{ hub: ServingHub }>({
  hub: async ({}, use) => {
    const hub = await openInProcessHub({}, { serving: true });
    try {
      await use(hub as ServingHub);
    } finally {
      await hub.close();
    }
  },
});

const DATATYPE: Record<string, string> = { bool: 'BOOL', float16: 'FP16', float32: 'FP32', float64: 'FP64' };
const datatypeOf = (dtype: string) => DATATYPE[dtype] ?? dtype.toUpperCase();

const infer = (hub: InProcessHub, path: string, body: unknown, headers: Record<string, string> = {}) =>
  hub.request(`/v2/models/${path}/infer`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function inferJson(hub: InProcessHub, path: string, body: unknown) {
  const res = await infer(hub, path, body);
  return { status: res.status, body: await res.json() };
}

/** The same bytes run by onnxruntime-node in this process: what `/v2` must answer. */
async function ortRun(model: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(model);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const LINEAR = linearModelOnnx({ inputSize: 4, outputSize: 3 });
const ROWS = [[0.5, -1, 2, 3], [4, 5.25, -6, 7], [0, 0, 1, -1]];

/** Values of each served dtype, two per row, each exact in its datatype and in JSON. */
const SAMPLES: Record<string, unknown[]> = {
  bool: [true, false, false, true],
  uint8: [0, 255, 7, 128],
  uint16: [0, 65535, 300, 1],
  uint32: [0, 4294967295, 70000, 1],
  uint64: [0, 2 ** 53 - 1, 5, 1],
  int8: [-128, 127, 0, -1],
  int16: [-32768, 32767, 0, -300],
  int32: [-(2 ** 31), 2 ** 31 - 1, 0, -70000],
  int64: [-(2 ** 53 - 1), 2 ** 53 - 1, 0, -5],
  float16: [1.5, -2.25, 65504, 0.0009765625],
  float32: [1.25, -3.5, 1e-7, 3.4e38],
  float64: [Math.PI, -Math.E, 1e-300, 1.7e308],
};

/** A typed array of the samples of a dtype, as the binary extension carries them. */
function sampleArray(dtype: string): ArrayBufferView {
  const v = SAMPLES[dtype]!;
  switch (dtype) {
    case 'bool': return Uint8Array.from(v as boolean[], (b) => (b ? 1 : 0));
    case 'uint8': return Uint8Array.from(v as number[]);
    case 'uint16': return Uint16Array.from(v as number[]);
    case 'uint32': return Uint32Array.from(v as number[]);
    case 'uint64': return BigUint64Array.from(v as number[], BigInt);
    case 'int8': return Int8Array.from(v as number[]);
    case 'int16': return Int16Array.from(v as number[]);
    case 'int32': return Int32Array.from(v as number[]);
    case 'int64': return BigInt64Array.from(v as number[], BigInt);
    case 'float16': return Uint16Array.from(v as number[], toHalf);
    case 'float32': return Float32Array.from(v as number[]);
    default: return Float64Array.from(v as number[]);
  }
}

describe('serving: the Open Inference Protocol on the Node hub', () => {
  test('answers server metadata, health and model metadata in the protocol\'s shapes', async ({ hub }) => {
    await publishModel(hub.request, 'lin', { 'model.onnx': LINEAR }, { alias: 'production' });
    await publishModel(hub.request, 'lin', { 'model.onnx': LINEAR }, { alias: 'staging' });
    expect(await (await hub.request('/v2')).json()).toEqual({ name: 'outpost', version: expect.any(String), extensions: ['binary_tensor_data'] });
    expect(await (await hub.request('/v2/health/live')).json()).toEqual({ live: true });
    expect((await hub.request('/v2/health/ready')).status).toBe(200);
    const meta = { name: 'lin', versions: ['1', '2'], platform: 'onnxruntime_onnx', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }] };
    for (const path of ['/v2/models/lin', '/v2/models/lin/versions/1', '/v2/models/lin/versions/staging']) {
      const res = await hub.request(path);
      expect(res.status, path).toBe(200);
      expect(await res.json()).toEqual(meta);
    }
    const ready = await hub.request('/v2/models/lin/versions/staging/ready');
    expect(await ready.json()).toEqual({ name: 'lin', version: '2', ready: true });
    expect(hub.serving.isLoaded({ model: { id: (await (await hub.request('/v1/models/lin')).json()).model.id } as never, version: { version: 2 } as never })).toBe(true);
  });

  test('infers with flat and nested data, echoes the id, and equals onnxruntime-node run in-process', async ({ hub }) => {
    await publishModel(hub.request, 'lin', { 'model.onnx': LINEAR }, { alias: 'production' });
    const expected = (await ortRun(LINEAR, { x: new ort.Tensor('float32', Float32Array.from(ROWS.flat()), [3, 4]) })).y!;
    const nested = await inferJson(hub, 'lin', { id: 'req-1', inputs: [{ name: 'x', shape: [3, 4], datatype: 'FP32', data: ROWS }] });
    const flat = await inferJson(hub, 'lin/versions/1', { inputs: [{ name: 'x', shape: [3, 4], datatype: 'FP32', data: ROWS.flat() }] });
    expect(nested).toEqual({ status: 200, body: { model_name: 'lin', model_version: '1', id: 'req-1', outputs: [{ name: 'y', datatype: 'FP32', shape: [3, 3], data: [...(expected.data as Float32Array)] }] } });
    expect(flat.body.outputs).toEqual(nested.body.outputs);
    expect(flat.body).not.toHaveProperty('id');
  });

  test('round-trips every datatype as JSON and as binary tensors, each way', async ({ hub }) => {
    await publishModel(hub.request, 'types', { 'model.onnx': identityOnnx() }, { alias: 'production' });
    const inputs = SERVED_DTYPES.map((d) => ({ name: `in_${d}`, shape: [2, 2], datatype: datatypeOf(d), data: SAMPLES[d] }));
    const json = await inferJson(hub, 'types', { inputs });
    expect(json.status).toBe(200);
    expect(json.body.outputs).toEqual(SERVED_DTYPES.map((d) => ({ name: `out_${d}`, datatype: datatypeOf(d), shape: [2, 2], data: d === 'float32' ? [...Float32Array.from(SAMPLES[d] as number[])] : SAMPLES[d] })));

    // Binary in, binary out (binary_data_output), in the order the inputs and outputs are listed.
    const arrays = SERVED_DTYPES.map(sampleArray);
    const header = { parameters: { binary_data_output: true }, inputs: SERVED_DTYPES.map((d, i) => ({ name: `in_${d}`, shape: [2, 2], datatype: datatypeOf(d), parameters: { binary_data_size: arrays[i]!.byteLength } })) };
    const { body, headerLength } = binaryBody(header, arrays);
    const res = await hub.request('/v2/models/types/infer', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(headerLength) }, body });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const reply = await readBinaryReply(res);
    let offset = 0;
    for (const [i, d] of SERVED_DTYPES.entries()) {
      const out = reply.json.outputs[i];
      expect(out).toEqual({ name: `out_${d}`, datatype: datatypeOf(d), shape: [2, 2], parameters: { binary_data_size: arrays[i]!.byteLength } });
      const bytes = reply.binary.subarray(offset, offset + arrays[i]!.byteLength);
      expect([...bytes], d).toEqual([...new Uint8Array(arrays[i]!.buffer, arrays[i]!.byteOffset, arrays[i]!.byteLength)]);
      offset += arrays[i]!.byteLength;
    }
    expect(offset).toBe(reply.binary.byteLength);
    expect([...new Uint16Array(reply.binary.slice(arrays.slice(0, 9).reduce((n, a) => n + a.byteLength, 0)).buffer, 0, 4)].map(fromHalf)).toEqual(SAMPLES.float16);
  });

  test('mixes JSON and binary: binary inputs with JSON outputs, and a binary_data choice per output', async ({ hub }) => {
    await publishModel(hub.request, 'types', { 'model.onnx': identityOnnx(['float32', 'int64']) }, { alias: 'production' });
    const f = Float32Array.from([1, 2, 3, 4]);
    const { body, headerLength } = binaryBody({ inputs: [{ name: 'in_float32', shape: [2, 2], datatype: 'FP32', parameters: { binary_data_size: 16 } }, { name: 'in_int64', shape: [2, 2], datatype: 'INT64', data: [[1, 2], [3, 4]] }], outputs: [{ name: 'out_int64', parameters: { binary_data: true } }, { name: 'out_float32' }] }, [f]);
    const res = await hub.request('/v2/models/types/infer', { method: 'POST', headers: { 'Inference-Header-Content-Length': String(headerLength) }, body });
    const reply = await readBinaryReply(res);
    expect(reply.json.outputs).toEqual([
      { name: 'out_int64', datatype: 'INT64', shape: [2, 2], parameters: { binary_data_size: 32 } },
      { name: 'out_float32', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] },
    ]);
    expect([...new BigInt64Array(reply.binary.slice().buffer)]).toEqual([1n, 2n, 3n, 4n]);

    const jsonOnly = await inferJson(hub, 'types', { inputs: [{ name: 'in_float32', shape: [1, 2], datatype: 'FP32', data: [5, 6] }, { name: 'in_int64', shape: [1, 2], datatype: 'INT64', data: [7, 8] }], outputs: [{ name: 'out_float32' }] });
    expect(jsonOnly.body.outputs).toEqual([{ name: 'out_float32', datatype: 'FP32', shape: [1, 2], data: [5, 6] }]);
  });

  test('refuses a bad request with a 4xx {"error"} naming what is wrong', async ({ hub }) => {
    await publishModel(hub.request, 'lin', { 'model.onnx': LINEAR }, { alias: 'production' });
    const x = (over: object = {}) => ({ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4], ...over });
    const cases: [unknown, RegExp][] = [
      [{ inputs: [x(), { name: 'z', shape: [1], datatype: 'FP32', data: [1] }] }, /no input "z" \(inputs: x: FP32 \[-1, 4\]\)/],
      [{ inputs: [x({ name: 'nope' })] }, /no input "nope"/],
      [{ inputs: [x(), x()] }, /input "x" is given twice/],
      [{ inputs: [x({ datatype: 'FP64' })] }, /input "x" is FP32 .*got FP64/],
      [{ inputs: [x({ shape: [1, 5], data: [1, 2, 3, 4, 5] })] }, /shape \[1, 5\].*expects x: FP32 \[-1, 4\]/],
      [{ inputs: [x({ shape: [2, 4] })] }, /input "x" has 4 values but shape \[2, 4\] needs 8/],
      [{ inputs: [x({ data: [1, 2, 'three', 4] })] }, /value "three" at index 2 is not a number/],
      [{ inputs: [x({ data: undefined })] }, /input "x" has no data/],
      [{ inputs: [x()], outputs: [{ name: 'w' }] }, /no output "w" \(outputs: y\)/],
      [{ inputs: [] }, /inputs must be a non-empty list/],
      [{ inputs: [x({ shape: [1, -4] })] }, /inputs\[0\]\.shape must be a list of non-negative integers/],
      [{ id: 7, inputs: [x()] }, /id must be a string/],
      [[1, 2], /must be a JSON object/],
    ];
    for (const [body, message] of cases) {
      const { status, body: reply } = await inferJson(hub, 'lin', body);
      expect({ status, reply }, JSON.stringify(body)).toEqual({ status: 400, reply: { error: expect.stringMatching(message) } });
    }
    const int8 = await publishModel(hub.request, 'types', { 'model.onnx': identityOnnx(['int8']) }, { alias: 'production' });
    expect(int8).toBe(1);
    expect((await inferJson(hub, 'types', { inputs: [{ name: 'in_int8', shape: [1, 2], datatype: 'INT8', data: [1, 200] }] })).body.error).toMatch(/value 200 at index 1 is not an integer from -128 to 127/);

    const notJson = await hub.request('/v2/models/lin/infer', { method: 'POST', body: '{"inputs": [' });
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error).toMatch(/not JSON/);
    const shortHeader = await hub.request('/v2/models/lin/infer', { method: 'POST', headers: { 'Inference-Header-Content-Length': '9999' }, body: '{}' });
    expect((await shortHeader.json()).error).toMatch(/Inference-Header-Content-Length must be the byte length of the JSON.*at most 2/);
    const wrongSize = binaryBody({ inputs: [x({ data: undefined, parameters: { binary_data_size: 12 } })] }, [new Float32Array(4)]);
    const sized = await hub.request('/v2/models/lin/infer', { method: 'POST', headers: { 'Inference-Header-Content-Length': String(wrongSize.headerLength) }, body: wrongSize.body });
    expect((await sized.json()).error).toMatch(/binary_data_size 12; shape \[1, 4\] of FP32 needs 16 bytes/);
    const extra = binaryBody({ inputs: [x()] }, [new Float32Array(4)]);
    const unclaimed = await hub.request('/v2/models/lin/infer', { method: 'POST', headers: { 'Inference-Header-Content-Length': String(extra.headerLength) }, body: extra.body });
    expect((await unclaimed.json()).error).toMatch(/16 bytes of binary data follow the JSON that no input claims/);

    const huge = await hub.request('/v2/models/lin/infer', { method: 'POST', body: new Uint8Array(600 * 1024) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toEqual({ error: `request body is larger than ${512 * 1024} bytes (OUTPOST_MAX_BODY)` });

    const unknownModel = await inferJson(hub, 'ghost', { inputs: [x()] });
    expect(unknownModel).toEqual({ status: 404, body: { error: 'model "ghost" does not exist' } });
    expect(await inferJson(hub, 'lin/versions/staging', { inputs: [x()] })).toEqual({ status: 404, body: { error: 'model "lin" has no alias "staging" (aliases: production)' } });
    expect((await inferJson(hub, 'lin/versions/9', { inputs: [x()] })).status).toBe(404);
    // A number past 2^53 is no version (the fuzz tier found it a 500); 0 is none either.
    for (const v of ['9'.repeat(400), '0']) expect(await inferJson(hub, `lin/versions/${v}`, { inputs: [x()] })).toEqual({ status: 400, body: { error: expect.stringMatching(/^version must be a version number from 1 to 9007199254740991 or an alias/) } });
    const noKey = await hub.request('/v2/models/lin/infer', { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({ error: expect.stringMatching(/invalid API key/) });
  });

  test('picks up an alias move on the next request', async ({ hub }) => {
    const v1 = linearModelOnnx({ inputSize: 4, outputSize: 3, seed: 1 });
    const v2 = linearModelOnnx({ inputSize: 4, outputSize: 3, seed: 2 });
    await publishModel(hub.request, 'lin', { 'model.onnx': v1 }, { alias: 'production' });
    await publishModel(hub.request, 'lin', { 'model.onnx': v2 });
    const body = { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: ROWS[0] }] };
    const first = await inferJson(hub, 'lin', body);
    expect(first.body.model_version).toBe('1');
    const moved = await hub.request('/v1/models/lin/aliases/production', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ version: 2 }) });
    expect(moved.status).toBe(200);
    const second = await inferJson(hub, 'lin', body);
    const expected = (await ortRun(v2, { x: new ort.Tensor('float32', Float32Array.from(ROWS[0]!), [1, 4]) })).y!;
    expect(second.body).toMatchObject({ model_version: '2', outputs: [{ data: [...(expected.data as Float32Array)] }] });
    expect(second.body.outputs[0].data).not.toEqual(first.body.outputs[0].data);
  });

  test('batches concurrent requests: each caller gets its own rows, and a bad request among them fails alone', async ({ hub }) => {
    await publishModel(hub.request, 'lin', { 'model.onnx': LINEAR }, { alias: 'production', tags: { 'serve.max_delay_ms': '20' } });
    const rows = (i: number) => Array.from({ length: 1 + (i % 3) }, (_, r) => [i, -i, r, i * r * 0.5]);
    const expected = await Promise.all(Array.from({ length: 24 }, async (_, i) => [...((await ortRun(LINEAR, { x: new ort.Tensor('float32', Float32Array.from(rows(i).flat()), [rows(i).length, 4]) })).y!.data as Float32Array)]));
    const replies = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        i === 5
          ? inferJson(hub, 'lin', { id: 'bad', inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3] }] })
          : inferJson(hub, 'lin', { id: String(i), inputs: [{ name: 'x', shape: [rows(i).length, 4], datatype: 'FP32', data: rows(i) }] }),
      ),
    );
    for (const [i, reply] of replies.entries()) {
      if (i === 5) {
        expect(reply.status).toBe(400);
        continue;
      }
      expect(reply.status).toBe(200);
      expect(reply.body.id).toBe(String(i));
      expect(reply.body.outputs[0].shape).toEqual([rows(i).length, 3]);
      reply.body.outputs[0].data.forEach((v: number, k: number) => expect(v).toBeCloseTo(expected[i]![k]!, 5));
    }
  });

  test('runs concurrent requests as batches, and a request the model itself refuses fails alone inside one', async ({ hub }) => {
    // y[i] = x[i][idx[i]]: an index out of range passes every check of the request and fails only in the model.
    const pick = writeOnnxModel({
      producer: 'outpost-tests',
      inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 4] }, { name: 'idx', dtype: 'int64', shape: ['batch', 1] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 1] }],
      nodes: [{ op: 'GatherElements', inputs: ['x', 'idx'], outputs: ['y'], attributes: { axis: 1 } }],
    });
    await publishModel(hub.request, 'pick', { 'model.onnx': pick }, { alias: 'production', tags: { 'serve.max_delay_ms': '20' } });
    // Every run of a session (the hub's engine and this file share onnxruntime-node), for the rows of each.
    const runs = vi.spyOn((ort.InferenceSession as unknown as { prototype: { run: (feeds: Record<string, ort.Tensor>) => Promise<unknown> } }).prototype, 'run');
    try {
      const replies = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          inferJson(hub, 'pick', { id: String(i), inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [[i, 10 + i, 20 + i, 30 + i]] }, { name: 'idx', shape: [1, 1], datatype: 'INT64', data: [[i === 7 ? 9 : i % 4]] }] }),
        ),
      );
      for (const [i, reply] of replies.entries()) {
        if (i === 7) expect(reply).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^model "pick" v1 failed on these inputs: /) } });
        else expect(reply).toEqual({ status: 200, body: { model_name: 'pick', model_version: '1', id: String(i), outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 1], data: [10 * (i % 4) + i] }] } });
      }
      // Batches ran: fewer runs than requests, one of several rows (the failed batch's rerun adds one run per request).
      const rows: number[] = runs.mock.calls.map(([feeds]) => feeds.x!.dims[0]!);
      expect(Math.max(...rows)).toBeGreaterThan(1);
      expect(rows.filter((n) => n > 1).reduce((a, b) => a + b, 0) + rows.filter((n) => n === 1).length).toBeGreaterThanOrEqual(16);
    } finally {
      runs.mockRestore();
    }
  });

  test('runs a fixed-shape model request by request', async ({ hub }) => {
    await publishModel(hub.request, 'relu', { 'model.onnx': fixedShapeOnnx() }, { alias: 'production' });
    const replies = await Promise.all([[-1, 2, -3, 4], [5, -6, 7, -8]].map((data) => inferJson(hub, 'relu', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data }] })));
    expect(replies.map((r) => r.body.outputs[0].data)).toEqual([[0, 2, 0, 4], [5, 0, 7, 0]]);
  });

  test('serves a tfjs-layers model with the outputs tfjs gives in-process', async ({ hub }) => {
    const files = tfjsModelFiles(3);
    await publishModel(hub.request, 'tiny', files, { format: 'tfjs-layers', alias: 'production' });
    const meta = await (await hub.request('/v2/models/tiny')).json();
    expect(meta).toMatchObject({ platform: 'tensorflowjs_layers', inputs: [{ name: 'dense_1_input', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'dense_2', datatype: 'FP32', shape: [-1, 3] }] });
    const reply = await inferJson(hub, 'tiny', { inputs: [{ name: 'dense_1_input', shape: [2, 4], datatype: 'FP32', data: ROWS.slice(0, 2) }] });
    const tf = await import('@tensorflow/tfjs');
    const { layersArtifacts } = await import('../../../runtime/inference/engines/tfjs.js');
    const buffers = Object.fromEntries(Object.entries(files).map(([p, b]) => [p, b.slice().buffer]));
    const model = await tf.loadLayersModel(tf.io.fromMemory(layersArtifacts(buffers)));
    const expected = [...((await (model.predict(tf.tensor(ROWS.slice(0, 2).flat(), [2, 4])) as import('@tensorflow/tfjs').Tensor).data()) as Float32Array)];
    expect(reply).toEqual({ status: 200, body: { model_name: 'tiny', model_version: '1', outputs: [{ name: 'dense_2', datatype: 'FP32', shape: [2, 3], data: expected }] } });
  });

  test('lets a publishable key infer only on models exposed to devices', async ({ hub }) => {
    await publishModel(hub.request, 'open', { 'model.onnx': LINEAR }, { alias: 'production', devices: true });
    await publishModel(hub.request, 'closed', { 'model.onnx': LINEAR }, { alias: 'production' });
    const { secret } = await (await hub.request('/v1/keys', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'page', kind: 'publishable' }) })).json();
    const asDevice = (path: string, init: RequestInit = {}) => hub.request(path, { ...init, headers: { ...(init.headers as object), authorization: `Bearer ${secret}` } });
    const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: ROWS[0] }] });
    expect((await asDevice('/v2/models/open/infer', { method: 'POST', body })).status).toBe(200);
    expect((await asDevice('/v2/models/open')).status).toBe(200);
    for (const path of ['/v2/models/closed', '/v2/models/closed/ready']) {
      const res = await asDevice(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'model "closed" does not exist or is not exposed to devices' });
    }
    expect((await asDevice('/v2/models/closed/infer', { method: 'POST', body })).status).toBe(404);
  });

  test('counts every server inference in telemetry with backend server, failures as errors', async ({ hub }) => {
    await publishModel(hub.request, 'lin', { 'model.onnx': LINEAR }, { alias: 'production' });
    for (let i = 0; i < 3; i++) expect((await inferJson(hub, 'lin', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: ROWS[0] }] })).status).toBe(200);
    expect((await inferJson(hub, 'lin', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'INT8', data: [1, 2, 3, 4] }] })).status).toBe(400);
    await hub.serving.telemetry.flush();
    const { series } = await readTelemetry(hub.scope, { since: Date.now() - 120_000 });
    expect(series).toEqual([expect.objectContaining({ model: 'lin', version: 1, backend: 'server', count: 4, errors: 1, devices: 1, lastError: expect.stringMatching(/is FP32/) })]);
  });

  test('keeps loaded versions within OUTPOST_SERVE_MEMORY, least recently used out first', async () => {
    const hub = (await openInProcessHub({ OUTPOST_SERVE_MEMORY: String(Math.floor(LINEAR.byteLength * 2.5)) }, { serving: true })) as ServingHub;
    try {
      for (const name of ['a', 'b', 'c']) await publishModel(hub.request, name, { 'model.onnx': LINEAR }, { alias: 'production' });
      const body = { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: ROWS[0] }] };
      const ids: Record<string, string> = {};
      for (const name of ['a', 'b', 'c']) ids[name] = (await (await hub.request(`/v1/models/${name}`)).json()).model.id;
      await inferJson(hub, 'a', body);
      await inferJson(hub, 'b', body);
      await inferJson(hub, 'a', body);
      expect((await inferJson(hub, 'c', body)).status).toBe(200);
      expect(hub.serving.sessions.keys()).toEqual([`${ids.a}/1`, `${ids.c}/1`]);
      expect(hub.serving.sessions.loadedBytes).toBe(LINEAR.byteLength * 2);
      expect((await inferJson(hub, 'b', body)).status).toBe(200);
      expect(hub.serving.sessions.keys()).toEqual([`${ids.c}/1`, `${ids.b}/1`]);
    } finally {
      await hub.close();
    }
  });

  test('loads the refs of OUTPOST_SERVE at start and logs the ones it cannot load', async ({ hub }) => {
    await publishModel(hub.request, 'lin', { 'model.onnx': LINEAR }, { alias: 'production' });
    const lines: string[] = [];
    await preloadServed(hub.serving, hub.db, hub.project.id, ['lin@production', 'ghost'], (line) => lines.push(line));
    expect(hub.serving.sessions.keys()).toEqual([`${(await (await hub.request('/v1/models/lin')).json()).model.id}/1`]);
    expect(lines).toEqual(['serving lin v1 (OUTPOST_SERVE lin@production)', 'OUTPOST_SERVE: ghost could not be loaded: model "ghost" does not exist']);
  });

  test('without a model server (Workers), infer answers 501 while metadata still works', async () => {
    const hub = await openInProcessHub();
    try {
      await publishModel(hub.request, 'lin', { 'model.onnx': LINEAR }, { alias: 'production' });
      expect((await hub.request('/v2/models/lin')).status).toBe(200);
      expect(await (await hub.request('/v2')).json()).toMatchObject({ extensions: [] });
      const res = await infer(hub, 'lin', { inputs: [] });
      expect(res.status).toBe(501);
      expect(await res.json()).toEqual({ error: 'inference runs on the Node hub' });
    } finally {
      await hub.close();
    }
  });
});
