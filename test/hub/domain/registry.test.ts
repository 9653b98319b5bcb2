import { createHash } from 'node:crypto';
import type { Digest } from '../../../shared/digest.js';
import type { CreateVersion } from '../../../shared/schemas/registry.js';
import { recordProjectBlob } from '../../../hub/blobs/access.js';
import { aliasHistory, deleteAlias, moveAlias, rollbackAlias } from '../../../hub/registry/aliases.js';
import { createModel, findModel, toModel } from '../../../hub/registry/models.js';
import { parseModelRef } from '../../../shared/refs.js';
import { resolveModelRef } from '../../../hub/registry/refs.js';
import { createVersion, listVersions } from '../../../hub/registry/versions.js';
import { describe, expect, test, type InProcessHub } from '../../helpers/app.js';

const signature = { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 4] }], outputs: [{ name: 'y', dtype: 'float32', shape: [-1, 2] }] };

/** Uploads bytes through the store and records them for the project, as PUT /v1/blobs does. */
async function upload(hub: InProcessHub, text: string) {
  const bytes = new TextEncoder().encode(text);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
  await hub.blobs.write(digest, new Blob([bytes]).stream(), { maxBytes: 1 << 20 });
  await recordProjectBlob(hub.scope, digest, bytes.byteLength);
  return { path: 'model.onnx', digest, size: bytes.byteLength };
}

const versionOf = async (hub: InProcessHub, name: string, text: string, extra: Partial<CreateVersion> = {}) =>
  (await createVersion(hub.scope, await findModel(hub.scope, name), 'tester', { format: 'onnx', files: [await upload(hub, text)], signature, ...extra })).version;

/** A model with versions 1…n, each of its own file. */
async function modelWithVersions(hub: InProcessHub, name: string, n: number) {
  const model = await createModel(hub.scope, 'tester', { name });
  for (let v = 1; v <= n; v++) await versionOf(hub, name, `${name} weights ${v}`);
  return model;
}

describe('models and versions', () => {
  test('creates a model once: the same name again is a 409', async ({ hub }) => {
    const made = await createModel(hub.scope, 'tester', { name: 'digits', tags: { task: 'ocr' } });
    expect(await toModel(hub.scope, made)).toMatchObject({ name: 'digits', tags: { task: 'ocr' }, aliases: {}, latestVersion: null, devices: false });
    expect(await findModel(hub.scope, 'digits')).toEqual(made);
    await expect(createModel(hub.scope, 'tester', { name: 'digits' })).rejects.toMatchObject({ status: 409, message: 'model "digits" already exists' });
  });

  test('numbers versions 1, 2, 3 and keeps their files, signature and lineage', async ({ hub }) => {
    const model = await createModel(hub.scope, 'tester', { name: 'digits' });
    const first = await versionOf(hub, 'digits', 'one');
    const second = await versionOf(hub, 'digits', 'two', { metrics: { acc: 0.9 } });
    const third = await versionOf(hub, 'digits', 'three', { baseVersion: 2 });
    expect([first.version, second.version, third.version]).toEqual([1, 2, 3]);
    expect(third).toMatchObject({ model: 'digits', baseModel: 'digits', baseVersion: 2, signature, createdBy: 'tester' });
    const listed = await listVersions(hub.scope, model);
    expect((await toModel(hub.scope, model)).latestVersion).toBe(3);
    expect(listed.map((v) => [v.version, v.files[0]!.size, v.metrics])).toEqual([
      [1, 3, {}],
      [2, 3, { acc: 0.9 }],
      [3, 5, {}],
    ]);
  });

  test('refuses a version whose files are not uploaded (409 listing them) or whose sizes do not match (400)', async ({ hub }) => {
    const model = await createModel(hub.scope, 'tester', { name: 'digits' });
    const missing = `sha256:${'0'.repeat(64)}`;
    await expect(createVersion(hub.scope, model, 'tester', { format: 'onnx', files: [{ path: 'model.onnx', digest: missing, size: 1 }], signature })).rejects.toMatchObject({
      status: 409,
      details: { missing: [missing] },
    });
    const file = await upload(hub, 'four bytes');
    await expect(createVersion(hub.scope, model, 'tester', { format: 'onnx', files: [{ ...file, size: 99 }], signature })).rejects.toMatchObject({ status: 400 });
    expect(await listVersions(hub.scope, model)).toEqual([]);
  });
});

