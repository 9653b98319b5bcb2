import { z } from '@hono/zod-openapi';
import { forbidden, OutpostError } from '../../shared/errors.js';
import {
  acceptInvitationSchema,
  createInvitationSchema,
  createOwnerSchema,
  invitationLinkSchema,
  invitationPreviewSchema,
  memberReplySchema,
  sessionReplySchema,
  setupReplySchema,
  signInSchema,
  switchProjectSchema,
  teamSchema,
  updateMemberSchema,
} from '../../shared/schemas/teams.js';
import { access } from '../auth/access.js';
import { errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { acceptInvitation, createFirstOwner } from './join.js';
import { assertSameOrigin, authOf, currentSession, forwardCookies, hubOrigin } from './http.js';
import { createInvitation, listPendingInvitations, previewInvitation, resendInvitation, revokeInvitation } from './invitations.js';
import { anyAccount, listMembers, membershipOf, removeMember, setMemberRole } from './members.js';
import { INVALID_CREDENTIALS, passwordLimits, replyForSession, sessionReply, setActiveProject, signIn } from './sessions.js';

const admin = access({ secret: 'admin' });
const cookie = [{ session: [] as string[] }];
const noAuth: { [k: string]: string[] }[] = [];
const pathParam = (name: string) => z.string().min(1).openapi({ param: { name, in: 'path' } });
const SESSION_TEXT = 'Cookie-authenticated (`outpost.session_token`). A write must come from the hub\'s own origin (`Origin`, or `Sec-Fetch-Site: same-origin`), else 403 `cross_site_request`.';

const signInRoute = hubRoute({
  method: 'post',
  path: '/v1/session',
  tags: ['team'],
  summary: 'Sign in with email and password',
  description: `Sets the session cookie. A wrong email or password is 401 \`${INVALID_CREDENTIALS}\` either way; failures are limited per address and per account (429 with Retry-After). ${SESSION_TEXT}`,
  security: noAuth,
  request: { body: { content: json(signInSchema), required: true } },
  responses: { 200: { description: 'Signed in', content: json(sessionReplySchema) }, ...errorResponses(400, 401, 403, 429) },
});

const getSessionRoute = hubRoute({
  method: 'get',
  path: '/v1/session',
  tags: ['team'],
  summary: 'The signed-in person, their active project and all their projects',
  security: cookie,
  responses: { 200: { description: 'Signed in', content: json(sessionReplySchema) }, ...errorResponses(401) },
});

const signOutRoute = hubRoute({
  method: 'delete',
  path: '/v1/session',
  tags: ['team'],
  summary: 'Sign out',
  description: `Deletes the session on the hub and clears the cookie. Signing out without a session is a 204 too. ${SESSION_TEXT}`,
  security: cookie,
  responses: { 204: { description: 'Signed out' }, ...errorResponses(403) },
});

const switchRoute = hubRoute({
  method: 'put',
  path: '/v1/session/project',
  tags: ['team'],
  summary: 'Switch the session to another of your projects',
  description: SESSION_TEXT,
  security: cookie,
  request: { body: { content: json(switchProjectSchema), required: true } },
  responses: { 200: { description: 'Switched', content: json(sessionReplySchema) }, ...errorResponses(400, 401, 403) },
});

const setupRoute = hubRoute({
  method: 'get',
  path: '/v1/team/setup',
  tags: ['team'],
  summary: 'Whether the hub still needs its first owner account',
  middleware: access({ secret: 'read' }),
  responses: { 200: { description: 'Setup state', content: json(setupReplySchema) }, ...errorResponses(401, 403) },
});

const ownerRoute = hubRoute({
  method: 'post',
  path: '/v1/team/owner',
  tags: ['team'],
  summary: "Create the first owner account (admin key only) and sign them in",
  description: 'Only while no account exists on the hub (409 after); the owner joins the key\'s project.',
  middleware: admin,
  request: { body: { content: json(createOwnerSchema), required: true } },
  responses: { 201: { description: 'Created and signed in', content: json(sessionReplySchema) }, ...errorResponses(400, 401, 403, 409) },
});

const teamRoute = hubRoute({
  method: 'get',
  path: '/v1/team',
  tags: ['team'],
  summary: "The project's members and pending invitations",
  middleware: admin,
  responses: { 200: { description: 'Team', content: json(teamSchema) }, ...errorResponses(401, 403) },
});

const inviteRoute = hubRoute({
  method: 'post',
  path: '/v1/team/invitations',
  tags: ['team'],
  summary: 'Invite someone by email',
  description: 'Returns the link once (`url`). A pending invitation of the same email is replaced (its link dies); a current member is 409; only an owner (or an admin key) may invite an owner.',
  middleware: admin,
  request: { body: { content: json(createInvitationSchema), required: true } },
  responses: { 201: { description: 'Invited', content: json(invitationLinkSchema) }, ...errorResponses(400, 401, 403, 409) },
});

const resendRoute = hubRoute({
  method: 'post',
  path: '/v1/team/invitations/{id}/resend',
  tags: ['team'],
  summary: 'A new link and expiry for an invitation (the old link dies)',
  middleware: admin,
  request: { params: z.object({ id: pathParam('id') }) },
  responses: { 200: { description: 'Resent', content: json(invitationLinkSchema) }, ...errorResponses(401, 403, 404, 409) },
});

const revokeRoute = hubRoute({
  method: 'delete',
  path: '/v1/team/invitations/{id}',
  tags: ['team'],
  summary: 'Revoke an invitation',
  description: 'Revoking a revoked invitation is a 204 again; an accepted one is 409 (remove the member instead).',
  middleware: admin,
  request: { params: z.object({ id: pathParam('id') }) },
  responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404, 409) },
});

