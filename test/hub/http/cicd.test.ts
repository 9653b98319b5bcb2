import { describe, expect } from 'vitest';
import { call, expectError, hub, newProject, sha256Hex, type TestProject } from '../../helpers/client.js';
import { test as it } from '../../helpers/fixtures.js';
import { startReceiver, until } from '../../helpers/webhook-receiver.js';

const signature = { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 4] }], outputs: [{ name: 'y', dtype: 'float32', shape: [-1, 2] }] };

/** A model with one version per metrics object (1, 2, …), all of one uploaded file. */
async function modelWith(p: TestProject, name: string, ...metrics: Array<Record<string, number>>) {
  const bytes = new TextEncoder().encode(`weights of ${name}`) as Uint8Array<ArrayBuffer>;
  const digest = `sha256:${await sha256Hex(bytes)}`;
  await call(`/v1/blobs/${digest}`, { key: p.keys.write, method: 'PUT', body: bytes });
  await call('/v1/models', { key: p.keys.write, json: { name } });
  for (const m of metrics) {
    const r = await call(`/v1/models/${name}/versions`, { key: p.keys.write, json: { format: 'onnx', files: [{ path: 'model.onnx', digest, size: bytes.byteLength }], signature, metrics: m } });
    expect(r.status, r.text).toBe(201);
  }
  return { digest, size: bytes.byteLength };
}

const move = (p: TestProject, name: string, alias: string, json: Record<string, unknown>, key = p.keys.write) => call(`/v1/models/${name}/aliases/${alias}`, { key, method: 'PUT', json });

describe('promotion gates', () => {
  it('judges a version against thresholds and a baseline alias, metric by metric', async ({ project: p }) => {
    await modelWith(p, 'digits', { accuracy: 0.9, loss: 0.3 }, { accuracy: 0.93, loss: 0.35 });
    await move(p, 'digits', 'production', { version: 1 });
    const r = await call('/v1/models/digits/gate', {
      key: p.keys.read,
      json: { candidate: 2, against: 'production', rules: [{ metric: 'accuracy', threshold: 0.9, minRelativeChange: 0.01 }, { metric: 'loss', minAbsoluteChange: 0.01, greaterIsBetter: false }] },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ passed: false, candidate: { version: 2, metricsFrom: 'version' }, baseline: { version: 1 } });
    expect(r.body.results.map((x: { metric: string; passed: boolean; value: number; baseline: number }) => [x.metric, x.passed, x.value, x.baseline])).toEqual([
      ['accuracy', true, 0.93, 0.9],
      ['loss', false, 0.35, 0.3],
    ]);
  });

  it('fails a candidate without the metric, and answers 404 for an unknown baseline alias unless allowed to go without', async ({ project: p }) => {
    await modelWith(p, 'm', { accuracy: 0.9 });
    const missing = await call('/v1/models/m/gate', { key: p.keys.read, json: { candidate: 1, rules: [{ metric: 'f1', threshold: 0.5 }] } });
    expect(missing.body.results[0]).toMatchObject({ passed: false, value: null, failures: ['the candidate has no metric "f1"'] });
    const noAlias = await call('/v1/models/m/gate', { key: p.keys.read, json: { candidate: 1, against: 'production', rules: [{ metric: 'accuracy', minRelativeChange: 0.1 }] } });
    expectError(noAlias, 404, 'not_found');
    const without = await call('/v1/models/m/gate', { key: p.keys.read, json: { candidate: 1, against: 'production', allowMissingBaseline: true, rules: [{ metric: 'accuracy', minRelativeChange: 0.1 }] } });
    expect(without.body).toMatchObject({ passed: true, baseline: null });
  });

  it('refuses bad rules with a 400 naming them', async ({ project: p }) => {
    await modelWith(p, 'm', { a: 1 });
    for (const rule of [{ metric: 'a' }, { metric: 'a', minAbsoluteChange: 0 }, { metric: 'a', minRelativeChange: 2 }, { metric: '', threshold: 1 }]) {
      const r = await call('/v1/models/m/gate', { key: p.keys.read, json: { candidate: 1, rules: [rule] } });
      expectError(r, 400, 'validation_failed');
    }
    expectError(await call('/v1/models/m/gate', { key: p.keys.read, json: { candidate: 1, rules: [] } }), 400, 'validation_failed');
  });
});

