import type { KeyKind } from '../../shared/ids.js';
import type { KeyRole } from '../../shared/schemas/keys.js';
import type { BlobStore } from '../blobs/store.js';
import type { HubConfig } from '../config.js';
import type { Db } from '../db/client.js';

/** Serves the console's static files; returns null when the path is not a file it has. */
export type AssetServer = (request: Request) => Promise<Response | null>;

export interface HubDeps {
  db: Db;
  blobs: BlobStore;
  config: HubConfig;
  assets?: AssetServer;
}

/** Who is calling: resolved from the bearer key on every request. */
export interface Principal {
  keyId: string;
  projectId: string;
  kind: KeyKind;
  role: KeyRole;
  allowedOrigins: string[];
}

export type HubEnv = {
  Variables: {
    deps: HubDeps;
    principal: Principal;
  };
};
