import { badRequest } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Db } from '../db/client.js';
import type { Auth } from './auth.js';
import { accounts, users } from './schema.js';

/** better-auth's bounds for a new password, said as our 400 naming the field. */
export function checkNewPassword(password: string) {
  if (password.length < 8) throw badRequest('invalid request body: password: must be at least 8 characters', [{ path: 'password', message: 'must be at least 8 characters' }]);
}

/**
 * The rows of a new email+password account, for the caller's own atomic batch (with its membership): the user and
 * its `credential` account as better-auth reads them, the password hashed by better-auth's own hasher (scrypt).
 */
export async function newAccountRows(auth: Auth, input: { email: string; name: string; password: string }, now: Date) {
  checkNewPassword(input.password);
  const ctx = await auth.$context;
  const hash = await ctx.password.hash(input.password);
  const userId = newId('usr');
  return {
    userId,
    statements: (db: Db) =>
      [
        db.insert(users).values({ id: userId, name: input.name, email: input.email.toLowerCase(), emailVerified: false, createdAt: now, updatedAt: now }),
        db.insert(accounts).values({ id: newId('acc'), accountId: userId, providerId: 'credential', userId, password: hash, createdAt: now, updatedAt: now }),
      ] as const,
  };
}

/** Whether `password` is the account's (better-auth's verifier); false for an account without a password. */
export async function passwordMatches(auth: Auth, userId: string, password: string): Promise<boolean> {
  const ctx = await auth.$context;
  const list = await ctx.internalAdapter.findAccounts(userId);
  const credential = list.find((a) => a.providerId === 'credential' && a.accountId === userId);
  if (!credential?.password) {
    await ctx.password.hash(password); // same time as a real check
    return false;
  }
  return ctx.password.verify({ hash: credential.password, password });
}
