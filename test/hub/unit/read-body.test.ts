import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubEnv } from '../../../hub/http/env.js';
import { readNodeBody } from '../../../hub/platform/node/read-body.js';

/** What readNodeBody returned for a request: its bytes, their offset in their buffer, and that buffer's size. */
interface Read {
  bytes: Uint8Array;
  offset: number;
  buffer: number;
}
let read: (body: Uint8Array, alignAt: number) => Promise<Read>;
const server = createServer((incoming: IncomingMessage, res) => {
  const alignAt = Number(new URL(incoming.url!, 'http://x').searchParams.get('alignAt'));
  // The part of Hono's context the reader uses: the Node request, its headers, and whether its body was taken.
  const c = { env: { incoming }, req: { header: (name: string) => incoming.headers[name] as string | undefined, raw: { bodyUsed: false } } } as unknown as Context<HubEnv>;
  readNodeBody(c, alignAt).then(
    (out) => {
      res.setHeader('x-offset', String(out.byteOffset)).setHeader('x-buffer', String(out.buffer.byteLength));
      res.end(out);
    },
    (err: Error) => res.writeHead(400).end(err.message),
  );
});
beforeAll(async () => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  read = (body, alignAt) =>
    new Promise((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path: `/?alignAt=${alignAt}`, method: 'POST', headers: { 'content-length': body.byteLength } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d)).on('end', () => {
          resolve({ bytes: Buffer.concat(chunks), offset: Number(res.headers['x-offset']), buffer: Number(res.headers['x-buffer']) });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('the Node body reader', () => {
  const body = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251);

  it('reads the whole body, and places byte alignAt on a multiple of 8 of its buffer', async () => {
    for (const alignAt of [0, 1, 5, 8, 13, 71, 299_999]) {
      const out = await read(body, alignAt);
      expect(Buffer.from(out.bytes).equals(Buffer.from(body))).toBe(true);
      expect((out.offset + alignAt) % 8, `alignAt ${alignAt}`).toBe(0);
      expect(out.offset).toBeLessThan(8);
    }
  });

  it('takes an offset it cannot use as none: the bytes stay whole and unpadded', async () => {
    for (const alignAt of [Number.NaN, Infinity, -3, 2.5, 2 ** 60]) {
      const out = await read(body, alignAt);
      expect(Buffer.from(out.bytes).equals(Buffer.from(body))).toBe(true);
      expect(out.offset, `alignAt ${alignAt}`).toBe(0);
      expect(out.buffer).toBe(body.byteLength);
    }
  });
});
