import { and, eq, inArray } from 'drizzle-orm';
import { apiKeys } from '../auth/schema.js';
import type { Actor, ProjectScope } from '../core/scope.js';
import { slices } from '../db/slices.js';
import { users } from '../teams/schema.js';

/** Who an id stored in a record (`alias_events.actor`, `created_by`) stands for, as replies name them. */
export interface NamedActor {
  type: Actor['type'] | 'hub';
  id: string;
  name: string;
}

/** Finds the actors among these ids that it knows; ids it does not know are left to the next resolver. */
export type ActorResolver = (scope: ProjectScope, ids: string[]) => Promise<Actor[]>;

/** The project's keys (revoked ones too: a key's past actions keep its name). */
export const keyActors: ActorResolver = async ({ db, projectId }, ids) => {
  const out: Actor[] = [];
  for (const part of slices(ids)) {
    const rows = await db.select({ id: apiKeys.id, name: apiKeys.name }).from(apiKeys).where(and(eq(apiKeys.projectId, projectId), inArray(apiKeys.id, part)));
    out.push(...rows.map((r) => ({ type: 'key' as const, id: r.id, name: r.name })));
  }
  return out;
};

/** People with accounts, by name; a person removed from the project keeps their name on what they did. */
export const userActors: ActorResolver = async ({ db }, ids) => {
  const out: Actor[] = [];
  for (const part of slices(ids)) {
    const rows = await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, part));
    out.push(...rows.map((r) => ({ type: 'user' as const, id: r.id, name: r.name })));
  }
  return out;
};

/** Tried in order. */
export const actorResolvers: ActorResolver[] = [keyActors, userActors];

/**
 * Names each id once. An id no resolver knows is the hub acting by itself (`rollout ro_…` completing a rollout, the
 * demo seed): it keeps its own text as its name.
 */
export async function resolveActors(scope: ProjectScope, ids: Iterable<string | null>): Promise<Map<string, NamedActor>> {
  const named = new Map<string, NamedActor>();
  let left = [...new Set([...ids].filter((id): id is string => id !== null))];
  for (const resolve of actorResolvers) {
    if (left.length === 0) break;
    for (const actor of await resolve(scope, left)) named.set(actor.id, actor);
    left = left.filter((id) => !named.has(id));
  }
  for (const id of left) named.set(id, { type: 'hub', id, name: id });
  return named;
}
