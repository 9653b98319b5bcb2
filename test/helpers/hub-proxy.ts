import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request: pass it on (optionally changing the reply's bytes) or hold it unanswered. */
export type ProxyDecision = { pass: true; body?: (bytes: Buffer) => Buffer } | { hold: true };

/**
 * A loopback proxy in front of a hub for CLI tests that need a request to fail in a chosen place: `decide` sees each
 * request (method, path) and passes it on or holds it (the client then waits, as on a hung network, until killed).
 * `upstream` counts the requests the hub answered, by `METHOD path-prefix`, including those whose client is gone.
 */
export async function hubProxy(hubUrl: () => string, decide: (method: string, path: string) => ProxyDecision = () => ({ pass: true })) {
  const held: ServerResponse[] = [];
  const pending = new Set<Promise<unknown>>();
  const answered: { method: string; path: string; status: number }[] = [];
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const decision = decide(method, path);
    if ('hold' in decision) {
      held.push(res);
      req.resume();
      return;
    }
    const work = (async () => {
      const body = method === 'GET' || method === 'HEAD' ? undefined : await read(req);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k))) as Record<string, string>;
      const reply = await fetch(hubUrl() + path, { method, headers, body });
      let bytes: Buffer = Buffer.from(await reply.arrayBuffer());
      answered.push({ method, path, status: reply.status });
      if (decision.body && reply.ok) bytes = decision.body(bytes);
      const out: Record<string, string> = {};
      reply.headers.forEach((v, k) => {
        if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
      });
      res.writeHead(reply.status, { ...out, 'content-length': String(bytes.length) }).end(bytes);
    })().catch(() => res.destroy());
    pending.add(work);
    void work.finally(() => pending.delete(work));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Requests the hub answered so far whose method is `method` and whose path starts with `prefix` (2xx only). */
    count: (method: string, prefix: string | RegExp) =>
      answered.filter((a) => a.method === method && a.status < 300 && (typeof prefix === 'string' ? a.path.startsWith(prefix) : prefix.test(a.path))).length,
    /** Waits until every passed-on request has its hub reply. */
    settled: async () => {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
