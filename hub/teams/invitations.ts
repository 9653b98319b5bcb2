import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import { conflict, gone, notFound } from '../../shared/errors.js';
import { base64url } from '../../shared/base64url.js';
import { newId } from '../../shared/ids.js';
import type { CreateInvitation, Invitation, InvitationPreview } from '../../shared/schemas/teams.js';
import { hashKey } from '../auth/hash.js';
import type { Principal, ProjectScope } from '../core/scope.js';
import type { Db } from '../db/client.js';
import { isNotNullViolation } from '../db/errors.js';
import { projects } from '../projects/schema.js';
import { managesOwners, requireOwnerPower } from './members.js';
import { invitations, members, users, type InvitationRow } from './schema.js';

type ManagerScope = ProjectScope & { principal: Principal; now: () => number };

export const toInvitation = (r: InvitationRow): Invitation => ({
  id: r.id,
  email: r.email,
  role: r.role,
  createdAt: r.createdAt.toISOString(),
  expiresAt: r.expiresAt.toISOString(),
  invitedBy: { type: r.invitedByType, id: r.invitedById, name: r.invitedByName },
});

/** A fresh link token (32 random bytes) and the hash that is all the database keeps of it. */
async function newToken() {
  const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
  return { token, tokenHash: await hashKey(token) };
}

/** The project's pending invitations (not accepted, not revoked, not expired), newest first. */
export async function listPendingInvitations(scope: ProjectScope & { now: () => number }): Promise<Invitation[]> {
  const rows = await scope.db
    .select()
    .from(invitations)
    .where(and(eq(invitations.projectId, scope.projectId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date(scope.now()))))
    .orderBy(desc(invitations.createdAt));
  return rows.map(toInvitation);
}

/**
 * Invites an email with a role. A pending invitation of the same email to this project is revoked in the same batch
 * (its link dies); a current member is a 409. Returns the token once, for the link.
 */
export async function createInvitation(scope: ManagerScope, input: CreateInvitation, ttlMs: number): Promise<{ invitation: Invitation; token: string }> {
  if (input.role === 'owner') requireOwnerPower(scope.principal, 'invite an owner');
  const [member] = await scope.db
    .select({ role: members.role })
    .from(members)
    .innerJoin(users, eq(users.id, members.userId))
    .where(and(eq(members.projectId, scope.projectId), eq(users.email, input.email)));
  if (member) throw conflict(`${input.email} is already a member of this project (role ${member.role}); change their role instead`);
  const now = new Date(scope.now());
  const { token, tokenHash } = await newToken();
  const actor = scope.principal.actor;
  const row: InvitationRow = {
    id: newId('inv'),
    projectId: scope.projectId,
    email: input.email,
    role: input.role,
    tokenHash,
    invitedByType: actor.type,
    invitedById: actor.id,
    invitedByName: actor.name,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ttlMs),
    acceptedAt: null,
    revokedAt: null,
  };
  await scope.db.batch([
    scope.db
      .update(invitations)
      .set({ revokedAt: now })
      .where(and(eq(invitations.projectId, scope.projectId), eq(invitations.email, input.email), isNull(invitations.acceptedAt), isNull(invitations.revokedAt))),
    scope.db.insert(invitations).values(row),
  ]);
  return { invitation: toInvitation(row), token };
}

async function ownInvitation(scope: ProjectScope, id: string): Promise<InvitationRow> {
  const [row] = await scope.db.select().from(invitations).where(and(eq(invitations.id, id), eq(invitations.projectId, scope.projectId)));
  if (!row) throw notFound(`invitation "${id}" does not exist in this project`);
  return row;
}

/** A new token and expiry for a pending (or expired) invitation; the old link stops working. */
export async function resendInvitation(scope: ManagerScope, id: string, ttlMs: number): Promise<{ invitation: Invitation; token: string }> {
  const row = await ownInvitation(scope, id);
  if (row.role === 'owner') requireOwnerPower(scope.principal, 'resend an owner\'s invitation');
  if (row.acceptedAt) throw conflict(`invitation "${id}" was already accepted; there is nothing to resend`);
  if (row.revokedAt) throw conflict(`invitation "${id}" was revoked; invite ${row.email} again instead`);
  const { token, tokenHash } = await newToken();
  const expiresAt = new Date(scope.now() + ttlMs);
  const [updated] = await scope.db
    .update(invitations)
    .set({ tokenHash, expiresAt })
    .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
    .returning();
  if (!updated) throw conflict(`invitation "${id}" was accepted or revoked meanwhile`);
  return { invitation: toInvitation(updated), token };
}

