import type { Context } from 'hono';
import type { BlobStore } from '../blobs/store.js';
import type { HubConfig } from '../config.js';
import type { Principal } from '../core/scope.js';
import type { Db } from '../db/client.js';
import type { ReadConnection, Reads } from '../db/read-connection.js';
import type { ModelServer } from '../serving/server.js';
import type { RateLimiter } from './rate-limit.js';
import type { WebhookPlatform } from '../webhooks/platform.js';

/** Serves the console's static files; returns null when the path is not a file it has. */
export type AssetServer = (request: Request) => Promise<Response | null>;

export interface HubDeps {
  db: Db;
  /** The embedded database's read connection (Node, `file:` database), for the point reads every request makes. */
  reads?: ReadConnection;
  blobs: BlobStore;
  config: HubConfig;
  assets?: AssetServer;
  /** A faster way to read a whole request body than `arrayBuffer()`, where the platform has one (Node). */
  readBody?: (c: Context<HubEnv>, alignAt?: number) => Promise<Uint8Array>;
  /** Counters for the rate limits (failed keys per address, requests per publishable key). */
  rateLimiter: RateLimiter;
  /** Runs models for `/v2` inference; only the Node entry has one (Workers answer 501). */
  serving?: ModelServer;
  /** How webhook deliveries go out on this platform: name resolution, and the nudge after a write. */
  webhooks?: WebhookPlatform;
}

export type HubEnv = {
  Variables: {
    deps: HubDeps;
    principal: Principal;
    /** This request's reads on the read connection (ReadConnection.forRequest), where the hub has one. */
    reads?: Reads;
  };
};