const updateMemberRoute = hubRoute({
  method: 'patch',
  path: '/v1/team/members/{userId}',
  tags: ['team'],
  summary: "Change a member's role",
  description: 'Effective at their next request. Only an owner may change an owner or make one; the last owner cannot be demoted (409).',
  middleware: admin,
  request: { params: z.object({ userId: pathParam('userId') }), body: { content: json(updateMemberSchema), required: true } },
  responses: { 200: { description: 'Changed', content: json(memberReplySchema) }, ...errorResponses(400, 401, 403, 404, 409) },
});

const removeMemberRoute = hubRoute({
  method: 'delete',
  path: '/v1/team/members/{userId}',
  tags: ['team'],
  summary: 'Remove a member',
  description: 'Their sessions are refused in this project from their next request. Only an owner may remove an owner; the last owner cannot be removed (409).',
  middleware: admin,
  request: { params: z.object({ userId: pathParam('userId') }) },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 409) },
});

const previewRoute = hubRoute({
  method: 'get',
  path: '/v1/invitations/{token}',
  tags: ['team'],
  summary: 'What an invitation link offers (no key needed)',
  security: noAuth,
  request: { params: z.object({ token: pathParam('token') }) },
  responses: { 200: { description: 'Invitation', content: json(invitationPreviewSchema) }, ...errorResponses(404, 410) },
});

const acceptRoute = hubRoute({
  method: 'post',
  path: '/v1/invitations/{token}/accept',
  tags: ['team'],
  summary: 'Accept an invitation and sign in (no key needed)',
  description: `Makes the account (name and a password of 8 or more characters) or, for an email that has one, checks its password and joins. Single use: a second accept is 410. ${SESSION_TEXT}`,
  security: noAuth,
  request: { params: z.object({ token: pathParam('token') }), body: { content: json(acceptInvitationSchema), required: true } },
  responses: { 200: { description: 'Joined and signed in', content: json(sessionReplySchema) }, ...errorResponses(400, 401, 403, 404, 410, 429) },
});

