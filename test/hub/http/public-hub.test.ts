import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../../shared/ids.js';
import { call, expectError, hub, newProject, randomBytes, sha256Hex, type TestProject } from '../../helpers/client.js';
import { CLIENT_IP_HEADER, TEST_LIMITS } from '../../helpers/hub-env.js';

let a: TestProject;
let b: TestProject;
beforeAll(async () => {
  [a, b] = await Promise.all([newProject('public-a'), newProject('public-b')]);
});

const hubUrl = new URL(hub.url);
/** A client address of its own (the test hubs trust CLIENT_IP_HEADER), so no test eats another's failure budget. */
const newAddress = () => `198.51.100.${Math.floor(Math.random() * 250)}-${Math.random().toString(36).slice(2)}`;

/**
 * Sends a request's head and a body over a raw socket and resolves with the status line of the answer. On Node only
 * the first kilobyte of a 30 MB body goes out: the answer must come while the rest is unsent. `wrangler dev`'s
 * local proxy holds every answer until the request body is complete, so on workerd the whole body (600 KB, over
 * the test hubs' body cap) is sent, and the status tells whether the key was checked before the body's size.
 */
function statusOf(method: string, path: string, headers: Record<string, string>, chunked = false): Promise<string> {
  const whole = hub.runtime === 'workerd';
  return new Promise((resolve, reject) => {
    const socket = connect(Number(hubUrl.port), hubUrl.hostname);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${method} ${path}${whole ? '' : ' while its body was unsent'}`));
    }, 5_000);
    let reply = '';
    socket.on('data', (d) => {
      reply += d.toString('latin1');
      const line = /^HTTP\/1\.1 (\d{3})/.exec(reply);
      if (!line) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(line[1]!);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const size = whole ? 600_000 : 30_000_000;
    const length = chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(size) };
    const head = Object.entries({ host: hubUrl.host, ...length, ...headers }).map(([k, v]) => `${k}: ${v}`);
    const body = 'x'.repeat(whole ? size : 1024);
    const framed = chunked ? `${body.length.toString(16)}\r\n${body}\r\n${whole ? '0\r\n\r\n' : ''}` : body;
    socket.write(`${method} ${path} HTTP/1.1\r\n${head.join('\r\n')}\r\n\r\n${framed}`);
  });
}

describe(`a public hub on ${hub.runtime}`, () => {
  describe('bodies and keys', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const routes: Array<[string, string, string]> = [
      ['POST', '/v1/projects', 'application/json'],
      ['POST', '/v1/keys', 'application/json'],
      ['POST', '/v1/runs/run_x/log', 'application/vnd.outpost.metrics'],
      ['POST', '/v1/sync', 'application/json'],
      ['PUT', `/v1/blobs/${digest}`, 'application/octet-stream'],
      ['POST', '/api/2.0/mlflow/runs/log-batch', 'application/json'],
      ['PUT', '/api/2.0/mlflow-artifacts/artifacts/1/run_x/artifacts/model.onnx', 'application/octet-stream'],
    ];

    it.each(routes)('answers %s %s without a key with 401 before reading its body', async (method, path, type) => {
      expect(await statusOf(method, path, { 'content-type': type })).toBe('401');
      expect(await statusOf(method, path, { 'content-type': type }, true)).toBe('401');
    });

    it.each(routes)('answers %s %s with a wrong key with 401 before reading its body', async (method, path, type) => {
      const headers = { 'content-type': type, authorization: `Bearer ${newApiKey('secret')}`, [CLIENT_IP_HEADER]: newAddress() };
      expect(await statusOf(method, path, headers)).toBe('401');
    });
  });

  describe('rate limits', () => {
    const failures = Number(TEST_LIMITS.OUTPOST_AUTH_FAILURE_LIMIT.split('/')[0]);
    const budget = Number(TEST_LIMITS.OUTPOST_DEVICE_RATE_LIMIT.split('/')[0]);

    it('refuses a burst of wrong keys from one address with 429 and Retry-After, also for its right keys', async () => {
      const address = newAddress();
      const from = (key: string, path = '/v1/project') => call(path, { key, headers: { [CLIENT_IP_HEADER]: address } });
      for (let i = 0; i < failures; i++) expectError(await from(newApiKey('secret')), 401, 'unauthorized');
      const limited = await from(newApiKey('secret'));
      expectError(limited, 429, 'rate_limited');
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // The address's keys are not even looked at now: a right one is refused too, on MLflow's routes in MLflow's shape.
      expectError(await from(a.keys.read), 429, 'rate_limited');
      const mlflow = await from(a.keys.read, '/api/2.0/mlflow/experiments/search?max_results=1');
      expect({ status: mlflow.status, code: mlflow.body.error_code }).toEqual({ status: 429, code: 'REQUEST_LIMIT_EXCEEDED' });
      expect(mlflow.headers.get('retry-after')).toMatch(/^\d+$/);
      // Other addresses are not affected.
      expect((await call('/v1/project', { key: a.keys.read, headers: { [CLIENT_IP_HEADER]: newAddress() } })).status).toBe(200);
    });

    it('does not count requests that carry no key at all', async () => {
      const address = newAddress();
      for (let i = 0; i < failures + 5; i++) expectError(await call('/v1/project', { headers: { [CLIENT_IP_HEADER]: address } }), 401, 'unauthorized');
      expect((await call('/v1/project', { key: a.keys.read, headers: { [CLIENT_IP_HEADER]: address } })).status).toBe(200);
    });

    it('gives each publishable key a request budget per window, with Retry-After past it', async () => {
      const p = await newProject('device-budget');
      const asDevice = (key: string) => call('/v1/project', { key });
      for (let sent = 0; sent < budget; sent += 10) {
        const replies = await Promise.all(Array.from({ length: Math.min(10, budget - sent) }, () => asDevice(p.keys.device)));
        expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
      }
      const over = await asDevice(p.keys.device);
      expectError(over, 429, 'rate_limited');
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // The budget is the key's: the project's secret keys and other projects' devices go on.
      expect((await asDevice(p.keys.read)).status).toBe(200);
      expect((await asDevice(b.keys.device)).status).toBe(200);
    });
  });

  describe('headers', () => {
    const inlineScript = /<script(?![^>]*\bsrc=)[^>]*>/i;

    function expectPageHeaders(headers: Headers) {
      const csp = headers.get('content-security-policy') ?? '';
      const directive = (name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) ?? '';
      expect(directive('script-src')).toBe("script-src 'self' 'wasm-unsafe-eval' blob:");
      expect(directive('default-src')).toBe("default-src 'self'");
      expect(directive('connect-src')).toBe("connect-src 'self'");
      expect(directive('frame-ancestors')).toBe("frame-ancestors 'none'");
      expect(csp).not.toMatch(/https?:|\*/);
      expect(headers.get('x-frame-options')).toBe('DENY');
      expect(headers.get('x-content-type-options')).toBe('nosniff');
    }

    it('serves /docs with a Content-Security-Policy that allows no inline script and no framing', async () => {
      const r = await call('/docs');
      expect(r.status).toBe(200);
      expectPageHeaders(r.headers);
      expect(r.text).not.toMatch(inlineScript);
    });

    it('serves the console with the same policy, its scripts all files of the hub', async () => {
      const r = await call('/');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/text\/html/);
      expectPageHeaders(r.headers);
      expect(r.text).not.toMatch(inlineScript);
      for (const [, src] of r.text.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)) expect(src).toMatch(/^\/[^/]/);
      // A console route the page handles itself gets the policy too.
      expectPageHeaders((await call('/runs')).headers);
    });

    it('sends blobs as attachments that browsers may not sniff', async () => {
      const bytes = new TextEncoder().encode('<html><script>alert(1)</script></html>') as Uint8Array<ArrayBuffer>;
      const digest = `sha256:${await sha256Hex(bytes)}`;
      expect((await call(`/v1/blobs/${digest}`, { key: a.keys.write, method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } })).status).toBe(201);
      for (const method of ['GET', 'HEAD']) {
        const r = await call(`/v1/blobs/${digest}`, { key: a.keys.read, method });
        expect(r.status).toBe(200);
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
        expect(r.headers.get('content-disposition')).toMatch(/^attachment\b/);
        expect(r.headers.get('content-type')).toBe('application/octet-stream');
        expect(r.headers.get('content-security-policy')).toBeNull();
      }
    });

    it('sends MLflow artifacts as attachments that browsers may not sniff', async () => {
      const mlflow = (endpoint: string, json: unknown) => call(`/api/2.0/mlflow/${endpoint}`, { key: a.keys.write, json });
      const exp = await mlflow('experiments/create', { name: `headers-${Math.random().toString(36).slice(2)}` });
      const run = (await mlflow('runs/create', { experiment_id: exp.body.experiment_id })).body.run.info;
      const path = `/api/2.0/mlflow-artifacts/artifacts/${run.experiment_id}/${run.run_id}/artifacts/page.html`;
      expect((await call(path, { key: a.keys.write, method: 'PUT', body: '<script>alert(1)</script>' })).status).toBe(200);
      const r = await call(path, { key: a.keys.read });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('content-disposition')).toMatch(/^attachment\b/);
    });

    it('keeps the runtime loadable from other origins, without a page policy', async () => {
      const r = await call('/runtime.js', { headers: { origin: 'https://customer.example' } });
      expect(r.status).toBe(200);
      expect(r.headers.get('access-control-allow-origin')).toBe('https://customer.example');
      expect(r.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect(r.headers.get('content-security-policy')).toBeNull();
    });
  });

  describe('uploads', () => {
    it("reports a project's first upload of bytes another project holds as created, like any first upload", async () => {
      const bytes = randomBytes(4096);
      const digest = `sha256:${await sha256Hex(bytes)}`;
      const put = (key: string) => call(`/v1/blobs/${digest}`, { key, method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
      const first = await put(a.keys.write);
      const elsewhere = await put(b.keys.write);
      expect({ status: elsewhere.status, body: elsewhere.body }).toEqual({ status: first.status, body: first.body });
      expect(elsewhere.body).toEqual({ digest, size: 4096, created: true });
      // A repeat within the project is the no-op it always was.
      expect(await put(b.keys.write)).toMatchObject({ status: 200, body: { created: false } });
    });
  });
});
