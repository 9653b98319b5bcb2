/** The hub in this process, without vitest: for tests (through app.ts) and the bench alike. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Project } from '../../shared/schemas/projects.js';
import { createApp } from '../../hub/app.js';
import { FsBlobStore } from '../../hub/platform/node/fs-store.js';
import { readConfig } from '../../hub/config.js';
import type { Scope } from '../../hub/core/scope.js';
import type { Db } from '../../hub/db/client.js';
import { openLibsql } from '../../hub/db/libsql.js';
import { openReadConnection } from '../../hub/db/read-connection.js';
import { createProject } from '../../hub/projects/projects.js';
import { nodeModelServer } from '../../hub/platform/node/serving.js';
import type { ModelServer } from '../../hub/serving/server.js';
import { TEST_LIMITS } from './hub-env.js';

/** The hub in this process: no server, no port, no console build. */
export interface InProcessHub {
  app: ReturnType<typeof createApp>;
  db: Db;
  blobs: FsBlobStore;
  project: Project;
  adminKey: string;
  /** The project's admin acting: what a route builds from an admin key, for calling domain functions directly. */
  scope: Scope;
  /** `app.request` with the admin key as bearer unless `init.headers` names another authorization. */
  request: (path: string, init?: RequestInit) => Promise<Response>;
  /** The Node model server behind `/v2` inference, when asked for (`{ serving: true }`). */
  serving?: ModelServer;
}

/** A hub over a fresh libSQL file (migrations applied) and a fresh blob folder, with one project and its admin key. */
export async function openInProcessHub(env: Record<string, string> = {}, options: { serving?: boolean } = {}): Promise<InProcessHub & { close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-domain-'));
  const config = readConfig({ OUTPOST_DATA_DIR: dir, OUTPOST_DEMO: '0', ...TEST_LIMITS, ...env });
  const { db, close } = await openLibsql(config.dbUrl);
  const reads = openReadConnection(config.dbUrl);
  const blobs = new FsBlobStore(config.blobDir);
  const serving = options.serving ? nodeModelServer(db, blobs, env) : undefined;
  const app = createApp({ db, reads: reads ?? undefined, blobs, config, serving });
  const { project, adminKey } = await createProject({ db }, 'domain-tests');
  const principal = { keyId: adminKey.key.id, actor: { type: 'key' as const, id: adminKey.key.id, name: adminKey.key.name }, projectId: project.id, kind: 'secret' as const, role: 'admin' as const, allowedOrigins: [] };
  const scope: Scope = { db, blobs, projectId: project.id, principal, now: Date.now };
  const request = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${adminKey.secret}`);
    return Promise.resolve(app.request(path, { ...init, headers }));
  };
  return {
    app,
    db,
    blobs,
    project,
    adminKey: adminKey.secret,
    scope,
    request,
    serving,
    close: async () => {
      await serving?.close();
      reads?.close();
      close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