const linkOf = (c: Parameters<typeof hubOrigin>[0], token: string) => `${hubOrigin(c)}/invite/${token}`;

export const teamRoutes = newRouter()
  .openapi(signInRoute, async (c) => {
    assertSameOrigin(c);
    const { email, password } = c.req.valid('json');
    const limits = passwordLimits(c, email);
    await limits.check();
    return c.json(await signIn(c, email, password, limits), 200);
  })
  .openapi(getSessionRoute, async (c) => {
    const signedIn = await currentSession(c);
    const reply = signedIn ? await replyForSession(c.get('deps').db, signedIn) : null;
    if (!reply) throw new OutpostError(401, 'unauthorized', signedIn ? 'your account is not a member of any project any more' : 'not signed in (no session, or it ended)');
    return c.json(reply, 200);
  })
  .openapi(signOutRoute, async (c) => {
    assertSameOrigin(c);
    const auth = await authOf(c);
    const signedIn = await currentSession(c);
    if (signedIn) {
      const { headers } = await auth.api.signOut({ headers: c.req.raw.headers, returnHeaders: true });
      forwardCookies(c, headers);
    }
    return c.body(null, 204);
  })
  .openapi(switchRoute, async (c) => {
    const signedIn = await currentSession(c);
    if (!signedIn) throw new OutpostError(401, 'unauthorized', 'not signed in (no session, or it ended)');
    assertSameOrigin(c);
    const { projectId } = c.req.valid('json');
    const { db } = c.get('deps');
    if (!(await membershipOf(db, projectId, signedIn.user.id))) throw forbidden(`you are not a member of project "${projectId}"`);
    await setActiveProject(db, signedIn.session.id, projectId);
    return c.json((await sessionReply(db, signedIn.user, projectId))!, 200);
  })
  .openapi(setupRoute, async (c) => c.json({ needsOwner: !(await anyAccount(c.get('deps').db)) }, 200))
  .openapi(ownerRoute, async (c) => {
    const scope = scopeOf(c);
    if (scope.principal.actor.type !== 'key') throw forbidden('only an admin key creates the first owner; you are signed in already');
    const input = c.req.valid('json');
    await createFirstOwner(c, scope.projectId, input);
    return c.json(await signIn(c, input.email, input.password, null, scope.projectId), 201);
  })
  .openapi(teamRoute, async (c) => {
    const scope = scopeOf(c);
    const [members, invitations] = await Promise.all([listMembers(scope), listPendingInvitations(scope)]);
    return c.json({ members, invitations }, 200);
  })
  .openapi(inviteRoute, async (c) => {
    const { invitation, token } = await createInvitation(scopeOf(c), c.req.valid('json'), c.get('deps').config.invitationTtlMs);
    return c.json({ invitation, url: linkOf(c, token) }, 201);
  })
  .openapi(resendRoute, async (c) => {
    const { invitation, token } = await resendInvitation(scopeOf(c), c.req.valid('param').id, c.get('deps').config.invitationTtlMs);
    return c.json({ invitation, url: linkOf(c, token) }, 200);
  })
  .openapi(revokeRoute, async (c) => {
    await revokeInvitation(scopeOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(updateMemberRoute, async (c) => c.json({ member: await setMemberRole(scopeOf(c), c.req.valid('param').userId, c.req.valid('json').role) }, 200))
  .openapi(removeMemberRoute, async (c) => {
    await removeMember(scopeOf(c), c.req.valid('param').userId);
    return c.body(null, 204);
  })
  .openapi(previewRoute, async (c) => c.json(await previewInvitation(c.get('deps').db, c.req.valid('param').token, Date.now()), 200))
  .openapi(acceptRoute, async (c) => {
    assertSameOrigin(c);
    const reply = await acceptInvitation(c, c.req.valid('param').token, c.req.valid('json'));
    return c.json(reply, 200);
  });
