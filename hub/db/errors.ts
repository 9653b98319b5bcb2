/** The error's message and its cause's: drizzle may wrap the driver's error, whose message says what failed. */
const messagesOf = (err: unknown) => `${(err as Error)?.message ?? err} ${(err as { cause?: Error })?.cause?.message ?? ''}`;

/**
 * True when a write failed on a unique index or primary key (SQLite says "UNIQUE constraint failed", on libSQL
 * and D1 alike).
 */
export function isUniqueViolation(err: unknown): boolean {
  return /UNIQUE/i.test(messagesOf(err));
}

/** True when a write set `column` (as `table.column`) to NULL against its NOT NULL constraint. */
export function isNotNullViolation(err: unknown, column: string): boolean {
  return messagesOf(err).includes(`NOT NULL constraint failed: ${column}`);
}
