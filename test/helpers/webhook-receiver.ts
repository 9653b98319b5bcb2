import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  at: number;
  /** What this receiver answered. */
  status: number;
}

/** How the receiver answers the next request; after the script runs out, it answers 200. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A webhook receiver: a real HTTP server on 127.0.0.1 that records every request and answers from a script
 * (`replies`, in order, then 200), so a test sees retries and verifies signatures with the `standardwebhooks` package.
 */
export async function startReceiver(replies: Reply[] = []) {
  const received: Received[] = [];
  const script = [...replies];
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
  const server: Server = createServer(async (req, res) => {
    const body = await read(req);
    const reply = script.shift() ?? { status: 200, body: 'ok' };
    received.push({ id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']), signature: String(req.headers['webhook-signature']), body, at: Date.now(), status: reply.status });
    res.writeHead(reply.status, reply.headers ?? {});
    res.end(reply.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    received,
    /** Queues more replies. */
    reply: (...more: Reply[]) => script.push(...more),
    /** The parsed body of each request, each verified with the secret (throws on a bad signature). */
    verified(secret: string) {
      const wh = new Webhook(secret);
      return received.map((r) => wh.verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature }) as { type: string; timestamp: string; data: Record<string, unknown> });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls until `check` returns a truthy value (no sleeps in tests beyond this short poll). */
export async function until<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
