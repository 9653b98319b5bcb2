import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { OutpostError } from '../../shared/errors.js';
import type { HubEnv } from './env.js';

const tooLarge = (limit: number) => new OutpostError(413, 'payload_too_large', `request body is larger than ${limit} bytes (OUTPOST_MAX_BODY)`, { limit });

/** Reads and drops the rest of a body, up to `max` bytes, then gives up on it. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, max: number) {
  for (let size = 0; ; ) {
    const { done, value } = await reader.read();
    if (done) return;
    size += value.byteLength;
    if (size > max) return reader.cancel();
  }
}

/**
 * A body cap of `maxSize` bytes that throws `tooLarge()` past it. A declared length is checked without touching the
 * body: on Node, touching it starts a web stream that the fast body reader (HubDeps.readBody) would race. A chunked
 * body over the cap is read through and dropped (up to OUTPOST_MAX_UPLOAD, then cancelled): a client still sending
 * would otherwise never see the error.
 */
export const capBody = (maxSize: number, tooLarge: () => Error): MiddlewareHandler<HubEnv> =>
  async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared !== undefined && !c.req.header('transfer-encoding')) {
      if (Number(declared) > maxSize) throw tooLarge();
      return next();
    }
    const body = c.req.raw.body;
    if (!body) return next();
    // bodyLimit reads through this stream, so the rest of the body stays ours to drain when it stops; with no
    // high-water mark the stream reads only when asked, so no read of its own is pending when the drain starts.
    const reader = body.getReader();
    const relayed = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
      },
      { highWaterMark: 0 },
    );
    c.req.raw = new Request(c.req.raw, { body: relayed, duplex: 'half' } as RequestInit);
    const onError = async (): Promise<never> => {
      await drain(reader, c.get('deps').config.maxUpload);
      throw tooLarge();
    };
    return bodyLimit({ maxSize, onError })(c, next);
  };

/** Caps request bodies at OUTPOST_MAX_BODY; every route that declares a JSON body gets it (see `hubRoute`), and routes taking raw bodies (blobs) declare their own. */
export const bodyCap = createMiddleware<HubEnv>(async (c, next) => {
  const { maxBody } = c.get('deps').config;
  return capBody(maxBody, () => tooLarge(maxBody))(c, next);
});
