import { z } from '@hono/zod-openapi';
import { DIGEST_RE, type Digest } from '../../shared/digest.js';
import { notFound } from '../../shared/errors.js';
import { blobPutResultSchema } from '../../shared/schemas/blobs.js';
import { missingBlobsReplySchema, missingBlobsSchema } from '../../shared/schemas/datasets.js';
import { access } from '../auth/access.js';
import { crossOrigin } from '../http/cross-origin.js';
import { body, errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { readableBlob, uploadBlob } from './upload.js';
import { parseRange } from './range.js';
import { missingDigests } from './missing.js';

const params = z.object({
  digest: z
    .string()
    .regex(DIGEST_RE, 'must be sha256: followed by 64 lowercase hex characters')
    .openapi({ param: { name: 'digest', in: 'path' }, example: `sha256:${'ab'.repeat(32)}` }),
});

const putBlob = hubRoute({
  method: 'put',
  path: '/v1/blobs/{digest}',
  tags: ['blobs'],
  summary: 'Upload a blob by its sha256 digest',
  description:
    'Streams the body while hashing it. A body that does not hash to the digest is refused with 422 and nothing is stored, ' +
    'also when the client goes away mid-upload. Uploading a blob the project already has is a no-op (200). ' +
    'Publishable keys may upload only in projects that allow device publishing (to publish fine-tunes), and always send the bytes.',
  middleware: access({ secret: 'write', device: true }),
  request: { params, body: { content: { 'application/octet-stream': { schema: z.any() } }, required: true } },
  responses: {
    201: { description: 'Stored', content: { 'application/json': { schema: blobPutResultSchema } } },
    200: { description: 'Already stored; nothing written', content: { 'application/json': { schema: blobPutResultSchema } } },
    ...errorResponses(400, 401, 403, 411, 413, 422),
  },
});

const getBlob = hubRoute({
  method: 'get',
  path: '/v1/blobs/{digest}',
  tags: ['blobs'],
  summary: 'Download a blob (HEAD for existence and size)',
  description:
    'Immutable: `ETag` is the digest, `If-None-Match` gives 304, `Range: bytes=a-b` gives 206. ' +
    'A project reads only blobs it uploaded or references; publishable keys only those of models exposed to devices.',
  middleware: access({ secret: 'read', device: true }),
  request: { params },
  responses: {
    200: { description: 'The bytes', content: { 'application/octet-stream': { schema: z.any() } } },
    206: { description: 'The requested range' },
    304: { description: 'Not modified' },
    ...errorResponses(401, 403, 404, 416),
  },
});

const missingBlobs = hubRoute({
  method: 'post',
  path: '/v1/blobs/missing',
  tags: ['blobs'],
  summary: 'Which of these digests (at most 1000) the project lacks: what a push must upload',
  description: 'In the order asked, each once. Bytes that only other projects hold count as missing: uploading them is how a project proves it has them.',
  middleware: access({ secret: 'write' }),
  request: body(missingBlobsSchema),
  responses: { 200: { description: 'The missing digests', content: json(missingBlobsReplySchema) }, ...errorResponses(400, 401, 403) },
});

const router = newRouter();
// Pages on other origins load model files, also cross-origin-isolated ones.
router.use('/v1/blobs/*', crossOrigin({ resourcePolicy: true }));

export const blobRoutes = router
  .openapi(missingBlobs, async (c) => c.json({ missing: await missingDigests(scopeOf(c), c.req.valid('json').digests) }, 200))
  .openapi(putBlob, async (c) => {
    const digest = c.req.valid('param').digest as Digest;
    const length = c.req.header('content-length');
    const { size, created } = await uploadBlob(scopeOf(c), digest, {
      body: () => c.req.raw.body ?? new Blob([]).stream(),
      maxBytes: c.get('deps').config.maxUpload,
      declaredSize: length === undefined ? undefined : Number(length),
    });
    return c.json({ digest, size, created }, created ? 201 : 200);
  })
  .openapi(getBlob, async (c) => {
    const digest = c.req.valid('param').digest as Digest;
    const row = await readableBlob(scopeOf(c), digest);

    const etag = `"${digest}"`;
    const headers: Record<string, string> = {
      ETag: etag,
      'Cache-Control': 'private, max-age=31536000, immutable',
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      // Bytes anyone may have uploaded: a browser that opens the URL saves them, never renders or sniffs them.
      'X-Content-Type-Options': 'nosniff',
      'Content-Disposition': `attachment; filename="${digest.replace(':', '-')}"`,
    };
    if (c.req.header('if-none-match')?.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
      return c.body(null, 304, headers);
    }
    const range = parseRange(c.req.header('range'), row.size);
    const length = range ? range.end - range.start + 1 : row.size;
    headers['Content-Length'] = String(length);
    if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${row.size}`;
    const status = range ? 206 : 200;
    if (c.req.method === 'HEAD') return c.body(null, status, headers);
    const stream = await c.get('deps').blobs.read(digest, range);
    if (!stream) throw notFound(`blob ${digest} not found in this project`);
    return c.body(stream, status, headers);
  });
