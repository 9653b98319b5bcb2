import { manifestKey, openStore } from './db.js';
import { deleteOpfsFile } from './opfs.js';

export interface CachedModel {
  ref: string;
  model: string;
  version: number;
  format: string;
  bytes: number;
  storedAt: number;
  /** Saved on this device (a fine-tune), not pulled from the hub. */
  local: boolean;
}

/** What a hub's models occupy on this device, and eviction that frees blobs no cached manifest still needs. */
export class CacheInventory {
  constructor(private readonly hub: string) {}

  async list(): Promise<CachedModel[]> {
    const db = await openStore();
    const rows = await db.getAllFromIndex('manifests', 'hub', this.hub);
    return rows.map((r) => ({
      ref: r.ref,
      model: r.manifest.model,
      version: r.manifest.version,
      format: r.manifest.format,
      bytes: r.manifest.files.reduce((s, f) => s + f.size, 0),
      storedAt: r.storedAt,
      local: Boolean(r.local),
    }));
  }

  /** Forgets a ref (or every ref of a model name); returns how many refs were evicted. */
  async evict(refOrName: string): Promise<number> {
    const db = await openStore();
    const rows = await db.getAllFromIndex('manifests', 'hub', this.hub);
    const gone = rows.filter((r) => r.ref === refOrName || r.manifest.model === refOrName);
    for (const r of gone) await db.delete('manifests', manifestKey(this.hub, r.ref));
    await this.collectGarbage();
    return gone.length;
  }

  async clear(): Promise<number> {
    const db = await openStore();
    const rows = await db.getAllFromIndex('manifests', 'hub', this.hub);
    for (const r of rows) await db.delete('manifests', r.key);
    await this.collectGarbage();
    return rows.length;
  }

  /**
   * This origin's storage as the browser reports it: `usage` and `quota` in bytes (null where the browser does not
   * say) and whether it is persistent, i.e. kept under storage pressure instead of evicted with the least-used sites.
   */
  async storage(): Promise<{ usage: number | null; quota: number | null; persisted: boolean }> {
    const manager = typeof navigator === 'undefined' ? undefined : navigator.storage;
    const estimate = (await manager?.estimate?.()) ?? {};
    return { usage: estimate.usage ?? null, quota: estimate.quota ?? null, persisted: (await manager?.persisted?.()) ?? false };
  }

  /** Asks the browser to keep this origin's storage under pressure (`navigator.storage.persist()`); true when granted. */
  async persist(): Promise<boolean> {
    return (await navigator.storage?.persist?.()) ?? false;
  }

  private async collectGarbage(): Promise<void> {
    const db = await openStore();
    const tx = db.transaction(['manifests', 'blobs'], 'readwrite');
    const used = new Set((await tx.objectStore('manifests').getAll()).flatMap((r) => r.manifest.files.map((f) => f.digest)));
    const files: string[] = [];
    for (const record of await tx.objectStore('blobs').getAll()) {
      if (used.has(record.digest)) continue;
      await tx.objectStore('blobs').delete(record.digest);
      if (record.opfs) files.push(record.opfs);
    }
    await tx.done;
    // After the records: a file is never gone while a record still names it.
    for (const name of files) await deleteOpfsFile(name);
  }
}
