import { and, asc, eq, sql } from 'drizzle-orm';
import { conflict, forbidden, notFound } from '../../shared/errors.js';
import type { Member, MemberRole } from '../../shared/schemas/teams.js';
import type { Principal, ProjectScope } from '../core/scope.js';
import type { Db } from '../db/client.js';
import { projects } from '../projects/schema.js';
import { members, users, type MemberRow, type UserRow } from './schema.js';

export const toMember = (m: Pick<MemberRow, 'userId' | 'role' | 'joinedAt'>, u: Pick<UserRow, 'email' | 'name'>): Member => ({
  userId: m.userId,
  email: u.email,
  name: u.name,
  role: m.role,
  joinedAt: m.joinedAt.toISOString(),
});

/**
 * Whether the caller may touch owners (make, change, remove one, or invite one): an owner, or an admin key, the
 * project's root credential (the CLI's `outpost team invite --role owner` runs with one).
 */
export const managesOwners = (p: Principal) => p.memberRole === 'owner' || (p.actor.type === 'key' && p.role === 'admin');

export function requireOwnerPower(p: Principal, what: string) {
  if (!managesOwners(p)) throw forbidden(`only an owner may ${what}; you are ${p.memberRole ? `a${p.memberRole === 'admin' ? 'n' : ''} ${p.memberRole}` : `a ${p.role} key`}`);
}

/** A user's membership of one project, read on every request a session makes. */
export async function membershipOf(db: Db, projectId: string, userId: string): Promise<MemberRow | undefined> {
  const [row] = await db.select().from(members).where(and(eq(members.projectId, projectId), eq(members.userId, userId)));
  return row;
}

/** Every project a user belongs to, oldest membership first. */
export async function projectsOf(db: Db, userId: string): Promise<Array<{ id: string; name: string; role: MemberRole }>> {
  return db
    .select({ id: projects.id, name: projects.name, role: members.role })
    .from(members)
    .innerJoin(projects, eq(projects.id, members.projectId))
    .where(eq(members.userId, userId))
    .orderBy(asc(members.joinedAt), asc(projects.name));
}

export async function listMembers({ db, projectId }: ProjectScope): Promise<Member[]> {
  const rows = await db
    .select({ m: members, u: users })
    .from(members)
    .innerJoin(users, eq(users.id, members.userId))
    .where(eq(members.projectId, projectId))
    .orderBy(asc(members.joinedAt), asc(users.email));
  return rows.map(({ m, u }) => toMember(m, u));
}

async function memberRow(scope: ProjectScope, userId: string) {
  const [row] = await scope.db
    .select({ m: members, u: users })
    .from(members)
    .innerJoin(users, eq(users.id, members.userId))
    .where(and(eq(members.projectId, scope.projectId), eq(members.userId, userId)));
  if (!row) throw notFound(`user "${userId}" is not a member of this project`);
  return row;
}

/** The statement's condition: the row is not the project's last owner (checked by SQLite in the same statement, so two concurrent demotions cannot both pass). */
const notLastOwner = (projectId: string) =>
  sql`(${members.role} <> 'owner' or (select count(*) from ${members} m2 where m2.project_id = ${projectId} and m2.role = 'owner') > 1)`;

const lastOwner = () => conflict('this is the project\'s last owner: make another member an owner first');

/** Changes a member's role; the same role again changes nothing. */
export async function setMemberRole(scope: ProjectScope & { principal: Principal }, userId: string, role: MemberRole): Promise<Member> {
  const { m, u } = await memberRow(scope, userId);
  if (m.role === role) return toMember(m, u);
  if (m.role === 'owner' || role === 'owner') requireOwnerPower(scope.principal, m.role === 'owner' ? 'change an owner\'s role' : 'make an owner');
  const changed = await scope.db
    .update(members)
    .set({ role })
    .where(and(eq(members.projectId, scope.projectId), eq(members.userId, userId), notLastOwner(scope.projectId)))
    .returning();
  if (!changed[0]) {
    await memberRow(scope, userId); // removed meanwhile: 404
    throw lastOwner();
  }
  return toMember(changed[0], u);
}

/** Removes a member; their sessions are refused from their next request on (access() reads the membership each time). */
export async function removeMember(scope: ProjectScope & { principal: Principal }, userId: string): Promise<void> {
  const { m } = await memberRow(scope, userId);
  if (m.role === 'owner') requireOwnerPower(scope.principal, 'remove an owner');
  const gone = await scope.db
    .delete(members)
    .where(and(eq(members.projectId, scope.projectId), eq(members.userId, userId), notLastOwner(scope.projectId)))
    .returning();
  if (!gone[0]) {
    const [still] = await scope.db.select().from(members).where(and(eq(members.projectId, scope.projectId), eq(members.userId, userId)));
    if (still) throw lastOwner();
  }
}

/** Whether any account exists on this hub (the first-owner route works only before). */
export async function anyAccount(db: Db): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).limit(1);
  return Boolean(row);
}

