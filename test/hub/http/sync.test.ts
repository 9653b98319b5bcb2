import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectError, newProject, type TestProject } from '../../helpers/client.js';

let p: TestProject;
let other: TestProject;
beforeAll(async () => {
  [p, other] = await Promise.all([newProject('sync'), newProject('sync-other')]);
});

const uuid = () => crypto.randomUUID();
const sync = (items: unknown[], key = p.keys.device) => call('/v1/sync', { key, json: { items } });
const runOf = async (runId: string) => (await call(`/v1/runs/${runId.replace(/-/g, '')}`, { key: p.keys.read })).body.run;

describe('device sync', () => {
  it('applies an outbox batch with a publishable key, and a replay changes nothing', async () => {
    const runId = uuid();
    const items = [
      { id: uuid(), type: 'run.create', runId, experiment: 'on-device', name: 'tab-1', startTime: 1_700_000_000_000, deviceId: 'dev-1', params: { lr: '0.01' } },
      { id: uuid(), type: 'run.log', runId, metrics: [{ key: 'loss', steps: [0, 1, 2], values: [3, 2, 1], timestamps: [1, 2, 3] }] },
      { id: uuid(), type: 'run.finish', runId, status: 'FINISHED', endTime: 1_700_000_100_000 },
    ];
    const first = await sync(items);
    expect(first.status).toBe(200);
    expect(first.body.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied', 'applied']);
    const replay = await sync(items);
    expect(replay.body.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    const run = await runOf(runId);
    expect(run).toMatchObject({ name: 'tab-1', status: 'FINISHED', endTime: 1_700_000_100_000, source: 'browser', deviceId: 'dev-1', params: { lr: '0.01' } });
    expect(run.metrics.loss).toMatchObject({ count: 3, value: 1, step: 2 });
    const experiments = (await call('/v1/experiments', { key: p.keys.read })).body.experiments;
    expect(experiments.find((e: { id: string }) => e.id === run.experimentId).name).toBe('on-device');
  });

  it('ends up right when a metric and the finish arrive before the run create', async () => {
    const runId = uuid();
    const log = { id: uuid(), type: 'run.log', runId, metrics: [{ key: 'acc', steps: [4], values: [0.8], timestamps: [10] }] };
    const finish = { id: uuid(), type: 'run.finish', runId, status: 'FAILED', endTime: 1_700_000_500_000 };
    const create = { id: uuid(), type: 'run.create', runId, experiment: 'phones', name: 'late-create', startTime: 1_700_000_000_000, params: { bs: '8' } };
    expect((await sync([log])).body.results[0].status).toBe('applied');
    expect((await sync([finish, log])).body.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'duplicate']);
    expect((await sync([create])).body.results[0].status).toBe('applied');
    const run = await runOf(runId);
    expect(run).toMatchObject({ name: 'late-create', status: 'FAILED', endTime: 1_700_000_500_000, startTime: 1_700_000_000_000, params: { bs: '8' } });
    expect(run.metrics.acc.count).toBe(1);
    const experiments = (await call('/v1/experiments', { key: p.keys.read })).body.experiments;
    expect(experiments.find((e: { id: string }) => e.id === run.experimentId).name).toBe('phones');
  });

  it('applies an item whole or not at all: a create refused for a changed param leaves the run as it was', async () => {
    const runId = uuid();
    await sync([{ id: uuid(), type: 'run.log', runId, params: { bs: '8' } }]);
    const before = await runOf(runId);
    const clash = await sync([{ id: uuid(), type: 'run.create', runId, experiment: 'elsewhere', name: 'clash', startTime: 5, params: { bs: '16' } }]);
    expect(clash.body.results[0]).toMatchObject({ status: 'rejected', error: { code: 'bad_request' } });
    const after = await runOf(runId);
    expect(after).toMatchObject({ name: before.name, experimentId: before.experimentId, startTime: before.startTime, params: { bs: '8' } });
    const fixed = { id: uuid(), type: 'run.create', runId, experiment: 'elsewhere', name: 'fixed', startTime: 5, params: { bs: '8' } };
    expect((await sync([fixed])).body.results[0].status).toBe('applied');
    expect(await runOf(runId)).toMatchObject({ name: 'fixed', startTime: 5 });
  });

  it('rejects a bad item alone, naming the field, and applies the rest', async () => {
    const runId = uuid();
    const r = await sync([
      { id: uuid(), type: 'run.create', runId, startTime: 'yesterday' },
      { id: uuid(), type: 'run.teleport', runId },
      { id: uuid(), type: 'run.create', runId, startTime: 5 },
    ]);
    expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(['rejected', 'rejected', 'applied']);
    expect(r.body.results[0].error.message).toContain('startTime');
    expect(r.body.results[1].error.message).toContain('type');
  });

  it('lets publishable keys write only device runs of their own project', async () => {
    const run = (await call('/v1/runs', { key: p.keys.write, json: { experimentId: (await call('/v1/experiments', { key: p.keys.write, json: { name: 'server-side' } })).body.experiment.id } })).body.run;
    const asUuid = `${run.id.slice(0, 8)}-${run.id.slice(8, 12)}-${run.id.slice(12, 16)}-${run.id.slice(16, 20)}-${run.id.slice(20)}`;
    const mine = await sync([{ id: uuid(), type: 'run.log', runId: asUuid, tags: { hacked: 'yes' } }]);
    expect(mine.body.results[0]).toMatchObject({ status: 'rejected', error: { code: 'forbidden' } });
    expect((await runOf(run.id)).tags).toEqual({});

    const deviceRun = uuid();
    await sync([{ id: uuid(), type: 'run.create', runId: deviceRun, startTime: 1 }]);
    const theirs = await sync([{ id: uuid(), type: 'run.log', runId: deviceRun, tags: { x: 'y' } }], other.keys.device);
    expect(theirs.body.results[0]).toMatchObject({ status: 'rejected', error: { code: 'forbidden' } });
  });

  it('refuses read keys and accepts write keys', async () => {
    expectError(await sync([{ id: uuid(), type: 'run.create', runId: uuid(), startTime: 1 }], p.keys.read), 403, 'forbidden');
    expect((await sync([{ id: uuid(), type: 'run.create', runId: uuid(), startTime: 1 }], p.keys.write)).body.results[0].status).toBe('applied');
  });

  it('documents every item type the domains registered with the dispatcher', async () => {
    const route = (await call('/openapi.json')).body.paths['/v1/sync'].post;
    for (const type of ['run.create', 'run.log', 'run.finish', 'run.datasets', 'telemetry', 'feature.push']) expect(route.summary).toContain(type);
    const r = await sync([{ id: uuid(), type: 'no.such.type', runId: uuid() }]);
    expect(r.body.results[0]).toMatchObject({ status: 'rejected', error: { code: 'validation_failed' } });
    expect(r.body.results[0].error.message).toContain('run.create, run.log, run.finish, run.datasets, telemetry, feature.push');
  });

  it('refuses an empty batch with a 400 naming items', async () => {
    const r = await sync([]);
    expectError(r, 400, 'validation_failed');
    expect(r.body.error.details[0].path).toBe('items');
  });
});
