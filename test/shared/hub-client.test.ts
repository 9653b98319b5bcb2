import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubClient } from '../../shared/client/hub-client.js';
import { fetchManifest } from '../../shared/client/registry.js';
import { codeForStatus, OutpostError } from '../../shared/errors.js';

let server: Server;
let url = '';
const seen: { method?: string; url?: string; authorization?: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
      const json = (status: number, data: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
      if (req.url === '/v1/echo') return json(200, { got: JSON.parse(body || 'null') });
      if (req.url === '/v1/refused') return json(409, { error: { code: 'conflict', message: 'model "x" exists', details: { name: 'x' } } });
      if (req.url === '/v1/proxy') return res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
      if (req.url === '/v1/models/m%40production/manifest') return req.headers['if-none-match'] === '"e1"' ? res.writeHead(304).end() : json(200, { model: 'm', etag: '"e1"' });
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the shared hub client', () => {
  it('sends the key and JSON, and reads JSON back', async () => {
    const hub = new HubClient({ hub: `${url}/`, key: 'sk_test' });
    expect(await hub.json('POST', '/v1/echo', { a: 1 })).toEqual({ got: { a: 1 } });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', authorization: 'Bearer sk_test' });
  });

  it("reads the key on every call when given a function (a console session that signs in later)", async () => {
    let key = 'sk_one';
    const hub = new HubClient({ hub: url, key: () => key });
    await hub.json('GET', '/v1/echo');
    key = 'sk_two';
    await hub.json('GET', '/v1/echo');
    expect(seen.slice(-2).map((s) => s.authorization)).toEqual(['Bearer sk_one', 'Bearer sk_two']);
  });

  it("turns the hub's error body into an OutpostError with its status, code, message and details", async () => {
    const error = await new HubClient({ hub: url, key: 'k' }).json('POST', '/v1/refused', {}).catch((e) => e);
    expect(error).toBeInstanceOf(OutpostError);
    expect(error).toMatchObject({ status: 409, code: 'conflict', message: 'model "x" exists', details: { name: 'x' } });
  });

  it('gives a reply without a hub error body a code from its status and a message naming the call', async () => {
    const hub = new HubClient({ hub: url, key: 'k' });
    expect(await hub.send('/v1/nothing', { method: 'HEAD' }).catch((e) => e)).toMatchObject({ status: 404, code: 'not_found', message: 'the hub answered HTTP 404 to HEAD /v1/nothing' });
    expect(await hub.json('GET', '/v1/proxy').catch((e) => e)).toMatchObject({ status: 502, code: 'internal' });
    expect((await hub.send('/v1/nothing', {}, [404])).status).toBe(404);
  });

  it("reports an unreachable hub the caller's way", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const hub = new HubClient({ hub: `http://127.0.0.1:${port}`, key: 'k', unreachable: (_cause, where) => new Error(`offline: ${where}`) });
    await expect(hub.json('GET', '/v1/echo')).rejects.toThrow(`offline: http://127.0.0.1:${port}`);
    await expect(new HubClient({ hub: `http://127.0.0.1:${port}`, key: 'k' }).json('GET', '/v1/echo')).rejects.toThrow(`cannot reach the hub at http://127.0.0.1:${port}`);
  });

  it('answers null for a manifest that is still current (304), else the manifest', async () => {
    const hub = new HubClient({ hub: url, key: 'k' });
    expect(await fetchManifest(hub, { name: 'm', alias: 'production' })).toEqual({ model: 'm', etag: '"e1"' });
    expect(await fetchManifest(hub, { name: 'm', alias: 'production' }, { etag: '"e1"' })).toBeNull();
  });

  it('names a bare status with the code the hub itself gives it (one table for both)', () => {
    expect([400, 401, 403, 404, 405, 409, 411, 413, 415, 416, 418, 500, 503].map(codeForStatus)).toEqual([
      'bad_request', 'unauthorized', 'forbidden', 'not_found', 'method_not_allowed', 'conflict', 'length_required', 'payload_too_large', 'unsupported_media_type', 'range_not_satisfiable', 'bad_request', 'internal', 'internal',
    ]);
  });
});
