import { describe, expect } from 'vitest';
import { tfjsModelFiles } from '../../../hub/demo/tfjs-model.js';
import { call, expectError, sha256Hex, type Reply, type TestProject } from '../../helpers/client.js';
import { test } from '../../helpers/fixtures.js';

type Files = Array<{ path: string; digest: string; size: number }>;

const put = async (bytes: Uint8Array<ArrayBuffer>, key: string) => call(`/v1/blobs/sha256:${await sha256Hex(bytes)}`, { key, method: 'PUT', body: bytes });
const entriesOf = async (files: Record<string, Uint8Array<ArrayBuffer>>) =>
  Promise.all(Object.entries(files).map(async ([path, bytes]) => ({ path, digest: `sha256:${await sha256Hex(bytes)}`, size: bytes.byteLength })));
const upload = async (files: Record<string, Uint8Array<ArrayBuffer>>, key: string) => {
  for (const bytes of Object.values(files)) {
    const r = await put(bytes, key);
    if (r.status >= 300) throw new Error(r.text);
  }
  return entriesOf(files);
};
const setDevicePublishing = (p: TestProject, on: boolean) => call('/v1/project', { key: p.keys.admin, method: 'PATCH', json: { devicePublishing: on } });

interface Base {
  p: TestProject;
  runId: string;
  baseFiles: Files;
  publish: (name: string, json: Record<string, unknown>, key?: string) => Promise<Reply>;
}

/** Each test's own project, holding the base model `clf` (two versions, production at 1, exposed to devices) and a device's fine-tune run. */
const it = test.extend<{ base: Base }>({
  base: async ({ project: p }, use) => {
    await call('/v1/models', { key: p.keys.write, json: { name: 'clf', devices: true } });
    const baseFiles = await upload(tfjsModelFiles(1), p.keys.write);
    for (let i = 0; i < 2; i++) expect((await call('/v1/models/clf/versions', { key: p.keys.write, json: { format: 'tfjs-layers', files: baseFiles } })).status).toBe(201);
    await call('/v1/models/clf/aliases/production', { key: p.keys.write, method: 'PUT', json: { version: 1 } });
    // The fine-tune's run, as a device's outbox writes it: a UUID with dashes.
    const runId = crypto.randomUUID();
    const sync = await call('/v1/sync', { key: p.keys.device, json: { items: [{ id: crypto.randomUUID(), type: 'run.create', runId, experiment: 'on-device', startTime: Date.now() }] } });
    expect(sync.body.results[0].status).toBe('applied');
    const publish: Base['publish'] = (name, json, key = p.keys.device) => call(`/v1/models/${name}/versions`, { key, json: { format: 'tfjs-layers', ...json } });
    await use({ p, runId, baseFiles, publish });
  },
});

/** The same, with device publishing turned on and a fine-tune's files uploaded by the device. */
const deviceIt = it.extend<{ candidates: Files }>({
  candidates: async ({ base }, use) => {
    expect((await setDevicePublishing(base.p, true)).status).toBe(200);
    await use(await upload(tfjsModelFiles(11), base.p.keys.device));
  },
});

describe('device publishing setting', () => {
  it('is off by default, shown on the project, and changed only by admin keys', async ({ base: { p } }) => {
    expect((await call('/v1/project', { key: p.keys.device })).body.project.devicePublishing).toBe(false);
    expectError(await call('/v1/project', { key: p.keys.write, method: 'PATCH', json: { devicePublishing: true } }), 403, 'forbidden');
    expectError(await call('/v1/project', { key: p.keys.device, method: 'PATCH', json: { devicePublishing: true } }), 403, 'forbidden');
    const on = await setDevicePublishing(p, true);
    expect(on.status).toBe(200);
    expect(on.body.project).toMatchObject({ id: p.id, devicePublishing: true });
    expect((await setDevicePublishing(p, false)).body.project.devicePublishing).toBe(false);
  });

  it('refuses uploads and publishes from publishable keys while it is off, saying how to turn it on', async ({ base: { p, runId, publish } }) => {
    const files = tfjsModelFiles(7);
    const blob = await put(files['model.json']!, p.keys.device);
    expectError(blob, 403, 'forbidden');
    expect(blob.body.error.message).toContain('does not allow device publishing');
    expect(blob.body.error.message).toContain('PATCH /v1/project {"devicePublishing": true}');
    const r = await publish('clf-device-candidates', { files: await entriesOf(files), baseModel: 'clf', baseVersion: 1, runId });
    expectError(r, 403, 'forbidden');
    expect(r.body.error.message).toMatch(/project ".+" does not allow device publishing, so publishable keys cannot publish versions: an admin key turns it on/);
    expectError(await call('/v1/models/clf-device-candidates', { key: p.keys.read }), 404, 'not_found');
  });
});