describe('aliases', () => {
  test('moves an alias, records each move, and changes nothing when it already points there', async ({ hub }) => {
    const model = await modelWithVersions(hub, 'digits', 3);
    expect(await moveAlias(hub.scope, model, 'production', 1, 'kim', 'first')).toEqual({ alias: 'production', from: null, to: 1, moved: true });
    expect(await moveAlias(hub.scope, model, 'production', 3, 'lee', 'better')).toEqual({ alias: 'production', from: 1, to: 3, moved: true });
    expect(await moveAlias(hub.scope, model, 'production', 3, 'lee')).toEqual({ alias: 'production', from: 3, to: 3, moved: false });
    expect((await aliasHistory(hub.scope, model, 'production')).map((e) => [e.from, e.to, e.actor, e.reason])).toEqual([
      [1, 3, 'lee', 'better'],
      [null, 1, 'kim', 'first'],
    ]);
    await expect(moveAlias(hub.scope, model, 'production', 9, 'kim')).rejects.toMatchObject({ status: 404, message: 'model "digits" has no version 9' });
  });

  test('rolls an alias back to where its last move came from, and refuses with 409 when there is nowhere to go', async ({ hub }) => {
    const model = await modelWithVersions(hub, 'digits', 3);
    await moveAlias(hub.scope, model, 'production', 1, 'kim');
    await moveAlias(hub.scope, model, 'production', 2, 'kim');
    await moveAlias(hub.scope, model, 'production', 3, 'kim');
    expect(await rollbackAlias(hub.scope, model, 'production', 'ops')).toEqual({ alias: 'production', from: 3, to: 2, moved: true });
    expect((await resolveModelRef(hub.scope, parseModelRef('digits@production'))).version.version).toBe(2);
    // A rollback is itself a move: rolling back again undoes it.
    expect(await rollbackAlias(hub.scope, model, 'production', 'ops')).toMatchObject({ from: 2, to: 3 });
    expect((await aliasHistory(hub.scope, model, 'production'))[1]).toMatchObject({ from: 3, to: 2, actor: 'ops', reason: 'rollback from version 3' });

    await moveAlias(hub.scope, model, 'staging', 1, 'kim');
    await expect(rollbackAlias(hub.scope, model, 'staging', 'ops')).rejects.toMatchObject({ status: 409, message: 'alias "staging" of model "digits" has no earlier version to roll back to' });
    await expect(rollbackAlias(hub.scope, model, 'canary', 'ops')).rejects.toMatchObject({ status: 404 });
  });

  test('resolves name@alias, name/N and a bare name (production), and lists the aliases there are when one is unknown', async ({ hub }) => {
    const model = await modelWithVersions(hub, 'digits', 2);
    await moveAlias(hub.scope, model, 'production', 2, 'kim');
    await moveAlias(hub.scope, model, 'staging', 1, 'kim');
    const version = async (ref: string) => (await resolveModelRef(hub.scope, parseModelRef(ref))).version.version;
    expect([await version('digits@staging'), await version('digits/1'), await version('digits')]).toEqual([1, 1, 2]);
    await expect(version('digits@prod')).rejects.toMatchObject({ status: 404, message: 'model "digits" has no alias "prod" (aliases: production, staging)' });
  });

  test('deletes an alias, recording it, so the ref no longer resolves', async ({ hub }) => {
    const model = await modelWithVersions(hub, 'digits', 1);
    await moveAlias(hub.scope, model, 'production', 1, 'kim');
    expect(await deleteAlias(hub.scope, model, 'production', 'kim', 'retired')).toEqual({ alias: 'production', from: 1, to: null, moved: true });
    expect((await aliasHistory(hub.scope, model))[0]).toMatchObject({ alias: 'production', from: 1, to: null, reason: 'retired' });
    await expect(resolveModelRef(hub.scope, parseModelRef('digits@production'))).rejects.toMatchObject({ status: 404, message: 'model "digits" has no alias "production" (it has no aliases yet)' });
  });
});
