import { describe, expect, it } from 'vitest';
import { assembleAnswer, fetchedRows } from '../../runtime/features/answer.js';
import { entityColumns, entityRowKey, entityRows, selectionKey, selectionRequest } from '../../runtime/features/entities.js';
import { DEVICE_PUSH_ROW_LIMIT, featurePushItem, pushColumns } from '../../runtime/features/push.js';

const reply = {
  metadata: { feature_names: ['driver_id', 'conv_rate', 'trips'] },
  results: [
    { values: [1, 0.5, 3], statuses: ['PRESENT', 'PRESENT', 'PRESENT'] as const, event_timestamps: ['1970-01-01T00:00:00Z', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z'] },
    { values: [2, null, null], statuses: ['PRESENT', 'NOT_FOUND', 'OUTSIDE_MAX_AGE'] as const, event_timestamps: ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '2025-01-01T00:00:00Z'] },
  ],
};
const fetched = (at: number) => fetchedRows({ ...reply, results: reply.results.map((r) => ({ ...r, statuses: [...r.statuses] })) }, 1, at);

describe('entity rows for op.features', () => {
  it('takes Feast columns or one row object, and refuses a mix or uneven columns naming the column', () => {
    expect(entityRows({ driver_id: [1, 2], city: ['a', 'b'] })).toEqual({ keys: ['driver_id', 'city'], rows: [[1, 'a'], [2, 'b']] });
    expect(entityRows({ driver_id: 7 })).toEqual({ keys: ['driver_id'], rows: [[7]] });
    expect(() => entityRows({ driver_id: [1], city: 'a' } as never)).toThrow('not a mix');
    expect(() => entityRows({ driver_id: [1, 2], city: ['a'] })).toThrow('entities.city: 1 values, but entities.driver_id has 2');
    expect(() => entityRows({ driver_id: [1, null] })).toThrow('entities.driver_id[1]: null is not a join-key value');
    expect(() => entityRows({ driver_id: [] })).toThrow('no entity rows');
  });

  it('files a row under its join keys in name order, telling 1 from "1"', () => {
    expect(entityRowKey(['b', 'a'], [2, 1])).toBe(entityRowKey(['a', 'b'], [1, 2]));
    expect(entityRowKey(['a'], [1])).not.toBe(entityRowKey(['a'], ['1']));
    expect(entityColumns(['a', 'b'], [[1, 2], [3, 4]])).toEqual({ a: [1, 3], b: [2, 4] });
  });

  it('keeps a service, a feature list and full names apart, and checks the selection', () => {
    const keys = [selectionKey('svc', false), selectionKey(['v:a'], false), selectionKey(['v:a'], true), selectionKey(['v:a', 'v:b'], false)];
    expect(new Set(keys).size).toBe(4);
    expect(selectionRequest('svc')).toEqual({ feature_service: 'svc' });
    expect(selectionRequest(['v:a'])).toEqual({ features: ['v:a'] });
    expect(() => selectionRequest(['v.a'])).toThrow('"v.a" is not a "view:field" reference');
    expect(() => selectionRequest([])).toThrow('non-empty list');
  });
});

describe('answers from the hub and the cache', () => {
  it('splits a reply into one record per entity row without the join keys, event times as epoch ms', () => {
    const [a, b] = fetched(100);
    expect(a).toEqual({ names: ['conv_rate', 'trips'], values: [0.5, 3], statuses: ['PRESENT', 'PRESENT'], eventTimes: [Date.parse('2026-01-02T03:04:05Z'), Date.parse('2026-01-02T03:04:05Z')], fetchedAt: 100 });
    expect(b!.eventTimes).toEqual([null, Date.parse('2025-01-01T00:00:00Z')]);
    expect(b!.statuses).toEqual(['NOT_FOUND', 'OUTSIDE_MAX_AGE']);
  });

  it('answers a partly cached request: rows it lacks are NOT_FOUND and stale, join keys from the request', () => {
    const [a] = fetched(100);
    const answer = assembleAnswer(['driver_id'], [[1], [9]], [{ ...a!, stale: true }, undefined])!;
    expect(answer.names).toEqual(['driver_id', 'conv_rate', 'trips']);
    expect(answer.rows[0]).toEqual({ values: [1, 0.5, 3], statuses: ['PRESENT', 'PRESENT', 'PRESENT'], eventTimes: [null, a!.eventTimes[0], a!.eventTimes[1]], stale: true, fetchedAt: 100 });
    expect(answer.rows[1]).toEqual({ values: [9, null, null], statuses: ['PRESENT', 'NOT_FOUND', 'NOT_FOUND'], eventTimes: [null, null, null], stale: true, fetchedAt: null });
    expect(answer.object(0)).toEqual({ driver_id: 1, conv_rate: 0.5, trips: 3 });
    expect(answer.objects()).toHaveLength(2);
    expect(answer.stale).toBe(true);
    expect(() => answer.object(2)).toThrow('row 2 is out of range');
  });

  it('takes the names of the newest record; a row cached under other names counts as missing; nothing found is null', () => {
    const [a, b] = fetched(100);
    const renamed = { ...b!, names: ['conv_rate', 'rides'], fetchedAt: 50, stale: true };
    const answer = assembleAnswer(['driver_id'], [[1], [2]], [{ ...a!, stale: false }, renamed])!;
    expect(answer.names).toEqual(['driver_id', 'conv_rate', 'trips']);
    expect(answer.rows.map((r) => r.fetchedAt)).toEqual([100, null]);
    expect(assembleAnswer(['driver_id'], [[1]], [undefined])).toBeNull();
  });
});

describe('device pushes', () => {
  it('takes columns, row objects or one row; Dates go as epoch ms, a missing value as null', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(pushColumns({ id: [1, 2], x: [true, false] })).toEqual({ id: [1, 2], x: [true, false] });
    expect(pushColumns([{ id: 1, ts: at }, { id: 2, x: 3 }])).toEqual({ id: [1, 2], ts: [at.getTime(), null], x: [null, 3] });
    expect(pushColumns({ id: 1, ts: at })).toEqual({ id: [1], ts: [at.getTime()] });
  });

  it('refuses uneven columns, no rows, too many rows, a bad source name or target', () => {
    expect(() => pushColumns({ id: [1, 2], x: [1] })).toThrow('rows.x: 1 values, but rows.id has 2');
    expect(() => pushColumns([])).toThrow('no columns');
    expect(() => pushColumns({ id: Array(DEVICE_PUSH_ROW_LIMIT + 1).fill(1) })).toThrow(`over the limit of ${DEVICE_PUSH_ROW_LIMIT}`);
    expect(() => featurePushItem('bad name', { id: 1 })).toThrow('push source "bad name" is not a name');
    expect(() => featurePushItem('src', { id: 1 }, { to: 'disk' as never })).toThrow('to: "disk" is not one of');
  });

  it('makes one feature.push item with its own id, online by default', () => {
    const a = featurePushItem('src', { id: 1 });
    const b = featurePushItem('src', { id: 1 }, { to: 'both' });
    expect(a).toMatchObject({ type: 'feature.push', push_source_name: 'src', df: { id: [1] }, to: 'online' });
    expect(b.to).toBe('both');
    expect(a.id).not.toBe(b.id);
  });
});
