import type { HubClient } from '../../shared/client/hub-client.js';
import { sendSync, type OutboxItem } from '../../shared/client/sync.js';
import { OutpostError } from '../../shared/errors.js';
import type { SyncResult } from '../../shared/schemas/sync.js';
import { openStore, type OutboxRecord } from '../cache/db.js';
import { OutpostRuntimeError, storageError } from '../errors.js';
import { backoffMs } from './backoff.js';

export interface SyncStatus {
  online: boolean;
  pending: number;
  lastSyncAt: number | null;
  lastError: string | null;
  /** Items the hub refused for good (bad data): dropped from the outbox, kept here so they are not silent. */
  rejected: { id: string; type: string; message: string }[];
}

const BATCH = 200;

/**
 * The device's outbox: sync items wait in IndexedDB until the hub has acknowledged them, so they survive reloads
 * and offline stretches. Each item carries its own client id and the hub applies an id once, so resending after a
 * lost reply changes nothing. Tabs of one origin take a Web Lock around read → send → delete, so two tabs never
 * send the same item at once.
 */
export class Outbox {
  private pending = 0;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSyncAt: number | null = null;
  private lastError: string | null = null;
  private reachable = true;
  private readonly rejected: SyncStatus['rejected'] = [];
  private closed = false;

  constructor(private readonly hub: HubClient) {}

  async start(): Promise<void> {
    await this.countPending();
    if (this.pending) this.schedule(0);
  }

  /** Queues items; `dropSnapshots` are telemetry snapshots deleted in the same transaction (they became these items). */
  async add(items: OutboxItem[], dropSnapshots: string[] = []): Promise<void> {
    if (!items.length && !dropSnapshots.length) return;
    const db = await openStore();
    try {
      const tx = db.transaction(['outbox', 'telemetry'], 'readwrite');
      const now = Date.now();
      const outbox = tx.objectStore('outbox');
      await Promise.all([
        ...items.map((item) => outbox.put({ id: item.id, hub: this.hub.base, item, createdAt: now } satisfies OutboxRecord)),
        ...dropSnapshots.map((key) => tx.objectStore('telemetry').delete(key)),
        tx.done,
      ]);
    } catch (err) {
      throw storageError(err, 'saving records to the outbox');
    }
    this.pending += items.length;
    if (items.length) this.schedule(250);
  }

  status(): SyncStatus {
    const online = typeof navigator === 'undefined' ? true : navigator.onLine;
    return { online: online && this.reachable, pending: this.pending, lastSyncAt: this.lastSyncAt, lastError: this.lastError, rejected: [...this.rejected] };
  }

  /** Sends everything now; rejects when items are left undelivered (they stay queued and retry with backoff). */
  async flush(): Promise<SyncStatus> {
    clearTimeout(this.timer);
    await this.sendAll(true);
    if (this.pending > 0) throw new OutpostRuntimeError('offline', `${this.pending} records are still waiting to sync: ${this.lastError ?? 'the hub did not take them'}`);
    return this.status();
  }

  /** The browser came back online or the page became visible: try now, from a fresh backoff. */
  nudge(): void {
    this.attempt = 0;
    this.schedule(0);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.sendAll(false).catch(() => {}), ms);
  }

  private async sendAll(wait: boolean): Promise<void> {
    const run = async () => {
      for (;;) {
        const sent = await this.sendBatch();
        if (!sent) break;
      }
    };
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    // Background sends skip when another tab holds the lock; an explicit flush waits for it.
    if (locks) await locks.request(`outpost-outbox ${this.hub.base}`, wait ? {} : { ifAvailable: true }, async (lock) => (lock ? run() : undefined));
    else await run();
    await this.countPending();
    if (this.pending > 0 && !this.closed) this.schedule(backoffMs(this.attempt++));
  }

  /** One batch: true when it was delivered and more may follow. */
  private async sendBatch(): Promise<boolean> {
    const db = await openStore();
    const records = await db.getAllFromIndex('outbox', 'hub', this.hub.base, BATCH);
    if (!records.length) return false;
    let body: SyncResult;
    try {
      body = await sendSync(this.hub, records.map((r) => r.item));
    } catch (err) {
      if (err instanceof OutpostError) {
        this.reachable = err.status < 500;
        this.lastError = `sync: ${err.message}`;
      } else if ((err as OutpostRuntimeError).code === 'offline') {
        this.reachable = false;
        this.lastError = (err as Error).message;
      } else {
        this.lastError = `sync reply broke off: ${(err as Error).message}`;
      }
      return false;
    }
    const tx = db.transaction('outbox', 'readwrite');
    for (const r of body.results) {
      if (!r.id) continue;
      if (r.status === 'rejected') {
        const record = records.find((x) => x.id === r.id);
        this.rejected.push({ id: r.id, type: record?.item.type ?? 'unknown', message: r.error?.message ?? 'rejected' });
        console.warn(`outpost: the hub refused ${record?.item.type ?? 'an item'} ${r.id}: ${r.error?.message}`);
      }
      void tx.store.delete(r.id);
    }
    await tx.done;
    this.reachable = true;
    this.attempt = 0;
    this.lastError = null;
    this.lastSyncAt = Date.now();
    return true;
  }

  private async countPending(): Promise<void> {
    const db = await openStore();
    this.pending = await db.countFromIndex('outbox', 'hub', this.hub.base);
  }
}