describe('publishing from a device', () => {
  deviceIt('lands in <base>-device-candidates, made on first publish and not exposed to devices, with full lineage', async ({ base: { p, runId, publish }, candidates }) => {
    const r = await publish('clf-device-candidates', { files: candidates, baseModel: 'clf', baseVersion: 1, runId, metrics: { val_acc: 0.93 } });
    expect(r.status).toBe(201);
    const hubRunId = runId.replace(/-/g, '');
    expect(r.body.version).toMatchObject({ model: 'clf-device-candidates', version: 1, baseModel: 'clf', baseVersion: 1, runId: hubRunId, aliases: [], createdBy: p.keyIds.device });
    const model = (await call('/v1/models/clf-device-candidates', { key: p.keys.read })).body.model;
    expect(model).toMatchObject({ devices: false, aliases: {}, tags: { 'outpost.base_model': 'clf' } });
    const manifest = await call('/v1/models/clf-device-candidates/versions/1/manifest', { key: p.keys.read });
    expect(manifest.body.lineage).toEqual({ runId: hubRunId, baseModel: 'clf', baseVersion: 1 });
    expect((await call('/v1/models/clf-device-candidates/versions/1', { key: p.keys.read })).body.version).toMatchObject({ baseModel: 'clf', baseVersion: 1, runId: hubRunId });
    // Not exposed: devices can neither read the candidate nor its files.
    expectError(await call('/v1/models/clf-device-candidates/versions/1/manifest', { key: p.keys.device }), 404, 'not_found');
    expectError(await call(`/v1/blobs/${candidates[1]!.digest}`, { key: p.keys.device }), 404, 'not_found');
    // The base model did not move.
    expect((await call('/v1/models/clf', { key: p.keys.read })).body.model.aliases).toEqual({ production: 1 });
  });

  deviceIt('answers a retried publish (same run, same files) with the version it made, 200 instead of 201', async ({ base: { p, runId, publish }, candidates }) => {
    const body = { files: candidates, baseModel: 'clf', baseVersion: 1, runId };
    expect((await publish('clf-device-candidates', body)).status).toBe(201);
    const again = await publish('clf-device-candidates', body);
    expect(again.status).toBe(200);
    expect(again.body.version).toMatchObject({ version: 1, baseModel: 'clf', baseVersion: 1 });
    // Files listed in another order are the same publish.
    expect((await publish('clf-device-candidates', { ...body, files: [...candidates].reverse() })).body.version.version).toBe(1);
    // Other files from the same run are another version.
    const other = await upload(tfjsModelFiles(12), p.keys.device);
    const second = await publish('clf-device-candidates', { ...body, files: other });
    expect(second.status).toBe(201);
    expect(second.body.version.version).toBe(2);
    expect((await call('/v1/models/clf-device-candidates/versions', { key: p.keys.read })).body.versions).toHaveLength(2);
  });

  deviceIt('makes one version of two identical publishes sent at once', async ({ base: { p, runId, publish }, candidates }) => {
    expect((await publish('clf-device-candidates', { files: candidates, baseModel: 'clf', baseVersion: 1, runId })).status).toBe(201);
    const files = await upload(tfjsModelFiles(14), p.keys.device);
    const twins = await Promise.all([0, 1].map(() => publish('clf-device-candidates', { files, baseModel: 'clf', baseVersion: 1, runId })));
    expect(twins.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(twins[0]!.body.version.version).toBe(twins[1]!.body.version.version);
  });

  deviceIt('never moves an alias from a publishable key', async ({ base: { p, runId, publish }, candidates }) => {
    expect((await publish('clf-device-candidates', { files: candidates, baseModel: 'clf', baseVersion: 1, runId })).status).toBe(201);
    const r = await publish('clf-device-candidates', { files: candidates, baseModel: 'clf', baseVersion: 1, runId, alias: 'production' });
    expectError(r, 403, 'forbidden');
    expect(r.body.error.message).toContain('publishable keys cannot move aliases (asked for "production")');
    expectError(await call('/v1/models/clf-device-candidates/aliases/staging', { key: p.keys.device, method: 'PUT', json: { version: 1 } }), 403, 'forbidden');
    expectError(await call('/v1/models/clf/aliases/production', { key: p.keys.device, method: 'PUT', json: { version: 2 } }), 403, 'forbidden');
    expect((await call('/v1/models/clf', { key: p.keys.read })).body.model.aliases).toEqual({ production: 1 });
    expect((await call('/v1/models/clf-device-candidates', { key: p.keys.read })).body.model.aliases).toEqual({});
  });

  deviceIt('publishes only into the device-candidates model of the base, naming the one allowed', async ({ base: { runId, publish }, candidates }) => {
    const r = await publish('clf', { files: candidates, baseModel: 'clf', baseVersion: 1, runId });
    expectError(r, 403, 'forbidden');
    expect(r.body.error.message).toBe('publishable keys publish fine-tunes of "clf" only into "clf-device-candidates", not "clf"');
    expectError(await publish('elsewhere', { files: candidates, baseModel: 'clf', baseVersion: 1, runId }), 403, 'forbidden');
  });

  deviceIt('needs the whole lineage, a base exposed to devices, and a base version that exists', async ({ base: { p, runId, publish }, candidates }) => {
    const missing = await publish('clf-device-candidates', { files: candidates, baseModel: 'clf' });
    expectError(missing, 400, 'bad_request');
    expect(missing.body.error.message).toContain('baseVersion, runId missing');
    await call('/v1/models', { key: p.keys.write, json: { name: 'hidden' } });
    const hidden = await publish('hidden-device-candidates', { files: candidates, baseModel: 'hidden', baseVersion: 1, runId });
    expectError(hidden, 404, 'not_found');
    expect(hidden.body.error.message).toContain('not exposed to devices');
    const noVersion = await publish('clf-device-candidates', { files: candidates, baseModel: 'clf', baseVersion: 9, runId });
    expectError(noVersion, 404, 'not_found');
    expect(noVersion.body.error.message).toBe('model "clf" has no version 9');
    expectError(await publish('clf-device-candidates', { files: candidates, baseModel: 'clf', baseVersion: 1, runId: crypto.randomUUID() }), 404, 'not_found');
  });

  deviceIt('makes a device send the bytes of a blob the project already has', async ({ base: { p }, candidates }) => {
    const bytes = tfjsModelFiles(11)['model.json']!;
    expect(candidates.map((f) => f.path)).toContain('model.json');
    const digest = `sha256:${await sha256Hex(bytes)}`;
    const empty = await call(`/v1/blobs/${digest}`, { key: p.keys.device, method: 'PUT', body: new Uint8Array(0) });
    expectError(empty, 422, 'digest_mismatch');
    const real = await call(`/v1/blobs/${digest}`, { key: p.keys.device, method: 'PUT', body: bytes });
    expect(real.status).toBe(200);
    expect(real.body).toEqual({ digest, size: bytes.byteLength, created: false });
  });

  deviceIt('can be done from a page on another origin: publish routes answer preflights and send CORS headers', async ({ base: { p, runId }, candidates }) => {
    const origin = 'https://shop.example';
    for (const path of ['/v1/models', '/v1/models/clf-device-candidates/versions']) {
      const r = await call(path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
      expect(r.status, path).toBe(204);
      expect(r.headers.get('access-control-allow-origin')).toBe(origin);
    }
    const first = await call('/v1/models/clf-device-candidates/versions', { key: p.keys.device, headers: { origin }, json: { format: 'tfjs-layers', files: candidates, baseModel: 'clf', baseVersion: 1, runId } });
    expect(first.status).toBe(201);
    expect(first.headers.get('access-control-allow-origin')).toBe(origin);
    const again = await call('/v1/models/clf-device-candidates/versions', { key: p.keys.device, headers: { origin }, json: { format: 'tfjs-layers', files: candidates, baseModel: 'clf', baseVersion: 1, runId } });
    expect(again.status).toBe(200);
    expect(again.headers.get('access-control-allow-origin')).toBe(origin);
  });

  deviceIt('stops at once when the project turns device publishing off again', async ({ base: { p, runId, publish }, candidates }) => {
    await setDevicePublishing(p, false);
    expectError(await publish('clf-device-candidates', { files: candidates, baseModel: 'clf', baseVersion: 1, runId }), 403, 'forbidden');
    expectError(await put(tfjsModelFiles(13)['model.json']!, p.keys.device), 403, 'forbidden');
  });
});

describe('publishing a fine-tune with a secret key', () => {
  it('goes into any model with an alias, recording base model, base version and run', async ({ base: { p, runId, publish } }) => {
    await call('/v1/models', { key: p.keys.write, json: { name: 'clf-personal' } });
    const files = await upload(tfjsModelFiles(21), p.keys.write);
    const r = await publish('clf-personal', { files, baseModel: 'clf', baseVersion: 2, runId, alias: 'staging' }, p.keys.write);
    expect(r.status).toBe(201);
    expect(r.body.version).toMatchObject({ model: 'clf-personal', version: 1, baseModel: 'clf', baseVersion: 2, aliases: ['staging'] });
    const manifest = await call('/v1/models/clf-personal@staging/manifest', { key: p.keys.read });
    expect(manifest.body).toMatchObject({ version: 1, lineage: { baseModel: 'clf', baseVersion: 2, runId: runId.replace(/-/g, '') } });
    const history = (await call('/v1/models/clf-personal/history', { key: p.keys.read })).body.events;
    expect(history).toMatchObject([{ alias: 'staging', from: null, to: 1, actor: { type: 'key', id: p.keyIds.write, name: 'writer' }, reason: 'published' }]);
  });

  it('makes <base>-device-candidates on first publish for secret keys too, but not other missing models', async ({ base: { p, publish } }) => {
    const files = await upload(tfjsModelFiles(22), p.keys.write);
    await call('/v1/models', { key: p.keys.write, json: { name: 'clf2' } });
    await publish('clf2', { files }, p.keys.write);
    expect((await publish('clf2-device-candidates', { files, baseModel: 'clf2', baseVersion: 1 }, p.keys.write)).status).toBe(201);
    expectError(await publish('nowhere', { files, baseModel: 'clf2', baseVersion: 1 }, p.keys.write), 404, 'not_found');
  });

  it('keeps a same-model base as before, and refuses a base model without its version', async ({ base: { p, publish, baseFiles } }) => {
    const again = await publish('clf', { files: baseFiles, baseVersion: 1 }, p.keys.write);
    expect(again.body.version).toMatchObject({ model: 'clf', baseModel: 'clf', baseVersion: 1, runId: null });
    await call('/v1/models', { key: p.keys.write, json: { name: 'clf-personal' } });
    const r = await publish('clf-personal', { files: baseFiles, baseModel: 'clf' }, p.keys.write);
    expectError(r, 400, 'bad_request');
    expect(r.body.error.message).toContain('baseModel "clf" needs baseVersion');
  });

  it('makes a new version for each publish without a run, as pushes do', async ({ base: { p, publish, baseFiles } }) => {
    const a = await publish('clf', { files: baseFiles }, p.keys.write);
    const b = await publish('clf', { files: baseFiles }, p.keys.write);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.version.version).toBe(a.body.version.version + 1);
  });
});
