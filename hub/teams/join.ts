import type { Context } from 'hono';
import { eq } from 'drizzle-orm';
import { badRequest, conflict, gone } from '../../shared/errors.js';
import type { AcceptInvitation, CreateOwner, SessionReply } from '../../shared/schemas/teams.js';
import { isUniqueViolation } from '../db/errors.js';
import type { HubEnv } from '../http/env.js';
import { newAccountRows, passwordMatches } from './accounts.js';
import { authOf } from './http.js';
import { invitationChanged, markAccepted, memberFromInvitation, usableInvitation } from './invitations.js';
import { anyAccount } from './members.js';
import { hubSettings, members, users } from './schema.js';
import { passwordLimits, signIn } from './sessions.js';

const FIRST_OWNER = 'first-owner';
const ownerExists = () => conflict('an account exists already: the first owner was made; sign in, or have an admin invite you');

/**
 * The hub's first account, owner of the key's project. The batch also inserts the `first-owner` marker, whose
 * primary key makes a concurrent second attempt fail whole (409) rather than leave two first owners.
 */
export async function createFirstOwner(c: Context<HubEnv>, projectId: string, input: CreateOwner): Promise<void> {
  const { db } = c.get('deps');
  if (await anyAccount(db)) throw ownerExists();
  const now = new Date();
  const account = await newAccountRows(await authOf(c), input, now);
  try {
    await db.batch([
      db.insert(hubSettings).values({ name: FIRST_OWNER, value: account.userId, createdAt: now }),
      ...account.statements(db),
      db.insert(members).values({ projectId, userId: account.userId, role: 'owner', joinedAt: now }),
    ]);
  } catch (cause) {
    if (isUniqueViolation(cause)) throw ownerExists();
    throw cause;
  }
}

/**
 * Accepts an invitation: a new account (name, password) or, for an email that has one, that account's password; then
 * the membership and the invitation's `accepted_at` in one batch, and a session in the invitation's project. Single
 * use: a second accept (or a concurrent twin, which loses on the unique membership or email) answers 410. Every
 * statement of the batch holds only while the invitation is as it was read: revoked (410) or resent (404) before the
 * batch commits, and nothing is written.
 */
export async function acceptInvitation(c: Context<HubEnv>, token: string, input: AcceptInvitation): Promise<SessionReply> {
  const { db } = c.get('deps');
  const { row } = await usableInvitation(db, token, Date.now());
  const auth = await authOf(c);
  const now = new Date();
  const [existing] = await db.select().from(users).where(eq(users.email, row.email));
  try {
    if (existing) {
      const limits = passwordLimits(c, row.email);
      await limits.check();
      if (!(await passwordMatches(auth, existing.id, input.password))) await limits.fail();
      await db.batch([memberFromInvitation(db, row, existing.id, now), markAccepted(db, row, now)]);
    } else {
      if (!input.name) throw badRequest('invalid request body: name: a new account needs a name', [{ path: 'name', message: 'a new account needs a name' }]);
      const account = await newAccountRows(auth, { email: row.email, name: input.name, password: input.password }, now);
      await db.batch([...account.statements(db), memberFromInvitation(db, row, account.userId, now), markAccepted(db, row, now)]);
    }
  } catch (cause) {
    if (invitationChanged(cause)) {
      await usableInvitation(db, token, Date.now()); // revoked, resent, accepted or expired meanwhile: 410 or 404
      throw gone('this invitation changed while it was being accepted; open the link again');
    }
    if (isUniqueViolation(cause)) {
      await usableInvitation(db, token, Date.now()); // accepted meanwhile: 410
      throw conflict(`${row.email} is already a member of this project; sign in instead`);
    }
    throw cause;
  }
  return signIn(c, row.email, input.password, null, row.projectId);
}
