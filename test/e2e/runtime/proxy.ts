import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback.js';

export type ProxyFault = 'none' | 'error500' | 'drop' | 'drop-reply' | 'flip-blob-byte' | 'truncate-blob' | 'cut-blob-once';

/**
 * A loopback proxy in front of a hub that can misbehave on demand: answer sync with 500s, drop sync connections, flip a byte or
 * cut short a blob body, or pass a request on and hang up before the reply (the hub acted, the client never heard).
 * It also records the client ids of every sync item that passes, to count resends.
 */
export class FaultyProxy extends LoopbackServer {
  fault: ProxyFault = 'none';
  /** Client ids of sync items, in the order they reached the hub. */
  readonly syncedIds: string[] = [];
  readonly requests: string[] = [];
  /** Blob requests: their Range header (or null) and the body bytes the proxy sent on. */
  readonly blobReplies: { range: string | null; status: number; bytes: number }[] = [];
  /** Sync requests that reached the proxy while it was holding them. */
  heldSyncs = 0;
  private gate: Promise<void> | undefined;

  constructor(private target: string) {
    super((req, res) => this.forward(req, res));
  }

  /** Holds every sync request before the hub until the returned function is called, so senders overlap for certain. */
  holdSync(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.gate = undefined;
      release();
    };
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      this.requests.push(`${req.method} ${path}`);
      const isBlob = path.startsWith('/v1/blobs/') && req.method === 'GET';
      const isSync = path === '/v1/sync' && req.method === 'POST';
      if (isSync && this.gate) {
        this.heldSyncs++;
        await this.gate;
      }
      if (isSync && (this.fault === 'error500' || this.fault === 'drop')) {
        if (this.fault === 'drop') return req.socket.destroy();
        res.writeHead(500, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': req.headers.origin ?? '*' });
        return res.end(JSON.stringify({ error: { code: 'internal', message: 'injected fault' } }));
      }
      const upstream = httpRequest(this.target + path, { method: req.method, headers: { ...req.headers, host: new URL(this.target).host } }, (up) => {
        const out: Buffer[] = [];
        up.on('data', (c) => out.push(c));
        up.on('end', () => {
          let payload = Buffer.concat(out);
          if (isSync && up.statusCode === 200) {
            for (const item of (JSON.parse(body.toString()) as { items: { id: string }[] }).items) this.syncedIds.push(item.id);
          }
          if (this.fault === 'drop-reply' && isSync) return req.socket.destroy();
          if (isBlob && up.statusCode === 200 && this.fault === 'flip-blob-byte') {
            payload = Buffer.from(payload);
            payload[payload.length >> 1]! ^= 0xff;
          }
          const headers = { ...up.headers };
          const cut = isBlob && (this.fault === 'truncate-blob' || (this.fault === 'cut-blob-once' && !req.headers.range));
          if (cut && this.fault === 'cut-blob-once') this.fault = 'none';
          if (isBlob) this.blobReplies.push({ range: req.headers.range ?? null, status: up.statusCode ?? 502, bytes: cut ? payload.length >> 1 : payload.length });
          if (cut) {
            // Promise the full length, send half, then hang up: the browser sees a body that breaks off.
            res.writeHead(up.statusCode ?? 502, headers);
            // Hang up once the half has left this process, so the client does receive all of it.
            res.write(payload.subarray(0, payload.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
            return;
          }
          headers['content-length'] = String(payload.length);
          res.writeHead(up.statusCode ?? 502, headers);
          res.end(payload);
        });
      });
      upstream.on('error', () => req.socket.destroy());
      upstream.end(body);
    });
  }
}
