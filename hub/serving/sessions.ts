import { InferenceError } from './protocol.js';
import type { DynamicBatcher } from './batcher.js';
import type { LoadedModel } from './engine.js';

/** A version in memory with its batcher (null when its requests run one by one). */
export interface Served {
  model: LoadedModel;
  batcher: DynamicBatcher | null;
}

interface Entry {
  bytes: number;
  ready: Promise<Served>;
  users: number;
  evicted: boolean;
}

/** Use of a loaded version; a version evicted while in use is disposed when its last user releases it. */
export interface Lease {
  served: Served;
  release(): void;
}

/**
 * Loaded versions, least recently used first out once their files' bytes pass the bound (OUTPOST_SERVE_MEMORY).
 * Keys are the manifest's identity (model id and version), so an alias that moved names another entry on its next
 * request, and the version it left ages out.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private total = 0;

  constructor(private readonly limitBytes: number) {}

  get loadedBytes(): number {
    return this.total;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  async acquire(key: string, bytes: number, label: string, load: () => Promise<Served>): Promise<Lease> {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      if (bytes > this.limitBytes) throw new InferenceError(503, `${label} is ${bytes} bytes, more than OUTPOST_SERVE_MEMORY (${this.limitBytes} bytes) holds`);
      this.makeRoom(bytes);
      entry = { bytes, ready: load(), users: 0, evicted: false };
      this.entries.set(key, entry);
      this.total += bytes;
      const mine = entry;
      mine.ready.catch(() => this.drop(key, mine));
    }
    entry.users++;
    const held = entry;
    try {
      const served = await held.ready;
      let released = false;
      return {
        served,
        release: () => {
          if (released) return;
          released = true;
          held.users--;
          if (held.evicted && held.users === 0) void served.model.dispose();
        },
      };
    } catch (err) {
      held.users--;
      throw err;
    }
  }

  private makeRoom(bytes: number): void {
    for (const [key, entry] of this.entries) {
      if (this.total + bytes <= this.limitBytes) return;
      this.drop(key, entry);
      entry.evicted = true;
      if (entry.users === 0) void entry.ready.then((s) => s.model.dispose(), () => {});
    }
  }

  private drop(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.total -= entry.bytes;
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    this.total = 0;
    await Promise.all(all.map((e) => e.ready.then((s) => s.model.dispose(), () => {})));
  }
}