/**
 * Revokes an invitation; revoking a revoked one changes nothing; an accepted one is a 409 (remove the member instead).
 * The UPDATE is the check (not accepted, not revoked, an owner's only with owner power), so an accept that commits
 * between a read and the write cannot be revoked after the fact; the row is read only to say why nothing changed.
 */
export async function revokeInvitation(scope: ManagerScope, id: string): Promise<void> {
  const [revoked] = await scope.db
    .update(invitations)
    .set({ revokedAt: new Date(scope.now()) })
    .where(and(eq(invitations.id, id), eq(invitations.projectId, scope.projectId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), managesOwners(scope.principal) ? undefined : ne(invitations.role, 'owner')))
    .returning({ id: invitations.id });
  if (revoked) return;
  const row = await ownInvitation(scope, id);
  if (row.role === 'owner') requireOwnerPower(scope.principal, 'revoke an owner\'s invitation');
  if (row.acceptedAt) throw conflict(`invitation "${id}" was already accepted at ${row.acceptedAt.toISOString()}; remove the member instead`);
}

/** The invitation behind a link, if it can still be used: 404 for an unknown link, 410 saying why one is dead. */
export async function usableInvitation(db: Db, token: string, now: number): Promise<{ row: InvitationRow; projectName: string }> {
  const [found] = await db
    .select({ row: invitations, projectName: projects.name })
    .from(invitations)
    .innerJoin(projects, eq(projects.id, invitations.projectId))
    .where(eq(invitations.tokenHash, await hashKey(token)));
  if (!found) throw notFound('no invitation has this link: it may have been resent with a new link; ask for a new invitation');
  const { row } = found;
  if (row.acceptedAt) throw gone(`this invitation was already used (accepted at ${row.acceptedAt.toISOString()}); sign in instead`);
  if (row.revokedAt) throw gone(`this invitation was revoked at ${row.revokedAt.toISOString()}; ask for a new one`);
  if (row.expiresAt.getTime() <= now) throw gone(`this invitation expired at ${row.expiresAt.toISOString()}; ask for a new one`);
  return found;
}

export async function previewInvitation(db: Db, token: string, now: number): Promise<InvitationPreview> {
  const { row, projectName } = await usableInvitation(db, token, now);
  const [account] = await db.select({ id: users.id }).from(users).where(eq(users.email, row.email));
  return { email: row.email, project: { id: row.projectId, name: projectName }, role: row.role, expiresAt: row.expiresAt.toISOString(), accountExists: Boolean(account) };
}

/**
 * The invitation, as the accept read it, is still usable: same link (not resent), not accepted, not revoked, not
 * expired. Every statement of the accept's batch carries it, so a revoke or resend that commits first leaves nothing.
 */
const stillUsable = (row: InvitationRow, now: Date) =>
  and(eq(invitations.id, row.id), eq(invitations.tokenHash, row.tokenHash), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now));

/**
 * The accept's membership row: its role is read from the invitation in the same statement, NULL once the invitation
 * is no longer usable, which fails `members.role`'s NOT NULL and rolls the whole batch back (account rows included).
 */
export const memberFromInvitation = (db: Db, row: InvitationRow, userId: string, now: Date) =>
  db.insert(members).values({
    projectId: row.projectId,
    userId,
    role: sql<InvitationRow['role']>`(select ${invitations.role} from ${invitations} where ${stillUsable(row, now)})`,
    joinedAt: now,
  });

/** True when the accept's batch failed because the invitation stopped being usable before it committed. */
export const invitationChanged = (err: unknown) => isNotNullViolation(err, 'members.role');

/** The statement that marks an invitation used, under the same condition as its membership row. */
export const markAccepted = (db: Db, row: InvitationRow, now: Date) => db.update(invitations).set({ acceptedAt: now }).where(stillUsable(row, now));
