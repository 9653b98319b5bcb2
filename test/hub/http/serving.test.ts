import { describe, expect } from 'vitest';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { call, hub, type TestProject } from '../../helpers/client.js';
import { test } from '../../helpers/fixtures.js';
import { binaryBody, publishModel, readBinaryReply, type HubRequest } from '../../helpers/serving.js';

/** Inference runs on the Node hub only; Workers answer the same routes' metadata and 501 for inference. */
const onNode = hub.runtime === 'node';
const LINEAR = linearModelOnnx({ inputSize: 4, outputSize: 3 });
const X = { name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] };

/** Each test's project with `lin` (exposed to devices) and `private` (not), both at `production`. */
const it = test.extend<{ p: TestProject }>({
  p: async ({ project: p }, use) => {
    const request: HubRequest = (path, init = {}) => fetch(hub.url + path, { ...init, headers: { authorization: `Bearer ${p.keys.write}`, ...(init.headers as object) } });
    await publishModel(request, 'lin', { 'model.onnx': LINEAR }, { alias: 'production', devices: true });
    await publishModel(request, 'private', { 'model.onnx': LINEAR }, { alias: 'production' });
    await use(p);
  },
});

describe(`serving (/v2) on ${hub.runtime}`, () => {
  it('answers server metadata and health without a key', async () => {
    const meta = await call('/v2');
    expect(meta).toMatchObject({ status: 200, body: { name: 'outpost', version: expect.any(String), extensions: onNode ? ['binary_tensor_data'] : [] } });
    expect((await call('/v2/health/live')).body).toEqual({ live: true });
    expect((await call('/v2/health/ready')).body).toEqual({ ready: true });
  });

  it('lists every /v2 route in /openapi.json, with the binary extension beside JSON for infer', async () => {
    const { paths } = (await call('/openapi.json')).body;
    const v2 = Object.keys(paths).filter((path) => path.startsWith('/v2')).flatMap((path) => Object.keys(paths[path]).map((method) => `${method.toUpperCase()} ${path}`));
    expect(v2.sort()).toEqual(
      ['GET /v2', 'GET /v2/health/live', 'GET /v2/health/ready', ...['/v2/models/{name}', '/v2/models/{name}/versions/{version}'].flatMap((m) => [`GET ${m}`, `GET ${m}/ready`, `POST ${m}/infer`])].sort(),
    );
    expect(Object.keys(paths['/v2/models/{name}/infer'].post.requestBody.content)).toEqual(['application/json', 'application/octet-stream']);
  });

  it('answers model metadata by alias, by number and for production when no version is named', async ({ p }) => {
    const expected = { name: 'lin', versions: ['1'], platform: 'onnxruntime_onnx', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }] };
    for (const path of ['/v2/models/lin', '/v2/models/lin/versions/1', '/v2/models/lin/versions/production']) expect((await call(path, { key: p.keys.read })).body).toEqual(expected);
    expect(await call('/v2/models/lin/versions/canary', { key: p.keys.read })).toMatchObject({ status: 404, body: { error: 'model "lin" has no alias "canary" (aliases: production)' } });
    expect(await call('/v2/models/lin')).toMatchObject({ status: 401, body: { error: expect.stringMatching(/missing API key/) } });
  });

  it(onNode ? 'infers with JSON and with binary tensors' : 'answers 501 to inference and readiness: inference runs on the Node hub', async ({ p }) => {
    const json = await call('/v2/models/lin/infer', { key: p.keys.read, json: { id: 'a', inputs: [X] } });
    const ready = await call('/v2/models/lin/ready', { key: p.keys.read });
    const { body, headerLength } = binaryBody({ inputs: [{ ...X, data: undefined, parameters: { binary_data_size: 16 } }], outputs: [{ name: 'y', parameters: { binary_data: true } }] }, [Float32Array.from(X.data)]);
    const binary = await fetch(`${hub.url}/v2/models/lin/versions/1/infer`, { method: 'POST', headers: { authorization: `Bearer ${p.keys.read}`, 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(headerLength) }, body });
    if (!onNode) {
      for (const r of [json, ready]) expect(r).toMatchObject({ status: 501, body: { error: 'inference runs on the Node hub' } });
      expect(binary.status).toBe(501);
      return;
    }
    expect(json).toMatchObject({ status: 200, body: { model_name: 'lin', model_version: '1', id: 'a', outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 3], data: expect.any(Array) }] } });
    expect(ready.body).toEqual({ name: 'lin', version: '1', ready: true });
    expect(binary.status).toBe(200);
    expect(binary.headers.get('content-type')).toBe('application/octet-stream');
    const reply = await readBinaryReply(binary);
    expect(reply.json.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: [1, 3], parameters: { binary_data_size: 12 } }]);
    expect([...new Float32Array(reply.binary.slice().buffer)]).toEqual(json.body.outputs[0].data);
  });

  it('lets a publishable key reach only models exposed to devices', async ({ p }) => {
    expect((await call('/v2/models/lin', { key: p.keys.device })).status).toBe(200);
    expect(await call('/v2/models/private', { key: p.keys.device })).toMatchObject({ status: 404, body: { error: 'model "private" does not exist or is not exposed to devices' } });
    expect((await call('/v2/models/private/infer', { key: p.keys.device, json: { inputs: [X] } })).status).toBe(404);
    expect((await call('/v2/models/lin/infer', { key: p.keys.device, json: { inputs: [X] } })).status).toBe(onNode ? 200 : 501);
  });

  it('refuses a revoked key on the very next infer request, and serves an alias move on the next one', async ({ p }) => {
    const made = await call('/v1/keys', { key: p.keys.admin, json: { kind: 'secret', name: 'inference', role: 'read' } });
    const infer = (key: string) => call('/v2/models/lin/infer', { key, json: { inputs: [X] } });
    expect((await infer(made.body.secret)).status).toBe(onNode ? 200 : 501);
    expect((await call(`/v1/keys/${made.body.key.id}`, { key: p.keys.admin, method: 'DELETE' })).status).toBe(200);
    expect(await infer(made.body.secret)).toMatchObject({ status: 401, body: { error: expect.stringMatching(/revoked/) } });

    const request: HubRequest = (path, init = {}) => fetch(hub.url + path, { ...init, headers: { authorization: `Bearer ${p.keys.write}`, ...(init.headers as object) } });
    await publishModel(request, 'lin', { 'model.onnx': linearModelOnnx({ inputSize: 4, outputSize: 3, seed: 7 }) }, { alias: 'production' });
    expect((await call('/v2/models/lin', { key: p.keys.read })).body.versions).toEqual(['1', '2']);
    if (onNode) expect((await infer(p.keys.read)).body.model_version).toBe('2');
  });

  it('lets pages on other origins send and read binary tensors (CORS)', async () => {
    const preflight = await call('/v2/models/lin/infer', { method: 'OPTIONS', headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,inference-header-content-length' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Inference-Header-Content-Length/i);
    const meta = await call('/v2/models/lin', { headers: { Origin: 'https://shop.example' } });
    expect(meta.headers.get('access-control-expose-headers')).toMatch(/Inference-Header-Content-Length/i);
    expect(meta.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(meta.headers.get('vary')).toMatch(/Origin/);
    const server = await call('/v2/models/lin');
    expect(server.headers.get('access-control-allow-origin')).toBeNull();
    expect(server.headers.get('vary')).toMatch(/Origin/);
  });
});
