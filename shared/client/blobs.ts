import type { z } from 'zod';
import type { blobPutResultSchema } from '../schemas/blobs.js';
import type { HubClient } from './hub-client.js';

export type BlobPutResult = z.output<typeof blobPutResultSchema>;

/** Whether this project may read the blob (the hub answers 404 for digests it holds only for other projects). */
export async function hasBlob(hub: HubClient, digest: string): Promise<boolean> {
  return (await hub.send(`/v1/blobs/${digest}`, { method: 'HEAD' }, [404])).ok;
}

/** Uploads bytes under their digest; a stream body needs its length, and Node's fetch `duplex: 'half'`. */
export async function putBlob(hub: HubClient, digest: string, body: BodyInit, init: RequestInit = {}): Promise<BlobPutResult> {
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/octet-stream');
  return (await (await hub.send(`/v1/blobs/${digest}`, { ...init, method: 'PUT', headers, body })).json()) as BlobPutResult;
}

/** The blob's bytes as a raw reply, for callers that stream them (progress, early checks). */
export const getBlob = (hub: HubClient, digest: string, init: RequestInit = {}) => hub.send(`/v1/blobs/${digest}`, init);
