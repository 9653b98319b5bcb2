import type { z } from 'zod';
import type { SyncResult } from '../../../shared/schemas/sync.js';
import { toOutpostError } from '../errors.js';
import { applyOnce, type RecordStatement } from '../idempotency.js';
import type { Scope } from '../scope.js';

type Item = { id: string; type: string };

/** How one type of outbox item is applied; a domain registers one for each type it owns. */
export interface SyncHandler<T extends Item> {
  /** The item's wire shape; a failure rejects the item alone, naming the fields. */
  schema: z.ZodType<T>;
  /**
   * Applies the item, putting `record` (the item's id in the idempotency ledger) into the same atomic `db.batch`
   * as its writes. Never called for an item already applied. An OutpostError below 500 rejects the item alone.
   */
  apply(scope: Scope, item: NoInfer<T>, record: RecordStatement): Promise<void>;
  /** The run the item writes to, kept in the ledger beside the item's id. */
  runIdOf?(item: NoInfer<T>): string;
}

/** A domain's handlers by item type, and a line for the /v1/sync reference about what its items may do. */
export interface SyncHandlers {
  handlers: Record<string, SyncHandler<Item>>;
  description: string;
}

/**
 * One handler, typed by its own schema where it is written. The dispatcher calls `apply` only with what that
 * schema parsed, so it may hold every handler as one of plain items.
 */
export const syncHandler = <T extends Item>(handler: SyncHandler<T>) => handler as unknown as SyncHandler<Item>;

type ItemResult = SyncResult['results'][number];

/** Sync item ids live in their own namespace of the ledger, apart from log Idempotency-Keys. */
const ledgerId = (id: string) => `sync:${id}`;

/**
 * `/v1/sync`: a device's outbox batch, applied item by item by the handler registered for each item's type. Every
 * item carries the client's id: one already applied is reported as a duplicate and changes nothing, so a retried
 * batch is harmless. A bad item, or one of a type nobody registered, is rejected alone.
 */
export class SyncDispatcher {
  private readonly handlers = new Map<string, SyncHandler<Item>>();
  private readonly descriptions: string[] = [];

  register({ handlers, description }: SyncHandlers): this {
    for (const [type, handler] of Object.entries(handlers)) {
      if (this.handlers.has(type)) throw new Error(`sync item type "${type}" is registered twice`);
      this.handlers.set(type, handler);
    }
    this.descriptions.push(description);
    return this;
  }

  get types(): string[] {
    return [...this.handlers.keys()];
  }

  /** What the registered domains' items may do, for the route's reference. */
  get description(): string {
    return this.descriptions.join(' ');
  }

  async apply(scope: Scope, items: unknown[]): Promise<SyncResult> {
    const results: ItemResult[] = [];
    for (const raw of items) results.push(await this.applyItem(scope, raw));
    return { results };
  }

  private async applyItem(scope: Scope, raw: unknown): Promise<ItemResult> {
    const envelope = (raw ?? {}) as { id?: unknown; type?: unknown };
    const id = typeof envelope.id === 'string' ? envelope.id : null;
    const handler = typeof envelope.type === 'string' ? this.handlers.get(envelope.type) : undefined;
    if (!handler) {
      const message = `type: ${JSON.stringify(envelope.type ?? null)} is not an item type this hub applies (${this.types.join(', ')})`;
      return { id, status: 'rejected', error: { code: 'validation_failed', message } };
    }
    const parsed = handler.schema.safeParse(raw);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`).join('; ');
      return { id, status: 'rejected', error: { code: 'validation_failed', message } };
    }
    const item = parsed.data;
    try {
      const write = { id: ledgerId(item.id), kind: item.type, runId: handler.runIdOf?.(item) ?? null };
      const { duplicate } = await applyOnce(scope, write, (record) => handler.apply(scope, item, record));
      return { id: item.id, status: duplicate ? 'duplicate' : 'applied' };
    } catch (err) {
      const e = toOutpostError(err);
      if (e.status >= 500) throw err;
      return { id: item.id, status: 'rejected', error: { code: e.code, message: e.message } };
    }
  }
}
