import { lookup } from 'node:dns/promises';
import type { Db } from '../../db/client.js';
import { deliverDue, type DeliveryOptions } from '../../webhooks/deliver.js';
import type { WebhookPlatform } from '../../webhooks/platform.js';

const NUDGE_MS = 25;

/** Every address a host name resolves to, as the Node hub's webhook destination check needs. */
export const resolveHost = async (hostname: string) => (await lookup(hostname, { all: true })).map((a) => a.address);

/**
 * The Node hub's webhook worker: a timer that sends due deliveries every `pollMs` (and at once after a write nudges
 * it), one pass at a time. Deliveries live in the database, so what a stopped hub left pending goes out after start.
 */
export class WebhookLoop implements WebhookPlatform {
  readonly resolve = resolveHost;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pass: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private started = false;
  private soon = false;

  constructor(
    private readonly db: Db,
    private readonly options: DeliveryOptions,
    private readonly pollMs = Math.min(1000, options.retryBaseMs),
    private readonly onError: (err: unknown) => void = (err) => console.error('[outpost] webhook delivery pass failed:', err),
  ) {}

  start(): this {
    this.started = true;
    this.schedule(0);
    return this;
  }

  /** After a write: a pass within NUDGE_MS (many writes in a burst, such as metric ingestion, share one pass). */
  nudge(): void {
    if (!this.started || this.stopped) return;
    if (this.pass) this.again = true;
    else if (!this.soon) {
      this.soon = true;
      this.schedule(NUDGE_MS);
    }
  }

  /** Stops the timer and waits for the pass in flight (its attempts are recorded before the database closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref?.();
  }

  private async run() {
    this.soon = false;
    if (this.pass || this.stopped) return;
    let busy = false;
    this.pass = (async () => {
      try {
        busy = (await deliverDue(this.db, { ...this.options, resolve: this.resolve })) > 0;
      } catch (err) {
        this.onError(err);
      }
    })();
    await this.pass;
    this.pass = undefined;
    // More may be due at once when this pass sent some; a write during the pass gets its own pass shortly.
    this.schedule(busy ? 0 : this.again ? NUDGE_MS : this.pollMs);
    this.again = false;
  }
}
