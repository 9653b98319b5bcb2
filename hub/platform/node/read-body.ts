import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { OutpostError } from '../../../shared/errors.js';
import type { HubEnv } from '../../http/env.js';

/**
 * The request body on Node (HubDeps.readBody): the socket's own chunks copied once into one buffer of the declared
 * length, markedly cheaper for megabyte bodies (metric frames) than a web stream. Read through the stream's events:
 * an async iterator over it cost a small request (an inference) more than the rest of its body reading (profiled).
 * Without a usable Content-Length, or once the body was read another way, the standard Request body.
 */
export async function readNodeBody(c: Context<HubEnv>, alignAt = 0): Promise<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const length = Number(c.req.header('content-length'));
  if (!incoming || incoming.readableEnded || c.req.raw.bodyUsed || !Number.isSafeInteger(length)) return new Uint8Array(await c.req.arrayBuffer());
  // One buffer of the declared size, filled as chunks arrive: no list of chunks, no second copy. It starts a few bytes
  // into its ArrayBuffer where that puts byte `alignAt` on a multiple of 8 (see bodyBytes).
  const pad = Number.isSafeInteger(alignAt) && alignAt > 0 ? (8 - (alignAt % 8)) % 8 : 0;
  const out = new Uint8Array(new ArrayBuffer(length + pad), pad, length);
  let at = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => {
      incoming.off('data', onData).off('end', onEnd).off('error', fail).off('close', onClose);
      reject(err);
    };
    const onData = (chunk: Uint8Array) => {
      if (at + chunk.byteLength > length) return fail(new OutpostError(400, 'bad_request', 'request body is longer than its Content-Length'));
      out.set(chunk, at);
      at += chunk.byteLength;
    };
    const onEnd = () => {
      incoming.off('data', onData).off('error', fail).off('close', onClose);
      if (at !== length) reject(new OutpostError(400, 'bad_request', 'request body is shorter than its Content-Length'));
      else resolve();
    };
    const onClose = () => fail(new OutpostError(400, 'bad_request', 'the connection closed before the request body ended'));
    incoming.on('data', onData).once('end', onEnd).once('error', fail).once('close', onClose);
  });
  return out;
}
