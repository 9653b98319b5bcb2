import { openStore } from '../cache/db.js';
import type { Outbox } from '../sync/outbox.js';
import type { TelemetryAggregator } from './aggregator.js';

const SAVE_AFTER_MS = 500;
/** Without Web Locks a snapshot is taken for abandoned only when it has not been saved for this long. */
const ABANDONED_AFTER_MS = 10 * 60_000;
const tabLock = (tab: string) => `outpost-tab ${tab}`;

/**
 * Keeps this tab's open telemetry periods in IndexedDB as they grow (at most every half second), and hands
 * them to the outbox when a period closes, in one transaction. A tab that closes or crashes before its period
 * closed leaves a snapshot; the next connection on this origin moves it to the outbox. Each tab holds a Web Lock
 * for its lifetime, so a live tab's snapshot is never taken. Snapshot and final item share the period's client
 * id, so the hub counts a period once whichever of them arrives.
 */
export class TelemetryJournal {
  private readonly tab = crypto.randomUUID();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSave = 0;

  constructor(
    private readonly hub: string,
    private readonly aggregator: TelemetryAggregator,
    private readonly outbox: Outbox,
  ) {}

  private get key(): string {
    return `${this.hub}\n${this.tab}`;
  }

  async start(): Promise<void> {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (locks) {
      // Held until the page goes away.
      await new Promise<void>((granted) => void locks.request(tabLock(this.tab), () => (granted(), new Promise<never>(() => {}))));
    }
    await this.recoverAbandoned();
  }

  /** A run was recorded: save the open periods now, or when half a second has passed since the last save. */
  touched(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastSave + SAVE_AFTER_MS - Date.now());
    this.timer = setTimeout(() => void this.save().catch(() => {}), wait);
  }

  async save(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastSave = Date.now();
    const items = this.aggregator.snapshot();
    if (!items.length) return;
    const db = await openStore();
    await db.put('telemetry', { key: this.key, hub: this.hub, tab: this.tab, items, savedAt: Date.now() });
  }

  /** Closes the open periods into the outbox and drops this tab's snapshot, atomically. */
  async closePeriod(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.aggregator.drain();
    if (items.length) await this.outbox.add(items, [this.key]);
  }

  private async recoverAbandoned(): Promise<void> {
    const db = await openStore();
    const snapshots = await db.getAllFromIndex('telemetry', 'hub', this.hub);
    if (!snapshots.length) return;
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    const held = new Set(locks ? ((await locks.query()).held ?? []).map((l) => l.name) : []);
    const abandoned = snapshots.filter((s) => s.tab !== this.tab && (locks ? !held.has(tabLock(s.tab)) : Date.now() - s.savedAt > ABANDONED_AFTER_MS));
    if (abandoned.length) await this.outbox.add(abandoned.flatMap((s) => s.items), abandoned.map((s) => s.key));
  }
}
