import { request } from 'node:http';
import { expect, inject } from 'vitest';
import type { CreatedKey } from '../../shared/schemas/keys.js';
import type { HubTarget } from './hub-env.js';

export const hub: HubTarget = inject('hub');

export interface CallOptions {
  key?: string;
  method?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** One HTTP call to the hub under test; the body is parsed when it is JSON. */
export async function call<T = any>(path: string, options: CallOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  }
  const method = options.method ?? (body === undefined ? 'GET' : 'POST');
  // A stream body goes out chunked, without Content-Length.
  const res = await fetch(hub.url + path, { method, headers, body, duplex: 'half' } as RequestInit);
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.includes('json');
  return { status: res.status, headers: res.headers, text, body: (isJson && text ? JSON.parse(text) : text) as T };
}

let counter = 0;

/** A fresh project with one key of each kind, so test files never share state. */
export async function newProject(label: string) {
  const name = `${label}-${Date.now().toString(36)}-${counter++}`;
  const created = await call('/v1/projects', { key: hub.adminKey, json: { name } });
  if (created.status !== 201) throw new Error(`could not create project: ${created.text}`);
  const admin: string = created.body.adminKey.secret;
  const make = async (json: unknown) => {
    const r = await call<CreatedKey>('/v1/keys', { key: admin, json });
    if (r.status !== 201) throw new Error(`could not create key: ${r.text}`);
    return r.body;
  };
  const write = await make({ kind: 'secret', name: 'writer', role: 'write' });
  const read = await make({ kind: 'secret', name: 'reader', role: 'read' });
  const device = await make({ kind: 'publishable', name: 'device' });
  return {
    id: created.body.project.id as string,
    name,
    keys: { admin, write: write.secret, read: read.secret, device: device.secret },
    keyIds: { admin: created.body.adminKey.key.id as string, write: write.key.id, read: read.key.id, device: device.key.id },
  };
}

export type TestProject = Awaited<ReturnType<typeof newProject>>;

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/** Asserts the one error shape: `{"error":{"code","message","details?"}}` with the given status and code. */
export function expectError(reply: Reply, status: number, code: string) {
  expect({ status: reply.status, code: reply.body?.error?.code }, reply.text).toEqual({ status, code });
  expect(reply.body.error.message).toEqual(expect.any(String));
  expect(reply.headers.get('content-type')).toMatch(/application\/json/);
}

/** A body sent in chunks with no declared length. */
export function streamOf(data: string | Uint8Array, chunkSize = 16 * 1024): ReadableStream<Uint8Array> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

/** A request whose reply is read even when the hub answers and closes before the whole body is sent (early 413s). */
export function sendEarlyReply(method: string, path: string, options: { key: string; body: Uint8Array; type: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(hub.url + path, {
      method,
      headers: { authorization: `Bearer ${options.key}`, 'content-type': options.type, 'content-length': options.body.byteLength },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: new Headers(res.headers as Record<string, string>), text, body: JSON.parse(text) }));
    });
    const expected = (err: NodeJS.ErrnoException) => err.code === 'EPIPE' || err.code === 'ECONNRESET';
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!expected(err)) reject(err);
    });
    // The hub may close while the body is still going out; that write fails on the socket after the request let go of it.
    req.on('socket', (socket) => socket.on('error', (err: NodeJS.ErrnoException) => expected(err) || reject(err)));
    req.end(options.body);
  });
}
