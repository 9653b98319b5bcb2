import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { conflict, notFound } from '../../shared/errors.js';
import { pipelineAttempts, pipelineLogs } from '../db/schema.js';
import type { PipelineScope } from './scope.js';

const PAGE_CHARS = 1_000_000;

async function attemptRow({ db, projectId }: PipelineScope, attemptId: string) {
  const [row] = await db.select().from(pipelineAttempts).where(and(eq(pipelineAttempts.id, attemptId), eq(pipelineAttempts.projectId, projectId)));
  if (!row) throw notFound(`attempt "${attemptId}" not found in this project`);
  return row;
}

async function logEnd({ db }: PipelineScope, attemptId: string): Promise<number> {
  const [last] = await db.select().from(pipelineLogs).where(eq(pipelineLogs.attemptId, attemptId)).orderBy(desc(pipelineLogs.offset)).limit(1);
  return last ? last.offset + last.length : 0;
}

/**
 * Appends a chunk at `offset`, which must be where the log ends now. The same chunk sent again (a retry) is a no-op;
 * any other offset is a 409 that says where the log ends.
 */
export async function appendLog(scope: PipelineScope, attemptId: string, offset: number, text: string): Promise<{ next: number; duplicate: boolean }> {
  await attemptRow(scope, attemptId);
  const end = await logEnd(scope, attemptId);
  if (offset < end) {
    const [same] = await scope.db.select().from(pipelineLogs).where(and(eq(pipelineLogs.attemptId, attemptId), eq(pipelineLogs.offset, offset)));
    if (same && same.text === text) return { next: end, duplicate: true };
  }
  if (offset !== end) throw conflict(`the log of attempt "${attemptId}" ends at ${end}, not ${offset}; send from ${end}`, { end });
  if (!text) return { next: end, duplicate: false };
  const inserted = await scope.db.insert(pipelineLogs).values({ attemptId, offset, length: text.length, text }).onConflictDoNothing().returning({ offset: pipelineLogs.offset });
  if (!inserted.length) throw conflict(`another chunk was appended at ${offset} first; read the log's end and send again`, { end: await logEnd(scope, attemptId) });
  return { next: offset + text.length, duplicate: false };
}

/** The log from `offset` on (up to about 1 MB of text); `done` once the attempt has ended and everything was read. */
export async function readLog(scope: PipelineScope, attemptId: string, offset: number) {
  const attempt = await attemptRow(scope, attemptId);
  const rows = await scope.db.select().from(pipelineLogs).where(and(eq(pipelineLogs.attemptId, attemptId), sql`${pipelineLogs.offset} + ${pipelineLogs.length} > ${offset}`)).orderBy(asc(pipelineLogs.offset));
  let text = '';
  let next = offset;
  for (const row of rows) {
    if (text.length >= PAGE_CHARS) break;
    text += row.text.slice(Math.max(0, offset - row.offset));
    next = row.offset + row.length;
  }
  const end = await logEnd(scope, attemptId);
  return { text, offset, next, done: attempt.status !== 'running' && next >= end };
}
