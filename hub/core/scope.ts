import type { KeyKind } from '../../shared/ids.js';
import type { KeyRole } from '../../shared/schemas/keys.js';
import type { MemberRole } from '../../shared/schemas/teams.js';
import type { BlobStore } from '../blobs/store.js';
import type { Db } from '../db/client.js';

/** Who did something, as the audit log and the alias history name them. */
export interface Actor {
  type: 'user' | 'key';
  id: string;
  name: string;
}

/**
 * Who is calling: resolved on every request from the bearer key or, for a person signed in to the console, from the
 * session cookie. For a person `keyId` holds the user's id (so `created_by`-style columns record them) and `kind` is
 * `secret`, with `role` the member's role (an owner acts as `admin`).
 */
export interface Principal {
  keyId: string;
  actor: Actor;
  projectId: string;
  kind: KeyKind;
  role: KeyRole;
  allowedOrigins: string[];
  /** For a person: their role in the project (`owner` acts as `admin` in `role`). Absent for a key. */
  memberRole?: MemberRole;
}

/**
 * What every domain function works in: the storage, the caller's project and, when a request made it, who called.
 * Routes build it once per request (hub/http/scope.ts); the demo seed and tests build it directly. Domain code
 * takes a Scope (or the part of it it needs) and never reads the Hono context.
 */
export interface Scope {
  db: Db;
  blobs: BlobStore;
  projectId: string;
  /** The key behind the request; null for work the hub does by itself (the demo seed, migrations). */
  principal: Principal | null;
  /** The request's clock, epoch ms: one request writes one time everywhere, and tests can fix it. */
  now: () => number;
}

/** A scope for work not started by a request. */
export const systemScope = (db: Db, blobs: BlobStore, projectId: string): Scope => ({ db, blobs, projectId, principal: null, now: Date.now });

/** The scope of a request: a key made it. */
export type RequestScope = Scope & { principal: Principal };

/** What most domain functions need of a scope: the storage and the caller's project. */
export type ProjectScope = Pick<Scope, 'db' | 'projectId'>;
