import { and, asc, eq, sql } from 'drizzle-orm';
import { forbidden, notFound } from '../../shared/errors.js';
import { newApiKey, newId } from '../../shared/ids.js';
import type { CreateKey, CreatedKey, KeyInfo, KeyRole } from '../../shared/schemas/keys.js';
import type { ProjectScope } from '../core/scope.js';
import type { Db } from '../db/client.js';
import type { ReadDb, Reads } from '../db/read-connection.js';
import { apiKeys, type ApiKeyRow } from '../db/schema.js';
import { hashKey } from './hash.js';

export function toKeyInfo(row: ApiKeyRow): KeyInfo {
  return {
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    kind: row.kind,
    role: row.role,
    prefix: row.prefix,
    allowedOrigins: row.allowedOrigins,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** The row to insert for a key; kept apart so project creation can insert project and key in one batch. */
export async function buildKeyRow(projectId: string, input: CreateKey, secret = newApiKey(input.kind)) {
  const role: KeyRole = input.kind === 'secret' ? input.role : 'device';
  const row: ApiKeyRow = {
    id: newId('key'),
    projectId,
    name: input.name,
    kind: input.kind,
    role,
    prefix: `${secret.slice(0, 7)}…`,
    hash: await hashKey(secret),
    allowedOrigins: input.kind === 'publishable' ? (input.allowedOrigins ?? []) : [],
    createdAt: new Date(),
    lastUsedAt: null,
    revokedAt: null,
  };
  return { row, secret };
}

export async function createKey({ db, projectId }: ProjectScope, input: CreateKey): Promise<CreatedKey> {
  const { row, secret } = await buildKeyRow(projectId, input);
  await db.insert(apiKeys).values(row);
  return { key: toKeyInfo(row), secret };
}

export async function listKeys({ db, projectId }: ProjectScope): Promise<KeyInfo[]> {
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.projectId, projectId))// Keys made in the same millisecond keep the order they were made in (rowid), not their random ids'.
    .orderBy(asc(apiKeys.createdAt), sql`rowid`);
  return rows.map(toKeyInfo);
}

/** Revokes a key of the caller's project. Revoking an already revoked key returns it unchanged. */
export async function revokeKey({ db, projectId }: ProjectScope, keyId: string): Promise<KeyInfo> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, keyId));
  if (!row) throw notFound(`key "${keyId}" does not exist`);
  if (row.projectId !== projectId) throw forbidden(`key "${keyId}" belongs to another project`);
  if (row.revokedAt) return toKeyInfo(row);
  const revokedAt = new Date();
  await db.update(apiKeys).set({ revokedAt }).where(and(eq(apiKeys.id, keyId)));
  return toKeyInfo({ ...row, revokedAt });
}

const preparedByHash = (reads: ReadDb) => reads.select().from(apiKeys).where(eq(apiKeys.hash, sql.placeholder('hash'))).prepare();
const byHash = new WeakMap<ReadDb, ReturnType<typeof preparedByHash>>();

/** The key with this hash as of now: on the read connection where there is one, remembered until the next commit (Reads.remember). */
export async function findKeyByHash(db: Db, hash: string, reads?: Reads): Promise<ApiKeyRow | undefined> {
  if (reads) {
    let query = byHash.get(reads.db);
    if (!query) byHash.set(reads.db, (query = preparedByHash(reads.db)));
    return reads.remember(`key\0${hash}`, () => query.get({ hash }));
  }
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.hash, hash));
  return row;
}

const LAST_USED_GRANULARITY_MS = 60_000;

/** Records use at most once a minute per key, so reads stay reads. */
export async function touchKey(db: Db, row: ApiKeyRow): Promise<void> {
  const now = Date.now();
  if (row.lastUsedAt && now - row.lastUsedAt.getTime() < LAST_USED_GRANULARITY_MS) return;
  await db.update(apiKeys).set({ lastUsedAt: new Date(now) }).where(eq(apiKeys.id, row.id));
}
