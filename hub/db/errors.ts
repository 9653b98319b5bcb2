/**
 * True when a write failed on a unique index or primary key (SQLite says "UNIQUE constraint failed", on libSQL
 * and D1 alike; drizzle may wrap it, so the cause is read too).
 */
export function isUniqueViolation(err: unknown): boolean {
  return /UNIQUE/i.test(`${(err as Error)?.message ?? err} ${(err as { cause?: Error })?.cause?.message ?? ''}`);
}
