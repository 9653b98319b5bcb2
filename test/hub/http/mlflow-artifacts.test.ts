import { beforeAll, describe, expect, it } from 'vitest';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { call, hub, newProject, randomBytes, sendEarlyReply, sha256Hex, type Reply, type TestProject } from '../../helpers/client.js';
import { TEST_LIMITS } from '../../helpers/hub-env.js';

// MLflow's artifact proxy as MlflowArtifactsRepository speaks it: a run's artifact_uri `mlflow-artifacts:/<path>`
// becomes `<tracking uri>/api/2.0/mlflow-artifacts/artifacts/<path>`; PUT uploads, GET downloads, GET ?path= lists.
let p: TestProject;
beforeAll(async () => {
  p = await newProject('mlflow-artifacts');
});

const mlflow = (endpoint: string, json: unknown) => call(`/api/2.0/mlflow/${endpoint}`, { key: p.keys.write, json });
const proxied = (uri: string) => `/api/2.0/mlflow-artifacts/artifacts/${uri.replace(/^mlflow-artifacts:\//, '')}`;
const upload = (path: string, body: BodyInit, key = p.keys.write) => call(proxied(path), { key, method: 'PUT', body });
const list = (path: string, key = p.keys.read) => call(`/api/2.0/mlflow-artifacts/artifacts?${new URLSearchParams({ path: path.replace(/^mlflow-artifacts:\//, '') })}`, { key });

function expectMlflowError(r: Reply, status: number, code: string, message?: string | RegExp) {
  expect({ status: r.status, code: r.body?.error_code }, r.text).toEqual({ status, code });
  if (message) expect(r.body.message).toMatch(message);
}

async function newRun() {
  const exp = await mlflow('experiments/create', { name: `artifacts-${Date.now().toString(36)}-${Math.random()}` });
  const run = await mlflow('runs/create', { experiment_id: exp.body.experiment_id, start_time: Date.now() });
  expect(run.status, run.text).toBe(200);
  return run.body.run.info as { run_id: string; experiment_id: string; artifact_uri: string };
}