describe('alias policies', () => {
  it('stores, reads and removes a policy; sending it twice stores it once', async ({ project: p }) => {
    await modelWith(p, 'pol', { accuracy: 0.9 });
    const path = '/v1/models/pol/aliases/production/policy';
    expectError(await call(path, { key: p.keys.read }), 404, 'not_found');
    const policy = { rules: [{ metric: 'accuracy', threshold: 0.8 }] };
    for (let i = 0; i < 2; i++) expect((await call(path, { key: p.keys.write, method: 'PUT', json: policy })).status).toBe(200);
    expect((await call(path, { key: p.keys.read })).body.policy).toMatchObject({ alias: 'production', rules: policy.rules, baseline: null, updatedBy: p.keyIds.write });
    expect((await call('/v1/models/pol/policies', { key: p.keys.read })).body.policies.map((x: { alias: string }) => x.alias)).toEqual(['production']);
    expectError(await call(path, { key: p.keys.write, method: 'PUT', json: { rules: policy.rules, baseline: 9 } }), 404, 'not_found');
    expectError(await call(path, { key: p.keys.read, method: 'PUT', json: policy }), 403, 'forbidden');
    expect((await call(path, { key: p.keys.write, method: 'DELETE' })).status).toBe(200);
    expectError(await call(path, { key: p.keys.write, method: 'DELETE' }), 404, 'not_found');
    // A model deleted with a policy takes the policy with it.
    await call(path, { key: p.keys.write, method: 'PUT', json: policy });
    expect((await call('/v1/models/pol', { key: p.keys.write, method: 'DELETE' })).status).toBe(200);
  });

  it('refuses a move to a failing version with a 409 listing the failures, and lets a passing one through', async ({ project: p }) => {
    await modelWith(p, 'gated', { accuracy: 0.9 }, { accuracy: 0.85 }, { accuracy: 0.95 });
    expect((await move(p, 'gated', 'production', { version: 1 })).status).toBe(200);
    await call('/v1/models/gated/aliases/production/policy', { key: p.keys.write, method: 'PUT', json: { rules: [{ metric: 'accuracy', minAbsoluteChange: 0.01 }] } });
    const refused = await move(p, 'gated', 'production', { version: 2 });
    expectError(refused, 409, 'conflict');
    expect(refused.body.error.message).toContain('fails the policy of alias "production"');
    expect(refused.body.error.details).toMatchObject({ baselineVersion: 1, failures: [{ metric: 'accuracy', value: 0.85, baseline: 0.9, passed: false }] });
    expect((await call('/v1/models/gated', { key: p.keys.read })).body.model.aliases.production).toBe(1);
    const ok = await move(p, 'gated', 'production', { version: 3 });
    expect(ok.body).toMatchObject({ from: 1, to: 3, moved: true });
  });

  it('lets only an admin force a failing move, with a reason, and records the force in the history', async ({ project: p }) => {
    await modelWith(p, 'forced', { accuracy: 0.9 }, { accuracy: 0.5 });
    await move(p, 'forced', 'production', { version: 1 });
    await call('/v1/models/forced/aliases/production/policy', { key: p.keys.write, method: 'PUT', json: { rules: [{ metric: 'accuracy', threshold: 0.8 }] } });
    expectError(await move(p, 'forced', 'production', { version: 2, force: true, reason: 'hotfix' }), 403, 'forbidden');
    expectError(await move(p, 'forced', 'production', { version: 2, force: true }, p.keys.admin), 400, 'bad_request');
    const forced = await move(p, 'forced', 'production', { version: 2, force: true, reason: 'hotfix for a crash' }, p.keys.admin);
    expect(forced.body).toMatchObject({ from: 1, to: 2, forced: true });
    const [last] = (await call('/v1/models/forced/history?alias=production', { key: p.keys.read })).body.events;
    expect(last).toMatchObject({ from: 1, to: 2, forced: true, reason: 'hotfix for a crash', actor: { type: 'key', id: p.keyIds.admin, name: 'admin' } });
    // Rolling back to version 1 passes the gate; no force needed.
    expect((await call('/v1/models/forced/aliases/production/rollback', { key: p.keys.write, json: {} })).body).toMatchObject({ to: 1, moved: true });
  });

  it('gates a publish that names the alias before storing the version, and an MLflow alias set too', async ({ project: p }) => {
    const file = await modelWith(p, 'pub', { accuracy: 0.9 });
    await call('/v1/models/pub/aliases/staging/policy', { key: p.keys.write, method: 'PUT', json: { rules: [{ metric: 'accuracy', threshold: 0.8 }] } });
    const refused = await call('/v1/models/pub/versions', { key: p.keys.write, json: { format: 'onnx', files: [{ path: 'model.onnx', ...file }], signature, metrics: { accuracy: 0.7 }, alias: 'staging' } });
    expectError(refused, 409, 'conflict');
    expect((await call('/v1/models/pub/versions', { key: p.keys.read })).body.versions).toHaveLength(1);
    await call('/v1/models/pub/versions', { key: p.keys.write, json: { format: 'onnx', files: [{ path: 'model.onnx', ...file }], signature, metrics: { accuracy: 0.7 } } });
    const mlflow = await call('/api/2.0/mlflow/registered-models/alias', { key: p.keys.write, json: { name: 'pub', alias: 'staging', version: '2' } });
    // MLflow's shape: a 409 of ours is its RESOURCE_ALREADY_EXISTS-style 400.
    expect(mlflow.status).toBe(400);
    expect(mlflow.body.message).toContain('fails the policy');
    expect((await call('/v1/models/pub', { key: p.keys.read })).body.model.aliases.staging).toBeUndefined();
  });

  it('compares with a fixed baseline version or another alias when the policy names one', async ({ project: p }) => {
    await modelWith(p, 'base', { accuracy: 0.8 }, { accuracy: 0.9 }, { accuracy: 0.85 });
    await move(p, 'base', 'production', { version: 2 });
    await call('/v1/models/base/aliases/staging/policy', { key: p.keys.write, method: 'PUT', json: { rules: [{ metric: 'accuracy', minAbsoluteChange: 0.01 }], baseline: 'production' } });
    expectError(await move(p, 'base', 'staging', { version: 3 }), 409, 'conflict');
    await call('/v1/models/base/aliases/staging/policy', { key: p.keys.write, method: 'PUT', json: { rules: [{ metric: 'accuracy', minAbsoluteChange: 0.01 }], baseline: 1 } });
    expect((await move(p, 'base', 'staging', { version: 3 })).status).toBe(200);
  });
});

