import { z } from 'zod';
import { OutpostError } from '../../../shared/errors.js';
import { alreadyApplied, applyOnce } from '../../../hub/core/idempotency.js';
import { syncHandler, SyncDispatcher } from '../../../hub/core/sync/dispatcher.js';
import { appliedWrites } from '../../../hub/db/schema.js';
import { describe, expect, test } from '../../helpers/app.js';

/** A domain that registers a new item type, as feature pushes or runner reports will. */
function noteDomain() {
  const applied: string[] = [];
  const handlers = {
    description: 'Notes are kept in memory.',
    handlers: {
      'note.add': syncHandler({
        schema: z.object({ id: z.string().min(8), type: z.literal('note.add'), text: z.string().min(1) }),
        async apply(s, item, record) {
          if (item.text === 'forbidden') throw new OutpostError(403, 'forbidden', 'notes may not say that');
          if (item.text === 'crash') throw new Error('the disk is on fire');
          await s.db.batch([record]);
          applied.push(item.text);
        },
      }),
    },
  };
  return { applied, handlers };
}

describe('the sync dispatcher', () => {
  test('dispatches an item of a newly registered type to its handler, once', async ({ hub }) => {
    const notes = noteDomain();
    const sync = new SyncDispatcher().register(notes.handlers);
    const item = { id: 'note-0001', type: 'note.add', text: 'hello' };
    expect(await sync.apply(hub.scope, [item])).toEqual({ results: [{ id: 'note-0001', status: 'applied' }] });
    expect(await sync.apply(hub.scope, [item])).toEqual({ results: [{ id: 'note-0001', status: 'duplicate' }] });
    expect(notes.applied).toEqual(['hello']);
    expect(await alreadyApplied(hub.scope, 'sync:note-0001')).toBe(true);
  });

  test('rejects alone an item of an unknown type, one with bad fields, and one its handler refuses', async ({ hub }) => {
    const notes = noteDomain();
    const sync = new SyncDispatcher().register(notes.handlers);
    const { results } = await sync.apply(hub.scope, [
      { id: 'note-0002', type: 'note.delete' },
      { id: 'note-0003', type: 'note.add', text: '' },
      { id: 'note-0004', type: 'note.add', text: 'forbidden' },
      { id: 'note-0005', type: 'note.add', text: 'kept' },
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'applied']);
    expect(results[0]!.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('note.add') });
    expect(results[1]!.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('text') });
    expect(results[2]!.error).toEqual({ code: 'forbidden', message: 'notes may not say that' });
    expect(notes.applied).toEqual(['kept']);
    expect(await alreadyApplied(hub.scope, 'sync:note-0004')).toBe(false);
  });

  test('lets an unexpected failure through rather than reporting it as the client’s fault', async ({ hub }) => {
    const sync = new SyncDispatcher().register(noteDomain().handlers);
    await expect(sync.apply(hub.scope, [{ id: 'note-0006', type: 'note.add', text: 'crash' }])).rejects.toThrow('the disk is on fire');
  });

  test('refuses a type two domains register', () => {
    const sync = new SyncDispatcher().register(noteDomain().handlers);
    expect(() => sync.register(noteDomain().handlers)).toThrow('"note.add" is registered twice');
    expect(sync.types).toEqual(['note.add']);
  });
});

describe('the idempotency ledger', () => {
  test('applies concurrent twins of one write once, reporting the other a duplicate', async ({ hub }) => {
    const write = { id: 'log:twin-0001', kind: 'log' };
    const twin = () => applyOnce(hub.scope, write, async (record) => void (await hub.scope.db.batch([record])));
    const outcomes = await Promise.all([twin(), twin(), twin()]);
    expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1);
    expect(outcomes.filter((o) => o.duplicate)).toHaveLength(2);
    expect(await hub.scope.db.select().from(appliedWrites)).toHaveLength(1);
  });

  test('records nothing when the write fails, so the client may send it again', async ({ hub }) => {
    const write = { id: 'log:fails-0001', kind: 'log' };
    await expect(applyOnce(hub.scope, write, async () => Promise.reject(new OutpostError(400, 'bad_request', 'no')))).rejects.toThrow('no');
    expect(await alreadyApplied(hub.scope, write.id)).toBe(false);
    expect(await applyOnce(hub.scope, write, async (record) => void (await hub.scope.db.batch([record])))).toEqual({ duplicate: false, value: undefined });
  });
});