async function download(path: string, key = p.keys.read) {
  const res = await fetch(hub.url + proxied(path), { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

describe(`MLflow artifact proxy on ${hub.runtime}`, () => {
  it('round-trips files through the proxy: upload, list, download the same bytes, and see them as the run\'s artifacts', async () => {
    const run = await newRun();
    expect(run.artifact_uri).toBe(`mlflow-artifacts:/${run.experiment_id}/${run.run_id}/artifacts`);
    const onnx = linearModelOnnx({ inputSize: 4, outputSize: 2 }) as Uint8Array<ArrayBuffer>;
    const notes = randomBytes(300_000);
    expect(await upload(`${run.artifact_uri}/model/model.onnx`, onnx)).toMatchObject({ status: 200, body: {} });
    expect((await upload(`${run.artifact_uri}/model/MLmodel`, 'flavors: {}\n')).status).toBe(200);
    expect((await upload(`${run.artifact_uri}/notes.bin`, notes)).status).toBe(200);

    expect((await list(run.artifact_uri)).body).toEqual({
      files: [
        { path: 'model', is_dir: true },
        { path: 'notes.bin', is_dir: false, file_size: notes.byteLength },
      ],
    });
    expect((await list(`${run.artifact_uri}/model`)).body).toEqual({
      files: [
        { path: 'MLmodel', is_dir: false, file_size: 12 },
        { path: 'model.onnx', is_dir: false, file_size: onnx.byteLength },
      ],
    });
    expect((await list(`${run.artifact_uri}/nothing-here`)).body).toEqual({});

    const got = await download(`${run.artifact_uri}/notes.bin`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-disposition')).toContain('filename="notes.bin"');
    expect(await sha256Hex(got.bytes as Uint8Array<ArrayBuffer>)).toBe(await sha256Hex(notes));

    // The same files, as the native API and the blob store see them.
    const native = await call(`/v1/runs/${run.run_id}/artifacts?path=model`, { key: p.keys.read });
    const digest = `sha256:${await sha256Hex(onnx)}`;
    expect(native.body.files).toContainEqual({ path: 'model/model.onnx', isDir: false, size: onnx.byteLength, digest });
    expect((await call(`/v1/blobs/${digest}`, { key: p.keys.read })).status).toBe(200);

    // Files uploaded this way are what mlflow.register_model("runs:/<id>/model", name) registers.
    await mlflow('registered-models/create', { name: 'proxied' });
    const mv = await mlflow('model-versions/create', { name: 'proxied', source: `runs:/${run.run_id}/model`, run_id: run.run_id });
    expect(mv.status, mv.text).toBe(200);
    const version = (await call('/v1/models/proxied/versions/1', { key: p.keys.read })).body.version;
    expect(version).toMatchObject({ format: 'onnx', signature: { inputs: [expect.objectContaining({ shape: ['batch', 4] })] } });

    // Uploading to the same path again replaces the file, as a file system would.
    const again = randomBytes(10);
    await upload(`${run.artifact_uri}/notes.bin`, again);
    expect(Array.from((await download(`${run.artifact_uri}/notes.bin`)).bytes)).toEqual(Array.from(again));
  });

  it('answers unknown runs, paths that climb out and malformed paths with MLflow errors, storing nothing', async () => {
    const run = await newRun();
    const root = run.artifact_uri;
    const ghost = `mlflow-artifacts:/${run.experiment_id}/${'0'.repeat(32)}/artifacts`;
    expectMlflowError(await upload(`${ghost}/a.txt`, 'x'), 404, 'RESOURCE_DOES_NOT_EXIST', /not found/);
    expectMlflowError(await list(ghost), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectMlflowError(await upload(`mlflow-artifacts:/other-experiment/${run.run_id}/artifacts/a.txt`, 'x'), 404, 'RESOURCE_DOES_NOT_EXIST');
    // fetch would fold a literal ../ away; an encoded separator reaches the hub and is refused there.
    expectMlflowError(await upload(`${root}/..%2F..%2Fescape.txt`, 'x'), 400, 'INVALID_PARAMETER_VALUE', /Invalid path/);
    expectMlflowError(await list(`${root}/../../${run.run_id}`), 400, 'INVALID_PARAMETER_VALUE', /Invalid path/);
    expectMlflowError(await list(`/etc`), 400, 'INVALID_PARAMETER_VALUE', /Invalid path/);
    expectMlflowError(await upload(`mlflow-artifacts:/${run.experiment_id}/${run.run_id}/elsewhere/a.txt`, 'x'), 400, 'INVALID_PARAMETER_VALUE', /<experiment_id>\/<run_id>\/artifacts\/<path>/);
    expectMlflowError(await upload(root, 'x'), 400, 'INVALID_PARAMETER_VALUE', /name a file/);
    expectMlflowError(await list(''), 400, 'INVALID_PARAMETER_VALUE');
    expectMlflowError(await download(`${root}/missing.txt`).then(async (d) => ({ status: d.status, body: JSON.parse(new TextDecoder().decode(d.bytes)) }) as Reply), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await list(root)).body).toEqual({});
  });

  it('checks the key before the body and holds uploads to OUTPOST_MAX_UPLOAD', async () => {
    const run = await newRun();
    const root = run.artifact_uri;
    expectMlflowError(await upload(`${root}/a.txt`, 'x', p.keys.read), 403, 'PERMISSION_DENIED');
    expectMlflowError(await call(proxied(`${root}/a.txt`), { method: 'PUT', body: 'x' }), 401, 'UNAUTHENTICATED');
    const limit = 4 * 1024 * 1024;
    expect(TEST_LIMITS.OUTPOST_MAX_UPLOAD).toBe('4MiB');
    // The hub answers from the declared length, before reading the body, so the reply comes while the client is still sending.
    const big = await sendEarlyReply('PUT', proxied(`${root}/big.bin`), { key: p.keys.write, body: randomBytes(limit + 1), type: 'application/octet-stream' });
    expectMlflowError(big, 400, 'INVALID_PARAMETER_VALUE', /upload limit of 4194304 bytes \(OUTPOST_MAX_UPLOAD\)/);
    expect((await list(root)).body).toEqual({});
    expect((await upload(`${root}/fits.bin`, randomBytes(limit))).status).toBe(200);
  });
});
