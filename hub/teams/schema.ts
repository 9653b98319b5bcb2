import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt } from '../db/columns.js';
import { projects } from '../projects/schema.js';

// better-auth's four tables (user, session, account, verification as in better-auth 1.7's getAuthTables), in our
// naming: the JS keys are better-auth's field names, which its drizzle adapter looks up; the columns are snake_case.
const ms = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** Stored lowercased (better-auth lowercases on sign-in; we do on create). */
  email: text('email').notNull().unique(),
  emailVerified: integer('email_verified', { mode: 'boolean' }).notNull().default(false),
  image: text('image'),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
});
export type UserRow = typeof users.$inferSelect;

export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    expiresAt: ms('expires_at').notNull(),
    token: text('token').notNull().unique(),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The project this session acts in (better-auth additional field); null until the first request picks one. */
    activeProjectId: text('active_project_id'),
  },
  (t) => [index('sessions_user').on(t.userId)],
);
export type SessionRow = typeof sessions.$inferSelect;

export const accounts = sqliteTable(
  'accounts',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    providerId: text('provider_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    accessToken: text('access_token'),
    refreshToken: text('refresh_token'),
    idToken: text('id_token'),
    accessTokenExpiresAt: ms('access_token_expires_at'),
    refreshTokenExpiresAt: ms('refresh_token_expires_at'),
    scope: text('scope'),
    /** better-auth's scrypt hash (`salt:key`), for the `credential` provider. */
    password: text('password'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [index('accounts_user').on(t.userId)],
);

export const verifications = sqliteTable(
  'verifications',
  {
    id: text('id').primaryKey(),
    identifier: text('identifier').notNull(),
    value: text('value').notNull(),
    expiresAt: ms('expires_at').notNull(),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [index('verifications_identifier').on(t.identifier)],
);

export const members = sqliteTable(
  'members',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'admin', 'write', 'read'] }).notNull(),
    joinedAt: ms('joined_at').notNull(),
  },
  (t) => [uniqueIndex('members_project_user').on(t.projectId, t.userId), index('members_user').on(t.userId)],
);
export type MemberRow = typeof members.$inferSelect;

export const invitations = sqliteTable(
  'invitations',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    email: text('email').notNull(),
    role: text('role', { enum: ['owner', 'admin', 'write', 'read'] }).notNull(),
    /** sha256 hex of the token in the link; the token itself is never stored. */
    tokenHash: text('token_hash').notNull().unique(),
    invitedByType: text('invited_by_type', { enum: ['user', 'key'] }).notNull(),
    invitedById: text('invited_by_id').notNull(),
    invitedByName: text('invited_by_name').notNull(),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    acceptedAt: ms('accepted_at'),
    revokedAt: ms('revoked_at'),
  },
  (t) => [index('invitations_project').on(t.projectId, t.email)],
);
export type InvitationRow = typeof invitations.$inferSelect;

/**
 * Values the hub settles once and shares between processes and isolates: the session-signing secret it made for
 * itself, and the marker that the first owner exists (its primary key makes a second first owner fail).
 */
export const hubSettings = sqliteTable('hub_settings', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});
