import type { HubClient } from '../client/hub-client.js';
import { appendAttemptLog } from '../client/pipelines.js';
import { OutpostError } from '../errors.js';

/**
 * An attempt's log: lines buffered and sent in chunks (every 250 ms and at the end), each at the offset the hub expects.
 * Lines come formatted: each runner formats a step's `ctx.log(...)` arguments its own way (Node: util.format).
 */
export class AttemptLog {
  private buffer = '';
  private offset = 0;
  private sending: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly hub: HubClient,
    private readonly attemptId: string,
    private readonly echo?: (line: string) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), 250);
    this.timer.unref?.();
  }

  line(text: string) {
    this.echo?.(text);
    this.buffer += `${text}\n`;
  }

  /** Sends what is buffered; a chunk the hub already has (a retry) or a log that moved on is resynced from the hub's end. */
  flush(): Promise<void> {
    this.sending = this.sending.then(async () => {
      if (!this.buffer) return;
      const text = this.buffer;
      this.buffer = '';
      try {
        this.offset = (await appendAttemptLog(this.hub, this.attemptId, this.offset, text)).next;
      } catch (err) {
        const end = err instanceof OutpostError ? (err.details as { end?: number } | undefined)?.end : undefined;
        if (end === undefined) {
          this.buffer = text + this.buffer; // the hub was unreachable: keep the text for the next flush
          return;
        }
        this.offset = (await appendAttemptLog(this.hub, this.attemptId, end, text)).next;
      }
    });
    return this.sending;
  }

  async close() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush().catch(() => undefined);
  }
}
