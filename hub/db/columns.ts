import { customType, integer } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';

/** Binary columns as Uint8Array on every driver: libSQL reads ArrayBuffers, D1 reads arrays of numbers. */
export const bytes = customType<{ data: Uint8Array; driverData: ArrayBuffer | Uint8Array | number[] }>({
  dataType: () => 'blob',
  toDriver: (value) => value,
  fromDriver: (value) => (value instanceof Uint8Array ? value : value instanceof ArrayBuffer ? new Uint8Array(value) : Uint8Array.from(value)),
});

export const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(cast(unixepoch('subsecond') * 1000 as integer))`);