describe('webhook subscriptions', () => {
  it('creates a subscription with a secret shown once; lists, updates and deletes it; admin keys only', async ({ project: p }) => {
    const created = await call('/v1/webhooks', { key: p.keys.admin, json: { url: 'https://hooks.example.com/outpost', events: ['alias.moved', 'rollout.completed'] } });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^wh_/), secret: expect.stringMatching(/^whsec_/), events: ['alias.moved', 'rollout.completed'] });
    const id = created.body.id;
    const listed = await call('/v1/webhooks', { key: p.keys.admin });
    expect(listed.body.webhooks).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    expect((await call(`/v1/webhooks/${id}`, { key: p.keys.admin })).body.webhook.secret).toBeUndefined();
    expectError(await call('/v1/webhooks', { key: p.keys.write }), 403, 'forbidden');
    const patched = await call(`/v1/webhooks/${id}`, { key: p.keys.admin, method: 'PATCH', json: { events: ['run.finished'] } });
    expect(patched.body.webhook.events).toEqual(['run.finished']);
    expect((await call(`/v1/webhooks/${id}`, { key: p.keys.admin, method: 'DELETE' })).status).toBe(200);
    expectError(await call(`/v1/webhooks/${id}`, { key: p.keys.admin }), 404, 'not_found');
    const other = await newProject('other');
    expectError(await call(`/v1/webhooks/${id}`, { key: other.keys.admin }), 404, 'not_found');
  });

  it('refuses a URL that is not http(s) and events it does not know, naming the field', async ({ project: p }) => {
    for (const json of [{ url: 'ftp://example.com/x', events: ['alias.moved'] }, { url: 'example.com', events: ['alias.moved'] }, { url: 'https://example.com', events: ['model.deleted'] }, { url: 'https://example.com', events: [] }]) {
      const r = await call('/v1/webhooks', { key: p.keys.admin, json });
      expectError(r, 400, 'validation_failed');
      expect(r.body.error.details[0].path).toMatch(/^(url|events)/);
    }
  });

  it('delivers alias.moved and model_version.created to a receiver, signed', async ({ project: p }) => {
    const receiver = await startReceiver();
    try {
      const sub = await call('/v1/webhooks', { key: p.keys.admin, json: { url: receiver.url, events: ['alias.moved', 'model_version.created'] } });
      await modelWith(p, 'hooked', { accuracy: 0.9 });
      await move(p, 'hooked', 'production', { version: 1, reason: 'first' });
      await until(() => receiver.received.length >= 2, 15_000, 'two deliveries');
      const events = receiver.verified(sub.body.secret);
      expect(events.map((e) => e.type).sort()).toEqual(['alias.moved', 'model_version.created']);
      expect(events.find((e) => e.type === 'alias.moved')!.data).toMatchObject({ model: 'hooked', alias: 'production', from: null, to: 1, reason: 'first' });
      const log = await until(async () => {
        const d = (await call(`/v1/webhooks/${sub.body.id}/deliveries`, { key: p.keys.admin })).body.deliveries;
        return d.length === 2 && d.every((x: { state: string }) => x.state === 'succeeded') && d;
      }, 15_000, 'the log');
      expect(log[0].log[0]).toMatchObject({ status: 200 });
    } finally {
      await receiver.close();
    }
  });

  it('retries a delivery the receiver answered with a 500, under the same webhook-id (Node: the timer loop; Workers: the cron trigger)', async ({ project: p }) => {
    const receiver = await startReceiver([{ status: 500 }]);
    try {
      const sub = await call('/v1/webhooks', { key: p.keys.admin, json: { url: receiver.url, events: ['alias.moved'] } });
      await modelWith(p, 'retried', { accuracy: 0.9 });
      await move(p, 'retried', 'production', { version: 1 });
      await until(async () => {
        if (hub.runtime === 'workerd') await fetch(`${hub.url}/__scheduled?cron=*+*+*+*+*`);
        return receiver.received.length >= 2;
      }, 20_000, 'the retry');
      expect(receiver.received.map((r) => r.status)).toEqual([500, 200]);
      expect(receiver.received[1]!.id).toBe(receiver.received[0]!.id);
      receiver.verified(sub.body.secret);
    } finally {
      await receiver.close();
    }
  });
});
